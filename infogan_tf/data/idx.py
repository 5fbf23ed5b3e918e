"""Reader for MNIST-format IDX files (raw or .gz), e.g. Debian's dataset-fashion-mnist."""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from typing import Optional, Sequence

import numpy as np

from infogan_tf.data.source import DataError, ImageSource, from_arrays


_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_SPLIT_PREFIX = {"train": "train", "test": "t10k"}


def read_idx(path: str) -> np.ndarray:
  """Reads one IDX file.

  Args:
    path: File path; '.gz' files are decompressed.

  Returns:
    The array with the file's shape and dtype (converted to native byte order).

  Raises:
    DataError: If the file is missing, truncated or not IDX.
  """
  if not os.path.exists(path):
    raise DataError(f"IDX file not found: {path}")
  opener = gzip.open if path.endswith(".gz") else open
  try:
    with opener(path, "rb") as f:
      data = f.read()
  except (OSError, EOFError, zlib.error) as e:  # EOFError: a truncated .gz
    raise DataError(f"cannot read IDX file {path} ({type(e).__name__}: {e}); it is truncated "
                    "or damaged: download or reinstall it") from e
  if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
    raise DataError(f"{path} is not an IDX file (bad magic number)")
  dtype, ndim = _DTYPES[data[2]], data[3]
  header = 4 + 4 * ndim
  if len(data) < header:
    raise DataError(f"{path}: truncated IDX header")
  shape = struct.unpack(f">{ndim}I", data[4:header])
  expected = int(np.prod(shape)) * dtype.itemsize
  if len(data) - header != expected:
    raise DataError(f"{path}: IDX payload has {len(data) - header} bytes, header says "
                    f"{expected} for shape {shape}")
  return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_idx_file(directory: str, split: str, kind: str) -> Optional[str]:
  """Path of '<prefix>-<kind>-idx?-ubyte[.gz]' in directory, or None.

  Args:
    directory: Folder to look in.
    split: 'train' or 'test' (file prefix 'train' / 't10k').
    kind: 'images' or 'labels'.
  """
  prefix = _SPLIT_PREFIX.get(split, split)
  ndim = 3 if kind == "images" else 1
  for name in (f"{prefix}-{kind}-idx{ndim}-ubyte", f"{prefix}-{kind}.idx{ndim}-ubyte"):
    for ext in ("", ".gz"):
      path = os.path.join(directory, name + ext)
      if os.path.exists(path):
        return path
  return None


def has_idx_files(directory: Optional[str], split: str) -> bool:
  return bool(directory) and os.path.isdir(directory) and find_idx_file(
      directory, split, "images") is not None


def load(directory: str, split: str, name: str = "idx",
         class_names: Sequence[str] = ()) -> ImageSource:
  """Loads a split of an IDX dataset directory (images and, if present, labels).

  Args:
    directory: Folder with e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz.
    split: 'train' or 'test'.
    name: Dataset name to report.
    class_names: The names of labels 0, 1, ... (their number is the number of classes); none:
      the classes are 0 ... the largest label.

  Raises:
    DataError: If the image file is missing or the files disagree.
  """
  images_path = find_idx_file(directory, split, "images")
  if images_path is None:
    prefix = _SPLIT_PREFIX.get(split, split)
    raise DataError(
        f"no IDX images for split {split!r} in {directory!r} (looked for "
        f"{prefix}-images-idx3-ubyte[.gz])")
  images = read_idx(images_path)
  if images.ndim != 3:
    raise DataError(f"{images_path}: expected [N, H, W] images, got shape {images.shape}")
  labels = None
  labels_path = find_idx_file(directory, split, "labels")
  if labels_path is not None:
    labels = read_idx(labels_path)
    if labels.shape != (images.shape[0],):
      raise DataError(f"{labels_path} has {labels.shape} labels for {images.shape[0]} images")
  num_classes = (len(class_names) or int(labels.max()) + 1) if labels is not None else None
  class_names = tuple(class_names) if labels is not None else ()
  return from_arrays(name, images.astype(np.uint8), labels=labels, num_classes=num_classes,
                     origin=os.path.dirname(images_path), class_names=class_names)
