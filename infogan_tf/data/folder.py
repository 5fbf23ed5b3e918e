"""A folder of image files (png/jpg/bmp/gif, any channels); class sub-folders become labels.

Layout for semi-supervised runs: class sub-folders hold the labelled images and one sub-folder
(`unlabelled/` by default) holds the images without a label (label -1).
"""

from __future__ import annotations

import os

import tensorflow as tf

from infogan_tf.errors import first_line
from infogan_tf.data import image_files
from infogan_tf.data.source import DataError, ImageSource

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
# A larger image is refused from its header, before it is decoded (a few hundred KB of PNG can
# decode to gigabytes). 100 megapixels holds any camera photo.
MAX_IMAGE_PIXELS = 100_000_000


def list_images(directory: str):
  """Sorted image paths below directory (recursive)."""
  paths = []
  for root, _, files in os.walk(directory):
    for f in files:
      if f.lower().endswith(IMAGE_EXTENSIONS):
        paths.append(os.path.join(root, f))
  return sorted(paths)


def load(directory: str, image_size: int, channels: int,
         unlabelled_folder: str = "unlabelled") -> ImageSource:
  """Loads every image below `directory`, centre-cropped to a square and resized.

  If the images sit in two or more class sub-folders, the sub-folder name is the class label
  (sorted names -> 0, 1, ...); otherwise labels are -1. Images in the top-level sub-folder
  `unlabelled_folder` (and below it) have label -1 and are not a class.

  Args:
    directory: Image folder.
    image_size: Output side length.
    channels: 1 (grey) or 3 (RGB).
    unlabelled_folder: Name of the sub-folder of images without labels.

  Raises:
    DataError: If the folder does not exist or holds no images.
  """
  if not os.path.isdir(directory):
    raise DataError(f"image folder not found: {directory}")
  paths = list_images(directory)
  if not paths:
    raise DataError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found below {directory}")
  parents = [os.path.relpath(os.path.dirname(p), directory) for p in paths]
  unlabelled = [p == unlabelled_folder or p.startswith(unlabelled_folder + os.sep)
                for p in parents]
  classes = sorted({p for p, u in zip(parents, unlabelled) if not u})
  if len(classes) >= 2:
    index = {c: i for i, c in enumerate(classes)}
    labels = [-1 if u else index[p] for p, u in zip(parents, unlabelled)]
    num_classes = len(classes)
  else:
    labels = [-1] * len(paths)
    num_classes = None
    classes = []

  def decode_file(path):
    return image_files.decode_checked(tf.io.read_file(path), channels, MAX_IMAGE_PIXELS,
                                      what="an image file")  # [h, w, C] uint8

  def decode(path, label):
    image = decode_file(path)  # [h, w, C] uint8
    h, w = tf.shape(image)[0], tf.shape(image)[1]
    side = tf.minimum(h, w)
    image = tf.image.crop_to_bounding_box(image, (h - side) // 2, (w - side) // 2, side, side)
    image = tf.image.resize(image, [image_size, image_size], antialias=True)
    image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
    image = tf.ensure_shape(image, [image_size, image_size, channels])
    return {"image": image, "label": label, "factors": tf.zeros([0], tf.float32)}

  ds = tf.data.Dataset.from_tensor_slices((paths, tf.constant(labels, tf.int32)))
  ds = ds.map(decode, num_parallel_calls=tf.data.AUTOTUNE)
  def find_bad_file():
    for path in paths:
      try:
        decode_file(path)
      except (tf.errors.OpError, OSError) as e:
        return f"cannot decode image {path} ({first_line(e)})"
    return None

  return ImageSource("folder", ds, (image_size, image_size, channels), num_classes, (),
                     len(paths), origin=directory, class_names=tuple(classes),
                     find_bad_file=find_bad_file)
