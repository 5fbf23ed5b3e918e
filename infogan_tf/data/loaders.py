"""Dataset name -> ImageSource: the loader of each kind of dataset (`Dataset.kind` of the
records in `infogan_tf.datasets`)."""

from __future__ import annotations

import os

from infogan_tf import config as config_lib
from infogan_tf import datasets
from infogan_tf.data import folder, idx, procedural, tfds_images
from infogan_tf.data.source import DataError, ImageSource

def _procedural(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  return procedural.load(split, data.image_size, data.num_examples, seed, data.channels)


def _idx(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del seed
  return idx.load(data.data_dir, split, name="idx")


def _folder(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del split, seed  # one set of images (`Dataset.evaluates_on_training_images`)
  return folder.load(data.data_dir, data.image_size, data.channels, data.unlabelled_folder)


def _tfds(data: config_lib.DataConfig, split: str, seed: int) -> ImageSource:
  del seed
  record = datasets.get(data.name)
  tried = record.idx_dirs(data.data_dir, os.environ) if record.idx_first else []
  for d in tried:
    if idx.has_idx_files(d, split):
      return idx.load(d, split, name=data.name, class_names=record.idx_classes)
  try:
    return tfds_images.load(record, record.read_split(split), data.data_dir, data.image_size)
  except DataError as e:
    if tried:
      hint = f"no IDX files in {tried}; " + (
          f"apt-get install {record.package}; " if record.package else "")
      raise DataError(hint + str(e)) from e
    raise


# Dataset.kind -> fn(data, split, seed) -> ImageSource.
LOADERS = {"procedural": _procedural, "idx": _idx, "folder": _folder, "tfds": _tfds}


def load_source(data: config_lib.DataConfig, split: str = None, seed: int = 0) -> ImageSource:
  """Loads one split of the configured dataset.

  Order for datasets with `Dataset.idx_first` (mnist, fashion_mnist): IDX files in data_dir,
  then in the record's `package_dir` (fashion_mnist: Debian's dataset-fashion-mnist), then
  tfds with data_dir.

  Args:
    data: The DataConfig.
    split: Split name (default: data.split).
    seed: Seed for procedural data.

  Raises:
    DataError: If the data cannot be found; the message says where it looked.
  """
  data.validate()
  return LOADERS[datasets.get(data.name).kind](data, split or data.split, seed)
