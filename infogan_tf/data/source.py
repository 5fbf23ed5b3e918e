"""`ImageSource`: a dataset of images with labels/factors kept beside them for evaluation."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Callable, Iterator, Optional, Tuple

import tensorflow as tf

from infogan_tf.errors import DataError


# What reading a tf.data source raises when a file is missing or cannot be decoded; callers
# turn it into a DataError naming the file with `ImageSource.reading`.
READ_ERRORS = (tf.errors.InvalidArgumentError, tf.errors.DataLossError, tf.errors.NotFoundError)


@dataclasses.dataclass
class ImageSource:
  """One split of a dataset.

  Attributes:
    name: Dataset name.
    dataset: Unbatched tf.data.Dataset of dicts {'image': uint8 [H, W, C], 'label': int32 []
      (-1 when unknown), 'factors': float32 [F] (F = 0 when unknown)}.
    image_shape: (H, W, C).
    num_classes: Number of label classes, or None when the data has no labels.
    factor_names: Names of the ground-truth factors in 'factors'.
    num_examples: Size of the split when known.
    origin: Where the data came from (a path, 'tfds', 'rendered in-process').
    class_names: Name of each label class (index = label), when known.
    find_bad_file: Optional; when reading the dataset failed, returns a one-line description
      of the first file that cannot be read (None if all read), for the error message.
  """

  name: str
  dataset: tf.data.Dataset
  image_shape: Tuple[int, int, int]
  num_classes: Optional[int] = None
  factor_names: Tuple[str, ...] = ()
  num_examples: Optional[int] = None
  origin: str = ""
  class_names: Tuple[str, ...] = ()
  find_bad_file: Optional[Callable[[], Optional[str]]] = None

  def explain(self, error: Exception) -> Exception:
    """A DataError naming the bad file behind a tf.data read error, or `error` itself."""
    bad = self.find_bad_file() if self.find_bad_file else None
    if bad:
      return DataError(f"{bad}; remove or replace it and rerun")
    return error

  @contextlib.contextmanager
  def reading(self) -> Iterator[None]:
    """Around code that reads `dataset`: a read error becomes the DataError naming the bad
    file (see `explain`)."""
    try:
      yield
    except READ_ERRORS as e:
      raise self.explain(e) from e

  def columns(self) -> Tuple[str, ...]:
    """Names of the integer-valued columns a semi-supervised code can be tied to."""
    return (("label",) if self.num_classes else ()) + tuple(self.factor_names)


def from_arrays(name, images, labels=None, factors=None, num_classes=None, factor_names=(),
                origin="", class_names=()) -> ImageSource:
  """Builds an ImageSource from in-memory numpy arrays.

  Args:
    name: Dataset name.
    images: uint8 [N, H, W] or [N, H, W, C].
    labels: Optional int [N].
    factors: Optional float [N, F].
    num_classes: Number of classes in `labels`.
    factor_names: Names of the F factors.
    origin: Where the arrays came from.
    class_names: Name of each label class.
  """
  import numpy as np  # local: only array-backed sources need it

  images = np.asarray(images)
  if images.ndim == 3:
    images = images[..., None]
  if images.ndim != 4 or images.shape[-1] not in (1, 3):
    raise DataError(f"{name}: expected images [N, H, W(, C)] with C in (1, 3), "
                    f"got shape {images.shape}")
  n = images.shape[0]
  labels = (np.full([n], -1, np.int32) if labels is None
            else np.asarray(labels).astype(np.int32).reshape(n))
  factors = (np.zeros([n, 0], np.float32) if factors is None
             else np.asarray(factors, np.float32).reshape(n, -1))
  ds = tf.data.Dataset.from_tensor_slices(
      {"image": images.astype(np.uint8), "label": labels, "factors": factors})
  return ImageSource(name, ds, tuple(int(d) for d in images.shape[1:]), num_classes,
                     tuple(factor_names), n, origin, tuple(class_names))
