"""Second views of real images for training Q on them: shifted/flipped/zoomed copies, cut-out
copies, or each image's nearest neighbour in a batch.

They feed the loss terms that train Q on real images (`infogan_tf.losses`): the IIC mutual
information between the assignments of two views, the labelled cross-entropy of ss-InfoGAN and
its pseudo-label consistency term.
"""

from __future__ import annotations

import tensorflow as tf


def random_view(images: tf.Tensor, rng: tf.random.Generator, max_shift: int, flip: bool,
                fill_value: float, max_zoom: float = 0.0) -> tf.Tensor:
  """Shifts each image by up to `max_shift` pixels, optionally zooms and mirrors it.

  Args:
    images: [B, H, W, C] float.
    rng: Random generator (per-replica stream under a strategy).
    max_shift: Maximum shift in pixels along each axis (integer shifts).
    flip: Also mirror left-right with probability 1/2.
    fill_value: Value for pixels shifted in from outside (the background).
    max_zoom: Also rescale about the image centre by a factor drawn uniformly from
      [1 - max_zoom, 1 + max_zoom] (0: no zoom). With zoom the resampling is bilinear; without
      it, nearest (pixels are moved, never blended).

  Returns:
    [B, H, W, C] augmented images.
  """
  batch = tf.shape(images)[0]
  height = tf.cast(tf.shape(images)[1], tf.float32)
  width = tf.cast(tf.shape(images)[2], tf.float32)
  shifts = tf.cast(rng.uniform([batch, 2], -max_shift, max_shift + 1, dtype=tf.int32),
                   tf.float32)  # [B, 2] (dx, dy)
  if flip:
    sign = tf.where(rng.uniform([batch]) < 0.5, -1.0, 1.0)  # [B]
  else:
    sign = tf.ones([batch])
  if max_zoom > 0:
    inv_zoom = 1.0 / rng.uniform([batch], 1.0 - max_zoom, 1.0 + max_zoom)  # [B]
  else:
    inv_zoom = tf.ones([batch])
  zeros = tf.zeros([batch])
  cx, cy = (width - 1.0) / 2.0, (height - 1.0) / 2.0
  # Output (x, y) reads input (x_in, y_in): zoom about the centre, then mirror, then shift:
  #   x_in = sign * (cx + (x - cx) / zoom) + [W - 1 if mirrored] - dx
  #   y_in = cy + (y - cy) / zoom - dy
  offset_x = (tf.where(sign < 0, width - 1.0, 0.0) + sign * cx * (1.0 - inv_zoom)
              - shifts[:, 0])
  offset_y = cy * (1.0 - inv_zoom) - shifts[:, 1]
  transforms = tf.stack([sign * inv_zoom, zeros, offset_x, zeros, inv_zoom, offset_y,
                         zeros, zeros], axis=1)  # [B, 8]
  return tf.raw_ops.ImageProjectiveTransformV3(
      images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
      fill_value=tf.constant(fill_value, images.dtype),
      interpolation="BILINEAR" if max_zoom > 0 else "NEAREST", fill_mode="CONSTANT")


def nearest_neighbour_indices(features: tf.Tensor) -> tf.Tensor:
  """For each row, the index of its most similar *other* row (cosine similarity).

  Args:
    features: [B, F] float, B >= 2.

  Returns:
    [B] int32 indices (never the row itself); no gradient flows through the choice.
  """
  unit = tf.math.l2_normalize(tf.stop_gradient(tf.cast(features, tf.float32)), axis=-1)
  similarity = tf.matmul(unit, unit, transpose_b=True)  # [B, B]
  batch = tf.shape(features)[0]
  similarity -= 3.0 * tf.eye(batch)  # cosine >= -1, so a row never picks itself
  return tf.argmax(similarity, axis=-1, output_type=tf.int32)


def cutout(images: tf.Tensor, rng: tf.random.Generator, size: int,
           fill_value: float) -> tf.Tensor:
  """Fills one `size` x `size` square per image, at a random centre, with `fill_value`.

  The square may stick out of the image (DeVries & Taylor 2017): only its inside part is
  filled. size 0 returns the images unchanged.

  Args:
    images: [B, H, W, C] float.
    rng: Random generator.
    size: Side of the square in pixels.
    fill_value: Value written inside the square (the background).

  Returns:
    [B, H, W, C] images.
  """
  if size <= 0:
    return images
  batch = tf.shape(images)[0]
  height, width = tf.shape(images)[1], tf.shape(images)[2]
  cy = rng.uniform([batch, 1, 1], 0, height, dtype=tf.int32)  # [B, 1, 1]
  cx = rng.uniform([batch, 1, 1], 0, width, dtype=tf.int32)
  ys = tf.range(height)[None, :, None]  # [1, H, 1]
  xs = tf.range(width)[None, None, :]  # [1, 1, W]
  half = size // 2
  inside = ((ys >= cy - half) & (ys < cy - half + size)
            & (xs >= cx - half) & (xs < cx - half + size))  # [B, H, W]
  return tf.where(inside[..., None], tf.constant(fill_value, images.dtype), images)
