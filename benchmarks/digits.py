r"""An MNIST-style digit set made offline: scikit-learn's bundled handwritten digits as IDX files.

  python -m benchmarks.digits --out_dir=workdirs/digits_idx
  python -m trainers.main --flagfile=trainers/flagfiles/mnist.flags \
      --data_dir=workdirs/digits_idx --steps=2000 --batch_size=64

scikit-learn ships the UCI "optical recognition of handwritten digits" test set (1797 digits
written by 43 people, 8x8 pixels of 17 grey levels; `sklearn.datasets.load_digits`, no
download). Each digit is scaled to 20x20 and centred in a 28x28 frame as MNIST's are, then
written as train-images-idx3-ubyte.gz / train-labels-idx1-ubyte.gz, which `--dataset=mnist
--data_dir=` reads, so `mnist.flags` runs on it unchanged. There is no held-out part: the
t10k files hold the same 1797 images, and a run is scored on the images it was trained on
(without their labels), as clustering accuracies usually are. Labels are written only for
judging (`trainers.evaluate`); training and selection never read them.
"""

from __future__ import annotations

import argparse
import gzip
import os
import struct

import numpy as np

DIGIT_SIDE = 20  # MNIST's digits fill a 20x20 box centred in 28x28
SIDE = 28


def digit_images() -> tuple:
  """([1797, 28, 28] uint8 images, [1797] uint8 labels) from scikit-learn's bundled digits."""
  from sklearn import datasets  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  digits = datasets.load_digits()
  small = digits.images[..., None].astype(np.float32) * (255.0 / 16.0)  # [N, 8, 8, 1]
  big = tf.image.resize(small, [DIGIT_SIDE, DIGIT_SIDE], method="bicubic").numpy()  # [N, 20, 20, 1]
  pad = (SIDE - DIGIT_SIDE) // 2
  images = np.zeros([len(big), SIDE, SIDE], np.uint8)  # [N, 28, 28]
  images[:, pad:pad + DIGIT_SIDE, pad:pad + DIGIT_SIDE] = np.clip(
      np.round(big[..., 0]), 0, 255).astype(np.uint8)
  return images, digits.target.astype(np.uint8)


def write_idx(path: str, array: np.ndarray) -> None:
  """Writes a uint8 array as a gzipped IDX file (magic 0x0000 08 ndim, big-endian sizes)."""
  header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
  with gzip.open(path, "wb") as f:
    f.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--out_dir", default=os.path.join("workdirs", "digits_idx"))
  args = parser.parse_args()
  images, labels = digit_images()
  os.makedirs(args.out_dir, exist_ok=True)
  for prefix in ("train", "t10k"):
    write_idx(os.path.join(args.out_dir, f"{prefix}-images-idx3-ubyte.gz"), images)
    write_idx(os.path.join(args.out_dir, f"{prefix}-labels-idx1-ubyte.gz"), labels)
  print(f"wrote {len(images)} digits (28x28) and their labels to {args.out_dir}")


if __name__ == "__main__":
  main()
