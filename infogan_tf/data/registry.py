"""Dataset name -> ImageSource: the loader of each kind of dataset (`infogan_tf.datasets`)."""

from __future__ import annotations

import os

from infogan_tf import config as config_lib
from infogan_tf import datasets
from infogan_tf.data import folder, idx, procedural, tfds_images
from infogan_tf.data.source import DataError, ImageSource

def idx_dirs(data: config_lib.DataConfig):
  """IDX folders tried, in order, for `data.name` before falling back to tfds."""
  dirs = []
  if data.data_dir:
    dirs.append(data.data_dir)
  if data.name == "fashion_mnist":
    dirs.append(os.environ.get("INFOGAN_FASHION_MNIST_DIR", idx.DEBIAN_FASHION_MNIST_DIR))
  return dirs


def _procedural(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  return procedural.load(split, data.image_size, data.num_examples, seed, data.channels)


def _idx(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del seed
  return idx.load(data.data_dir, split, name="idx", num_classes=None)


def _folder(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del split, seed  # one set of images (`Dataset.evaluates_on_training_images`)
  return folder.load(data.data_dir, data.image_size, data.channels, data.unlabelled_folder)


def _tfds(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del seed
  record = datasets.get(data.name)
  tried = idx_dirs(data) if record.idx_first else []
  for d in tried:
    if idx.has_idx_files(d, split):
      return idx.load(d, split, name=data.name, num_classes=10)
  try:
    return tfds_images.load(record, record.read_split(split), data.data_dir, data.image_size)
  except DataError as e:
    if tried:
      hint = f"no IDX files in {tried}; " + (
          "apt-get install dataset-fashion-mnist; " if data.name == "fashion_mnist" else "")
      raise DataError(hint + str(e)) from e
    raise


# Dataset.kind -> fn(data, split, seed) -> ImageSource.
LOADERS = {"procedural": _procedural, "idx": _idx, "folder": _folder, "tfds": _tfds}


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
  return LOADERS[datasets.get(data.name).kind](data, split or data.split, seed)
