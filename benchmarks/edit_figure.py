r"""The README's edit figure: real test images, their inversion, and the same images with one
code changed, drawn through an export's signatures exactly as a served model answers them.

  python -m benchmarks.edit_figure --model_dir=models/fashion_mnist/2 \
      --workdir=/work/runs/fashion/seed_0 --out=docs/figures/fashion_mnist_edits.png

One row per test image (the first --images of the run's evaluation split): the image, G's image
of its inverted noise and codes (`invert`), then `generate` with that noise and the codes changed
one at a time: categorical code 0 set to each of its values, then each continuous code set to
--low and --high. Images are scaled up --zoom times (nearest neighbour) with a grey border.
Prints the per-image reconstruction errors and the column legend.
"""

from __future__ import annotations

import argparse

import numpy as np


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--model_dir", required=True, help="An export version directory.")
  parser.add_argument("--workdir", required=True, help="The run (for its evaluation images).")
  parser.add_argument("--out", required=True)
  parser.add_argument("--images", type=int, default=4)
  parser.add_argument("--low", type=float, default=-1.0)
  parser.add_argument("--high", type=float, default=1.0)
  parser.add_argument("--zoom", type=int, default=2)
  args = parser.parse_args()
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import evaluation, visualize  # pylint: disable=g-import-not-at-top
  from infogan_tf.serving import client  # pylint: disable=g-import-not-at-top

  config = config_lib.load_config(args.workdir)
  source = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  images = evaluation.load_arrays(source, (0.0, 1.0), args.images)[0]  # [N, H, W, C] in [0, 1]
  model = tf.saved_model.load(args.model_dir)
  found = model.signatures["invert"](images=tf.constant(images, tf.float32))
  noise, cats, cont = found["noise"], found["categorical"].numpy(), found["continuous"].numpy()
  generate = lambda c, k: model.signatures["generate"](
      noise=noise, categorical=tf.constant(k, tf.int32),
      continuous=tf.constant(c, tf.float32))["images"].numpy()
  columns, legend = [images, found["images"].numpy()], ["image", "inverted"]
  for k in range(int(config.latent.categorical[0]) if config.latent.categorical else 0):
    changed = cats.copy()
    changed[:, 0] = k
    columns.append(generate(cont, changed))
    legend.append(f"cat0={k}")
  for j in range(cont.shape[1]):
    for value in (args.low, args.high):
      moved = cont.copy()
      moved[:, j] = value
      columns.append(generate(moved, cats))
      legend.append(f"cont{j}={value:g}")
  grid = np.stack(columns, axis=1)  # [N, columns, H, W, C]
  n, cols = grid.shape[:2]
  tiles = client.images_to_uint8(grid.reshape(n * cols, *grid.shape[2:]))
  tiles = np.repeat(np.repeat(tiles, args.zoom, axis=1), args.zoom, axis=2)
  visualize.write_png(args.out, visualize.tile(tiles, n, cols, pad=2))
  print("columns:", ", ".join(legend))
  print("reconstruction error (mean squared, [0, 1] pixels):",
        ", ".join(f"{e:.4f}" for e in found["error"].numpy()))
  print("codes found:", [list(map(int, c)) for c in cats], np.round(cont, 2).tolist())
  print(f"wrote {args.out}")


if __name__ == "__main__":
  main()
