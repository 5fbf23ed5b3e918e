"""Encoded image files (PNG, JPEG, GIF, BMP) in graph: size from the header, decode to C channels.

TensorFlow's `tf.io.decode_image(data, channels=1)` refuses GIF ("channels must be 0 or 3")
and BMP ("0, 3 or 4"), and learns an image's size only by decoding it: a 380 KB PNG of
20000x20000 pixels costs 400 MiB before anything can refuse it. Here the size comes from the
file's header first (a few bytes), and every format decodes at its own channel count and is then
converted to the channels the model wants (grey <-> RGB, alpha dropped).
"""

from __future__ import annotations

from typing import Tuple

import tensorflow as tf

# Header bytes read to find the size: PNG's IHDR ends at byte 24, BMP's height at byte 26.
_HEADER_BYTES = 32


def _uint(header: tf.Tensor, start: int, size: int, big_endian: bool) -> tf.Tensor:
  """The unsigned integer in header[start:start + size] (header: [_HEADER_BYTES] int64)."""
  value = tf.constant(0, tf.int64)
  order = range(start, start + size) if big_endian else range(start + size - 1, start - 1, -1)
  for i in order:
    value = value * 256 + header[i]
  return value


def header_size(data: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """(height, width) of one encoded image read from its header, without decoding it.

  Args:
    data: Scalar string, the bytes of one PNG, JPEG, GIF or BMP file.

  Returns:
    Two int64 scalars; (-1, -1) when the bytes are none of those formats or too short to hold
    a header (decoding then fails with TensorFlow's own message).
  """
  padded = tf.strings.substr(data, 0, _HEADER_BYTES) + tf.constant(b"\0" * _HEADER_BYTES)
  header = tf.cast(tf.io.decode_raw(tf.strings.substr(padded, 0, _HEADER_BYTES), tf.uint8),
                   tf.int64)  # [_HEADER_BYTES]
  length = tf.strings.length(data)
  magic = tf.strings.substr(data, 0, 4)
  unknown = (tf.constant(-1, tf.int64), tf.constant(-1, tf.int64))

  def png():  # IHDR: width, height as big-endian uint32 at bytes 16 and 20
    return _uint(header, 20, 4, True), _uint(header, 16, 4, True)

  def gif():  # logical screen: width, height as little-endian uint16 at bytes 6 and 8
    return _uint(header, 8, 2, False), _uint(header, 6, 2, False)

  def bmp():
    # BITMAPCOREHEADER (12 bytes): uint16 width, height at 18, 20; later headers: int32 at 18,
    # 22, the height negative for top-down rows.
    core = tf.equal(_uint(header, 14, 4, False), 12)
    width = tf.where(core, _uint(header, 18, 2, False), _uint(header, 18, 4, False))
    height = tf.where(core, _uint(header, 20, 2, False), _uint(header, 22, 4, False))
    height = tf.where(~core & (height >= 2**31), 2**32 - height, height)
    return height, width

  def jpeg():
    shape = tf.io.extract_jpeg_shape(data, output_type=tf.int64)  # reads the SOF marker only
    return shape[0], shape[1]

  is_png = tf.equal(magic, b"\x89PNG") & (length >= 24)
  is_gif = tf.equal(tf.strings.substr(data, 0, 3), b"GIF") & (length >= 10)
  is_bmp = tf.equal(tf.strings.substr(data, 0, 2), b"BM") & (length >= 26)
  is_jpeg = tf.equal(tf.strings.substr(data, 0, 3), b"\xff\xd8\xff")
  return tf.case([(is_png, png), (is_gif, gif), (is_bmp, bmp), (is_jpeg, jpeg)],
                 default=lambda: unknown, exclusive=False)


def to_channels(image: tf.Tensor, channels: int) -> tf.Tensor:
  """[h, w, c] uint8 with c in 1..4 (grey, grey+alpha, RGB, RGBA) -> [h, w, channels]."""
  colour = tf.shape(image)[-1] >= 3
  if channels == 1:  # rgb_to_grayscale: uint8 in, uint8 out (rounded)
    return tf.cond(colour, lambda: tf.image.rgb_to_grayscale(image[..., :3]),
                   lambda: image[..., :1])
  if channels == 3:
    return tf.cond(colour, lambda: image[..., :3], lambda: tf.tile(image[..., :1], [1, 1, 3]))
  raise ValueError(f"channels must be 1 or 3, got {channels}")


def decode(data: tf.Tensor, channels: int) -> tf.Tensor:
  """Decodes one PNG/JPEG/GIF/BMP (first frame of a GIF) to [h, w, channels] uint8."""
  image = tf.io.decode_image(data, channels=0, expand_animations=False)  # [h, w, c] uint8
  return tf.ensure_shape(to_channels(image, channels), [None, None, channels])


def decode_checked(data: tf.Tensor, channels: int, max_pixels: int = None,
                   size: Tuple[int, int] = None, what: str = "image") -> tf.Tensor:
  """`decode` after checking the header: exactly `size` (h, w), or at most `max_pixels`.

  Raises (at run time, before any pixel is decoded):
    InvalidArgumentError: "<what> must decode to 28x28 images, got 20000 x 20000" or
      "<what>: at most N pixels are decoded, got 20000 x 20000".
  """
  height, width = header_size(data)
  checks = []
  known = height >= 0
  if size is not None:
    h, w = size
    checks.append(tf.debugging.Assert(
        ~known | (tf.equal(height, h) & tf.equal(width, w)),
        [f"{what} must decode to {h}x{w} images, got", height, "x", width]))
  if max_pixels is not None:
    checks.append(tf.debugging.Assert(
        ~known | (height * width <= max_pixels),
        [f"{what}: at most {max_pixels} pixels are decoded, got", height, "x", width]))
  with tf.control_dependencies(checks):
    return decode(tf.identity(data), channels)
