r"""How well `inversion.invert` reproduces held-out images, against two baselines, over steps.

  python -m benchmarks.inversion --workdir=/work/runs/fashion/seed_0 \
      --label="Fashion-MNIST seed 0" [--images=256] [--steps=0,25,50,100,200] [--restarts=16]

On the first --images evaluation images of the run's data: the mean squared pixel error (in
[0, 1] units) and SSIM (`tf.image.ssim`, on [0, 1] images) of
  - G(random z, Q(x)): Q's codes with one draw of z;
  - G(best of 64 z, Q(x)): the draw of 64 closest to the image (what `invert` starts from with
    --restarts=64 and no steps);
  - invert at each of --steps (z and the continuous codes optimised, the categorical codes Q's),
the edits' faithfulness at the default steps (each image's categorical code 0 set to every k: how
often Q reads k back from G(z*, c'); each continuous code moved by +-0.5: how far it and the
other continuous codes read back by Q move), and the seconds per call for one image and for a
batch of 64 (p50 and p95 over --timing_calls calls, after a warm-up call), each with the
function traced once. Writes
benchmarks/results/inversion_<label>.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def edits(generator, discriminator, spec, config, inverted, tf) -> dict:
  """Edit faithfulness of inverted latents (see the module docstring)."""
  from infogan_tf import posterior  # pylint: disable=g-import-not-at-top
  z, cats, cont = inverted["noise"], inverted["categorical"].numpy(), inverted["continuous"]
  n = int(z.shape[0])

  def read(categorical, continuous):
    sample_input = [z] + [tf.one_hot(categorical[:, i], k) for i, k in
                          enumerate(spec.categorical)] + [continuous]
    images = generator(tf.concat(sample_input, axis=-1), training=False)
    return posterior.decode(discriminator(images, training=False), config.loss.continuous_std)

  out = {}
  if spec.categorical:
    hits = 0
    for k in range(spec.categorical[0]):
      changed = cats.copy()
      changed[:, 0] = k
      hits += int(np.sum(read(changed, cont).categorical[0].numpy() == k))
    out["categorical_accuracy_after_setting_cat0"] = hits / (n * spec.categorical[0])
  base = read(cats, cont).continuous_mean.numpy()  # [N, C]
  for j in range(spec.num_continuous):
    moved_self, moved_others = [], []
    for delta in (-0.5, 0.5):
      shifted = cont.numpy().copy()
      shifted[:, j] = np.clip(shifted[:, j] + delta, -1.0, 1.0)
      now = read(cats, tf.constant(shifted)).continuous_mean.numpy()
      moved_self.append(np.mean(np.abs(now[:, j] - base[:, j])))
      others = [i for i in range(spec.num_continuous) if i != j]
      if others:
        moved_others.append(np.mean(np.abs(now[:, others] - base[:, others])))
    out[f"cont{j}"] = {"mean_change_of_itself": float(np.mean(moved_self)),
                       "mean_change_of_the_others": float(np.mean(moved_others))
                       if moved_others else None}
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", required=True)
  parser.add_argument("--label", required=True)
  parser.add_argument("--images", type=int, default=256)
  parser.add_argument("--steps", default="0,25,50,100,200")
  parser.add_argument("--restarts", type=int, default=16)
  parser.add_argument("--timing_calls", type=int, default=50)
  args = parser.parse_args()
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import evaluation, inversion  # pylint: disable=g-import-not-at-top
  from infogan_tf.latent import LatentSpec  # pylint: disable=g-import-not-at-top
  from infogan_tf.models import architectures, build_models  # pylint: disable=g-import-not-at-top
  from infogan_tf.training import checkpointing  # pylint: disable=g-import-not-at-top

  config = config_lib.load_config(args.workdir)
  generator, discriminator = build_models(config)
  checkpoint = checkpointing.restore_for_inference(
      generator, discriminator, args.workdir, None, config.optimizer.averages_discriminator)
  pixel_range = architectures.info(config.model.architecture).pixel_range
  spec = LatentSpec(config.latent)
  source = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  images = evaluation.load_arrays(source, pixel_range, args.images)[0]  # [N, H, W, C]
  low, high = pixel_range
  unit = lambda x: (np.asarray(x) - low) / (high - low)

  def scores(generated):
    g, x = unit(generated), unit(images)
    return {"mse": float(np.mean((g - x) ** 2)),
            "ssim": float(tf.reduce_mean(tf.image.ssim(tf.constant(g, tf.float32),
                                                       tf.constant(x, tf.float32), 1.0)))}

  traced = tf.function(lambda x, steps, restarts, seed: inversion.invert(
      generator, discriminator, spec, x, pixel_range, config.loss.continuous_std, steps,
      restarts, seed))
  # Tensors, not Python numbers: one trace serves every call.
  run = lambda x, steps, restarts, seed: traced(
      tf.constant(x, tf.float32), tf.constant(steps, tf.int32), tf.constant(restarts, tf.int32),
      tf.constant(seed, tf.int64))
  results = {"label": args.label, "workdir": args.workdir, "checkpoint": checkpoint,
             "date": time.strftime("%Y-%m-%d"),
             "machine": throughput.machine_line(throughput.machine()),
             "command": "python -m benchmarks.inversion " + " ".join(
                 f"'{a}'" if " " in a else a for a in sys.argv[1:]),
             "images": int(len(images)), "restarts": args.restarts, "rows": {}}
  results["rows"]["G(random z, Q(x))"] = scores(run(images, 0, 1, 0)["images"])
  results["rows"]["G(best of 64 z, Q(x))"] = scores(run(images, 0, 64, 0)["images"])
  for steps in [int(s) for s in args.steps.split(",")]:
    out = run(images, steps, args.restarts, 0)
    results["rows"][f"invert, {steps} steps"] = scores(out["images"])
  results["edits"] = edits(generator, discriminator, spec, config, run(
      images, inversion.DEFAULT_STEPS, args.restarts, 0), tf)
  timing = {}
  for batch in (1, 64):
    x = images[:batch]
    run(x, inversion.DEFAULT_STEPS, args.restarts, 0)  # warm-up (tracing)
    seconds = []
    for i in range(args.timing_calls if batch == 1 else max(5, args.timing_calls // 5)):
      t0 = time.perf_counter()
      run(x, inversion.DEFAULT_STEPS, args.restarts, i)["images"].numpy()
      seconds.append(time.perf_counter() - t0)
    timing[f"batch {batch}"] = {"p50": float(np.percentile(seconds, 50)),
                                "p95": float(np.percentile(seconds, 95)), "calls": len(seconds)}
  results["seconds_at_default_steps"] = timing
  slug = re.sub(r"[^a-z0-9]+", "_", args.label.lower()).strip("_")
  path = os.path.join(ROOT, "benchmarks", "results", f"inversion_{slug}.json")
  with open(path, "w") as f:
    json.dump(results, f, indent=1)
  print(f"{args.label}: {len(images)} evaluation images, restarts {args.restarts}")
  print("| reconstruction | MSE | SSIM |\n|---|---|---|")
  for name, s in results["rows"].items():
    print(f"| {name} | {s['mse']:.4f} | {s['ssim']:.3f} |")
  print("edits:", json.dumps(results["edits"]))
  for name, t in timing.items():
    print(f"{name} at {inversion.DEFAULT_STEPS} steps: p50 {t['p50']:.3f} s, p95 {t['p95']:.3f} s")
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
