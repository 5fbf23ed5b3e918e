"""RandAugment for batches of grey or colour images, in-graph and per image.

FixMatch (Sohn et al. 2020) takes the strong view of an unlabelled image from RandAugment
(Cubuk et al. 2020): each image gets `num_ops` operations drawn at random from a list, each
with a random magnitude, then a cut-out. This is that augmentation as one batched graph (it
runs inside the distributed train step, with the step's per-replica random generator):

- geometric operations (rotate, shear x/y, translate x/y) are composed into one projective
  transform per image and resampled once (bilinear, background fill);
- pixel operations (auto-contrast, brightness, contrast, equalize, posterize, sharpness,
  solarize) are applied in that fixed order, each only to the images that drew it.

Magnitude ranges are FixMatch's "RandAugment with random magnitude": rotate +-30 degrees,
shear +-0.3, translate +-30% of the side, enhancement factors in [0.1, 1.9], posterize to 4-8
bits, solarize threshold in [0, 1]. Colour saturation is left out (it is the identity on grey
images). Differences from applying operations one after another in a random order: an image
that draws the same operation twice gets it once, and the pixel operations come after the
geometric ones. Pixel values are handled in the architecture's range [low, high].
"""

from __future__ import annotations

import math
from typing import Tuple

import tensorflow as tf

GEOMETRIC_OPS = ("rotate", "shear_x", "shear_y", "translate_x", "translate_y")
PIXEL_OPS = ("autocontrast", "brightness", "contrast", "equalize", "posterize", "sharpness",
             "solarize")
OPS = ("identity",) + GEOMETRIC_OPS + PIXEL_OPS

MAX_ROTATE_DEGREES = 30.0
MAX_SHEAR = 0.3
MAX_TRANSLATE = 0.3  # fraction of the image side
MIN_ENHANCE, MAX_ENHANCE = 0.1, 1.9  # PIL ImageEnhance factors (1 = unchanged)
MIN_POSTERIZE_BITS, MAX_POSTERIZE_BITS = 4, 8
_LEVELS = 256  # pixel levels of 8-bit images (posterize, equalize)


def chosen_ops(rng: tf.random.Generator, batch: tf.Tensor, num_ops: int) -> tf.Tensor:
  """[B, len(OPS)] float 0/1: which operations each image drew (num_ops draws, with
  replacement, uniform over OPS)."""
  draws = rng.uniform([batch, num_ops], 0, len(OPS), dtype=tf.int32)  # [B, n]
  return tf.reduce_max(tf.one_hot(draws, len(OPS)), axis=1)  # [B, len(OPS)]


def _signed(rng: tf.random.Generator, batch: tf.Tensor, limit: float) -> tf.Tensor:
  return rng.uniform([batch], -limit, limit)  # [B]


def geometric_transforms(chosen: tf.Tensor, rng: tf.random.Generator, height: int,
                         width: int) -> tf.Tensor:
  """[B, 8] ImageProjectiveTransform rows (output pixel -> input pixel) of the geometric ops.

  Each image's forward map is translate . rotate . shear_y . shear_x about the image centre,
  with the magnitude of an operation the image did not draw set to zero.

  Args:
    chosen: [B, len(OPS)] from `chosen_ops`.
    rng: Random generator.
    height, width: Image size in pixels.
  """
  batch = tf.shape(chosen)[0]
  use = {name: chosen[:, OPS.index(name)] for name in GEOMETRIC_OPS}  # [B] each
  angle = use["rotate"] * _signed(rng, batch, MAX_ROTATE_DEGREES) * (math.pi / 180.0)
  shear_x = use["shear_x"] * _signed(rng, batch, MAX_SHEAR)
  shear_y = use["shear_y"] * _signed(rng, batch, MAX_SHEAR)
  dx = use["translate_x"] * _signed(rng, batch, MAX_TRANSLATE * width)
  dy = use["translate_y"] * _signed(rng, batch, MAX_TRANSLATE * height)
  ones, zeros = tf.ones([batch]), tf.zeros([batch])

  def matrix(rows):  # rows of [B] tensors -> [B, 3, 3]
    return tf.stack([tf.stack(r, axis=-1) for r in rows], axis=1)

  cx, cy = (width - 1.0) / 2.0, (height - 1.0) / 2.0
  to_centre = matrix([[ones, zeros, -cx * ones], [zeros, ones, -cy * ones],
                      [zeros, zeros, ones]])
  from_centre = matrix([[ones, zeros, cx + dx], [zeros, ones, cy + dy], [zeros, zeros, ones]])
  cos, sin = tf.cos(angle), tf.sin(angle)
  rotate = matrix([[cos, -sin, zeros], [sin, cos, zeros], [zeros, zeros, ones]])
  shear = matrix([[ones, shear_x, zeros], [shear_y, ones + shear_x * shear_y, zeros],
                  [zeros, zeros, ones]])  # shear_y . shear_x
  forward = from_centre @ rotate @ shear @ to_centre  # [B, 3, 3] input (x, y, 1) -> output
  inverse = tf.linalg.inv(forward)  # output -> input, what the resampler needs
  inverse = inverse / inverse[:, 2:3, 2:3]
  return tf.reshape(inverse, [batch, 9])[:, :8]  # [B, 8]


