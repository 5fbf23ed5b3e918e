"""Dataset name -> ImageSource, choosing offline sources before tfds where they exist."""

from __future__ import annotations

import os

from infogan_tf import config as config_lib
from infogan_tf.data import folder, idx, procedural, tfds_images
from infogan_tf.data.source import DataError, ImageSource

TFDS_NAMES = ("mnist", "fashion_mnist", "svhn_cropped", "celeb_a", "dsprites", "shapes3d")
# tfds datasets with only a 'train' split: the first 20% is held out for evaluation, so
# 'train' means the other 80% and 'test' the held-out 20% (training never sees test images).
HELD_OUT_SPLITS = {"dsprites": {"train": "train[20%:]", "test": "train[:20%]"},
                   "shapes3d": {"train": "train[20%:]", "test": "train[:20%]"}}


def resolve_split(name: str, split: str) -> str:
  """The split actually read for `split` of dataset `name` (see HELD_OUT_SPLITS)."""
  return HELD_OUT_SPLITS.get(name, {}).get(split, split)


def idx_dirs(data: config_lib.DataConfig):
  """IDX folders tried, in order, for `data.name` before falling back to tfds."""
  dirs = []
  if data.data_dir:
    dirs.append(data.data_dir)
  if data.name == "fashion_mnist":
    dirs.append(os.environ.get("INFOGAN_FASHION_MNIST_DIR", idx.DEBIAN_FASHION_MNIST_DIR))
  return dirs


def load_source(data: config_lib.DataConfig, split: str = None, seed: int = 0) -> ImageSource:
  """Loads one split of the configured dataset.

  Order for mnist/fashion_mnist: IDX files in data_dir, then (fashion_mnist) Debian's
  /usr/share/datasets/fashion-mnist, then tfds with data_dir.

  Args:
    data: The DataConfig.
    split: Split name (default: data.split).
    seed: Seed for procedural data.

  Raises:
    DataError: If the data cannot be found; the message says where it looked.
  """
  data.validate()
  split = split or data.split
  name = data.name
  if name == "procedural":
    return procedural.load(split, data.image_size, data.num_examples, seed, data.channels)
  if name == "idx":
    return idx.load(data.data_dir, split, name="idx", num_classes=None)
  if name == "folder":
    return folder.load(data.data_dir, data.image_size, data.channels, data.unlabelled_folder)
  if name in ("mnist", "fashion_mnist"):
    for d in idx_dirs(data):
      if idx.has_idx_files(d, split):
        return idx.load(d, split, name=name, num_classes=10)
  if name in TFDS_NAMES:
    try:
      return tfds_images.load(name, resolve_split(name, split), data.data_dir, data.image_size)
    except DataError as e:
      tried = idx_dirs(data) if name in ("mnist", "fashion_mnist") else []
      if tried:
        hint = f"no IDX files in {tried}; " + (
            "apt-get install dataset-fashion-mnist; " if name == "fashion_mnist" else "")
        raise DataError(hint + str(e)) from e
      raise
  raise DataError(f"unknown dataset {name!r}")
