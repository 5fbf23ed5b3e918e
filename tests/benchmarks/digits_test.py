"""benchmarks/digits.py: scikit-learn's digits as MNIST IDX files the mnist loader reads."""

import numpy as np

from benchmarks import digits
from infogan_tf.data import idx


def test_digits_round_trip_through_the_idx_loader(tmp_path):
  images, labels = digits.digit_images()
  assert images.shape == (1797, 28, 28) and images.dtype == np.uint8
  assert labels.shape == (1797,) and set(labels.tolist()) == set(range(10))
  # MNIST's frame: the 4-pixel border is background, the digit reaches full brightness.
  assert images[:, :4].max() == 0 and images[:, -4:].max() == 0 and images.max() == 255
  digits.write_idx(str(tmp_path / "train-images-idx3-ubyte.gz"), images[:50])
  digits.write_idx(str(tmp_path / "train-labels-idx1-ubyte.gz"), labels[:50])
  source = idx.load(str(tmp_path), "train")
  read = np.stack([e["image"].numpy()[..., 0] for e in source.dataset])
  np.testing.assert_array_equal(read, images[:50])
  assert [int(e["label"]) for e in source.dataset] == labels[:50].tolist()