def _mix(a: tf.Tensor, b: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
  """PIL ImageEnhance blend: b + factor * (a - b), factor [B] (1 = a), clipped to [0, 1]."""
  return tf.clip_by_value(b + factor[:, None, None, None] * (a - b), 0.0, 1.0)


def _grey(x: tf.Tensor) -> tf.Tensor:
  """[B, H, W, 1] luminance of [B, H, W, C] in [0, 1] (C = 1 or 3)."""
  if x.shape[-1] == 3:
    return tf.reduce_sum(x * tf.constant([0.299, 0.587, 0.114], x.dtype), -1, keepdims=True)
  return tf.reduce_mean(x, axis=-1, keepdims=True)


def autocontrast(x: tf.Tensor) -> tf.Tensor:
  """Stretches each image's channel to [0, 1] ([B, H, W, C] in [0, 1])."""
  low = tf.reduce_min(x, axis=[1, 2], keepdims=True)  # [B, 1, 1, C]
  high = tf.reduce_max(x, axis=[1, 2], keepdims=True)
  span = high - low
  return tf.where(span > 1e-6, (x - low) / tf.maximum(span, 1e-6), x)


def equalize(x: tf.Tensor) -> tf.Tensor:
  """Histogram equalisation per image and channel over 256 levels ([B, H, W, C] in [0, 1])."""
  batch, height, width, channels = (tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2],
                                    x.shape[-1])
  # Transposed as floats: oneDNN's int32 transpose logs an error line on some CPUs.
  planes = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [batch * channels, -1])  # [BC, HW]
  flat = tf.cast(tf.round(planes * (_LEVELS - 1)), tf.int32)  # [BC, HW] levels
  counts = tf.math.bincount(flat, minlength=_LEVELS, maxlength=_LEVELS, axis=-1,
                            dtype=tf.float32)  # [BC, 256]
  cdf = tf.cumsum(counts, axis=-1)  # [BC, 256]
  lowest = tf.reduce_min(tf.where(counts > 0, cdf, tf.fill(tf.shape(cdf), 1e9)), -1,
                         keepdims=True)  # [BC, 1] pixels at the darkest level present
  total = cdf[:, -1:]
  span = total - lowest
  table = tf.where(span > 0, (cdf - lowest) / tf.maximum(span, 1.0),
                   tf.cast(tf.range(_LEVELS), tf.float32)[None] / (_LEVELS - 1))  # [BC, 256]
  mapped = tf.gather(table, flat, batch_dims=1)  # [BC, HW]
  return tf.transpose(tf.reshape(mapped, [batch, channels, height, width]), [0, 2, 3, 1])


def posterize(x: tf.Tensor, bits: tf.Tensor) -> tf.Tensor:
  """Keeps the top `bits` [B] bits of each 8-bit pixel ([B, H, W, C] in [0, 1])."""
  step = tf.pow(2.0, 8.0 - tf.cast(bits, tf.float32))[:, None, None, None]  # [B, 1, 1, 1]
  levels = tf.round(x * (_LEVELS - 1))
  return tf.floor(levels / step) * step / (_LEVELS - 1)


