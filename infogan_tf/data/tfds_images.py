"""TensorFlow Datasets sources, mapped to the common {'image', 'label', 'factors'} form."""

from __future__ import annotations

from typing import Optional

import tensorflow as tf

from infogan_tf import datasets
from infogan_tf.data.source import DataError, ImageSource


def load(record: datasets.Dataset, split: str, data_dir: Optional[str],
         image_size: int) -> ImageSource:
  """Loads a tfds image dataset as its record says (label, factors, crop, resize, pixels).

  Args:
    record: The dataset's record (kind 'tfds').
    split: tfds split ('train', 'test', 'train[:10%]', ...).
    data_dir: tfds data dir (None: tfds default).
    image_size: Output side of a `sized` dataset (celeb_a: crop + resize); others keep theirs.

  Raises:
    DataError: If tfds cannot provide the data (e.g. no network for the first download).
  """
  import tensorflow_datasets as tfds  # heavy import, only when used

  if record.kind != "tfds":
    raise DataError(f"{record.name!r} is not a tfds dataset")
  name = record.name
  try:
    builder = tfds.builder(name, data_dir=data_dir)
    builder.download_and_prepare()
    ds = builder.as_dataset(split=split, shuffle_files=False)
  except Exception as e:  # tfds raises many types; all mean "data not available"
    raise DataError(
        f"tfds could not provide {name!r} split {split!r} (data_dir={data_dir!r}): "
        f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}. tfds downloads need "
        "network on first use; prepare the dataset elsewhere and pass --data_dir") from e
  info = builder.info
  label_key, factor_keys = record.label, record.factors
  image_shape = tuple(info.features["image"].shape)
  factor_names = tuple(factor_keys)
  num_classes = info.features[label_key].num_classes if label_key else None
  class_names = tuple(info.features[label_key].names) if label_key else ()

  def convert(ex):
    image = ex["image"]
    if record.stored_binary:
      image = image * 255  # stored as 0/1
    if record.crop is not None:
      top, left, size = record.crop
      image = tf.image.crop_to_bounding_box(image, top, left, size, size)
    if record.sized:
      image = tf.image.resize(image, [image_size, image_size], antialias=True)
      image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
    label = tf.cast(ex[label_key], tf.int32) if label_key else tf.constant(-1, tf.int32)
    if record.attribute_factors:
      attrs = ex["attributes"]
      factors = tf.stack([tf.cast(attrs[k], tf.float32) for k in sorted(attrs)])
    elif factor_keys:
      factors = tf.stack([tf.cast(ex[k], tf.float32) for k in factor_keys])
    else:
      factors = tf.zeros([0], tf.float32)
    return {"image": image, "label": label, "factors": factors}

  if record.sized:
    image_shape = (image_size, image_size, image_shape[-1])
  if record.attribute_factors:
    factor_names = tuple(sorted(info.features["attributes"].keys()))
  try:
    num_examples = info.splits[split].num_examples
  except Exception:  # sliced or unknown split names
    num_examples = None
  return ImageSource(name, ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE),
                     tuple(int(d) for d in image_shape), num_classes, factor_names,
                     num_examples, origin=f"tfds:{name}", class_names=class_names)