def smooth(x: tf.Tensor) -> tf.Tensor:
  """PIL's SMOOTH filter (3x3, centre 5, others 1, / 13); border pixels kept as they are."""
  channels = x.shape[-1]
  kernel = tf.constant([[1.0, 1.0, 1.0], [1.0, 5.0, 1.0], [1.0, 1.0, 1.0]]) / 13.0
  kernel = tf.tile(kernel[:, :, None, None], [1, 1, channels, 1])  # [3, 3, C, 1]
  blurred = tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "VALID")  # [B, H-2, W-2, C]
  inner = tf.pad(tf.ones_like(blurred), [[0, 0], [1, 1], [1, 1], [0, 0]])
  return tf.where(inner > 0, tf.pad(blurred, [[0, 0], [1, 1], [1, 1], [0, 0]]), x)


def pixel_ops(x: tf.Tensor, chosen: tf.Tensor, rng: tf.random.Generator) -> tf.Tensor:
  """Applies the pixel operations each image drew, in PIXEL_OPS order.

  Args:
    x: [B, H, W, C] in [0, 1].
    chosen: [B, len(OPS)] from `chosen_ops`.
    rng: Random generator.

  Returns:
    [B, H, W, C] in [0, 1].
  """
  batch = tf.shape(x)[0]

  def factor():
    return rng.uniform([batch], MIN_ENHANCE, MAX_ENHANCE)  # [B]

  def where(name, y):
    return tf.where(chosen[:, OPS.index(name)][:, None, None, None] > 0, y, x)

  x = where("autocontrast", autocontrast(x))
  x = where("brightness", _mix(x, tf.zeros_like(x), factor()))
  mean_grey = tf.reduce_mean(_grey(x), axis=[1, 2, 3], keepdims=True)  # [B, 1, 1, 1]
  x = where("contrast", _mix(x, tf.broadcast_to(mean_grey, tf.shape(x)), factor()))
  x = where("equalize", equalize(x))
  bits = rng.uniform([batch], MIN_POSTERIZE_BITS, MAX_POSTERIZE_BITS + 1, dtype=tf.int32)
  x = where("posterize", posterize(x, bits))
  x = where("sharpness", _mix(x, smooth(x), factor()))
  threshold = rng.uniform([batch])[:, None, None, None]  # [B, 1, 1, 1]
  x = where("solarize", tf.where(x >= threshold, 1.0 - x, x))
  return x


def rand_augment(images: tf.Tensor, rng: tf.random.Generator, num_ops: int,
                 pixel_range: Tuple[float, float]) -> tf.Tensor:
  """RandAugment with random magnitudes (FixMatch's strong augmentation, without cut-out).

  Args:
    images: [B, H, W, C] float in `pixel_range`.
    rng: Random generator (per-replica stream under a strategy).
    num_ops: Operations drawn per image (FixMatch: 2).
    pixel_range: (low, high) pixel values; low is the background that fills pixels moved in
      from outside.

  Returns:
    [B, H, W, C] augmented images in `pixel_range`, same dtype.
  """
  if num_ops <= 0:
    return images
  dtype = images.dtype
  low, high = pixel_range
  height, width = int(images.shape[1]), int(images.shape[2])
  chosen = chosen_ops(rng, tf.shape(images)[0], num_ops)  # [B, len(OPS)]
  x = (tf.cast(images, tf.float32) - low) / (high - low)  # [B, H, W, C] in [0, 1]
  x = tf.raw_ops.ImageProjectiveTransformV3(
      images=x, transforms=geometric_transforms(chosen, rng, height, width),
      output_shape=tf.constant([height, width]), fill_value=tf.constant(0.0),
      interpolation="BILINEAR", fill_mode="CONSTANT")
  x = pixel_ops(x, chosen, rng)
  return tf.cast(low + x * (high - low), dtype)
