"""Encoded image files (PNG, JPEG, GIF, BMP) in graph, decoded only after every size the decoder
will use has been checked.

A decoder allocates by sizes written in the file, and a file's bytes need not be proportional
to them: a 0.4 MB PNG of 20000x20000 pixels decodes to 400 MB, an 11 KB GIF whose screen says
28x28 holds a 4000x4000 frame, a 1 MB PNG of compressed text chunks takes 8 s to inflate. So
before anything is decoded, `inspect` walks the file's structure in graph (a bounded number of
blocks) and reads every size the decoder will use:

- PNG: the IHDR size; only the chunks that make the pixels are kept (IHDR, PLTE, tRNS, IDAT,
  IEND: TensorFlow's decoder ignores the others, and libpng would inflate compressed text and
  colour profiles), and the compressed image data may not exceed what its pixels can need (zlib
  output is bounded by ~1000x its input, so the inflating time is bounded too).
- GIF: the logical screen and the first frame's own descriptor (a frame must lie inside the
  screen); the bytes after the first frame are cut off before decoding (giflib reads every
  frame of a file into memory, although only the first is used).
- JPEG: the frame header (SOF) through `tf.io.extract_jpeg_shape`, which reads no pixels.
- BMP: width, height and bits per pixel where TensorFlow's own BMP decoder reads them (it also
  requires the file to be exactly as long as those say, so its allocation is bounded by the
  file); the old 12-byte OS/2 header and colour palettes, which that decoder misreads, are
  refused.

Anything else (WebP, whose decoder TensorFlow would also run, JPEG XL, unknown bytes) is refused
before decoding with one line naming it. Every format decodes at its own channel count and is
then converted to the channels the model wants (grey <-> RGB, alpha dropped).
"""

from __future__ import annotations

import dataclasses
from typing import Tuple

import tensorflow as tf

PNG, JPEG, GIF, BMP, WEBP, UNKNOWN = range(6)
TOO_LARGE_FORMAT = 6  # a file over MAX_IMAGE_FILE_BYTES, whatever its format: not inspected
FORMAT_NAMES = ("PNG", "JPEG", "GIF", "BMP", "WebP", "unknown")

# Why a file is refused before decoding (`Inspection.problem`): its message (no apostrophes:
# TensorFlow escapes them in assertion texts), and how many numbers of `Inspection.detail` follow.
OK, EMPTY, NOT_AN_IMAGE, WEBP_FILE, TRUNCATED, TOO_MANY_BLOCKS, GIF_NO_FRAME, GIF_FRAME_OUTSIDE, \
    PNG_NO_HEADER, PNG_TOO_MUCH_DATA, BMP_CORE_HEADER, BMP_BITS, BMP_PALETTE, BMP_WIDTH, \
    BMP_LENGTH, TOO_LARGE = range(16)
# The largest image file served models take (an `encode_image_bytes` image, an upload to the
# explorer, a client's --images file): a model-sized image is a few KB (a 64x64 RGB BMP 12 KB).
# Training folders take files of any length (their pixels are bounded).
MAX_IMAGE_FILE_BYTES = 1 << 20
PROBLEMS = {
    EMPTY: ("the file is empty", 0),
    NOT_AN_IMAGE: ("not a PNG, JPEG, GIF or BMP file", 0),
    WEBP_FILE: ("WebP is not accepted (its sizes cannot be checked before decoding): send "
                "PNG, JPEG, GIF or BMP", 0),
    TRUNCATED: ("the file is truncated or malformed: a block runs past its end at byte", 1),
    TOO_MANY_BLOCKS: ("the file has more blocks before its first image ends than allowed:", 1),
    GIF_NO_FRAME: ("the GIF holds no image before byte", 1),
    GIF_FRAME_OUTSIDE: ("the first frame of the GIF does not lie inside its screen (frame "
                        "left, top, width, height; screen width, height):", 6),
    PNG_NO_HEADER: ("the PNG does not start with its IHDR chunk", 0),
    PNG_TOO_MUCH_DATA: ("the compressed image data of the PNG is larger than its pixels can "
                        "need (bytes; at most):", 2),
    BMP_CORE_HEADER: ("BMP files with the old 12-byte (OS/2) header are not accepted: save "
                      "it as a Windows BMP or PNG", 0),
    BMP_BITS: ("BMP: only 8-bit grey, 24-bit and 32-bit files are decoded, got bits per "
               "pixel", 1),
    BMP_PALETTE: ("an 8-bit BMP with a colour palette is not accepted (the TensorFlow decoder "
                  "reads palette indices as grey levels): save it as PNG", 0),
    BMP_WIDTH: ("the BMP header gives a width that is not positive:", 1),
    BMP_LENGTH: ("the BMP is not as long as its header says (bytes in the file; its data "
                 "offset plus rows of pixels):", 2),
    TOO_LARGE: ("the file is larger than an image of the served size needs to be (bytes):", 1),
}
_DETAIL = 6  # numbers in Inspection.detail
# Blocks (PNG chunks, GIF sub-blocks) walked before the first image ends: a few hundred in any
# real file; each costs ~30 us, so the bound keeps the walk of a hostile file short. It grows
# with the pixels allowed, as real files' block counts do (~1 GIF sub-block per 255 bytes).
MIN_BLOCK_LIMIT = 1024
_PAD = 16  # zero bytes after the data, so a read just past the end needs no bounds check
_PNG_KEPT = (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND")


def block_limit(pixels: int) -> int:
  """The most blocks walked in a file of at most `pixels` pixels."""
  return MIN_BLOCK_LIMIT + 2 * pixels // 255


@dataclasses.dataclass
class Inspection:
  """What `inspect` learnt about one file without decoding it.

  format: PNG .. UNKNOWN (int32). height, width: the size the decoder will allocate (int64).
  data: the bytes to decode (PNG without ancillary chunks, GIF up to its first frame).
  problem: OK or why the file must not be decoded (int32, a key of PROBLEMS).
  detail: int64 [6], the numbers the problem's message names (PROBLEMS says how many).
  """

  format: tf.Tensor
  height: tf.Tensor
  width: tf.Tensor
  data: tf.Tensor
  problem: tf.Tensor
  detail: tf.Tensor


def _format(data: tf.Tensor) -> tf.Tensor:
  def starts(prefix: bytes) -> tf.Tensor:
    return tf.equal(tf.strings.substr(data, 0, len(prefix)), prefix)

  riff_webp = starts(b"RIFF") & tf.equal(tf.strings.substr(data + b"\0" * 12, 8, 4), b"WEBP")
  kinds = [(starts(b"\x89PNG\r\n\x1a\n"), PNG), (starts(b"\xff\xd8\xff"), JPEG),
           (starts(b"GIF8"), GIF), (starts(b"BM"), BMP), (riff_webp, WEBP)]
  result = tf.constant(UNKNOWN, tf.int32)
  for test, kind in reversed(kinds):
    result = tf.where(test, kind, result)
  return result


class _Bytes:
  """Random access to one file's bytes in graph (reads past the end give 0)."""

  def __init__(self, data: tf.Tensor, limit: int = None):
    data = data if limit is None else tf.strings.substr(data, 0, limit)
    self.size = tf.cast(tf.strings.length(data), tf.int64)
    self._raw = tf.io.decode_raw(data + b"\0" * _PAD, tf.uint8)  # [size + _PAD]

  def u8(self, at) -> tf.Tensor:
    at = tf.clip_by_value(tf.cast(at, tf.int64), 0, self.size + _PAD - 1)
    return tf.cast(tf.gather(self._raw, at), tf.int64)

  def uint(self, at, size: int, big_endian: bool) -> tf.Tensor:
    value = tf.constant(0, tf.int64)
    order = range(size) if big_endian else range(size - 1, -1, -1)
    for i in order:
      value = value * 256 + self.u8(at + i)
    return value

  def int32_le(self, at) -> tf.Tensor:
    value = self.uint(at, 4, False)
    return tf.where(value >= 2 ** 31, value - 2 ** 32, value)


def _result(height, width, data, problem, detail: dict = None, at=0) -> tuple:
  """A branch's outputs; `detail` maps problems to their numbers (else the byte `at`)."""
  numbers = tf.stack([tf.cast(at, tf.int64)] + [tf.constant(0, tf.int64)] * (_DETAIL - 1))
  for code, values in (detail or {}).items():
    values = [tf.cast(v, tf.int64) for v in values]
    values += [tf.constant(0, tf.int64)] * (_DETAIL - len(values))
    numbers = tf.where(tf.equal(problem, code), tf.stack(values), numbers)
  return (tf.cast(height, tf.int64), tf.cast(width, tf.int64), data,
          tf.cast(problem, tf.int32), numbers)


def _png(data: tf.Tensor, max_blocks: int) -> tuple:
  """Walks the chunks: IHDR first, the pixel chunks kept, IDAT bounded by the pixels' need."""
  b = _Bytes(data)
  width, height = b.uint(16, 4, True), b.uint(20, 4, True)
  depth, colour, interlace = b.u8(24), b.u8(25), b.u8(28)
  samples = tf.gather(tf.constant([1, 0, 3, 1, 2, 0, 4], tf.int64),
                      tf.clip_by_value(colour, 0, 6))
  # Bytes of filtered scanlines (Adam7 adds at most 7 passes' filter bytes per row), then
  # deflate's worst case of stored blocks, with room to spare.
  row = (tf.minimum(width, 2 ** 31) * samples * tf.minimum(depth, 16) + 7) // 8
  raw = tf.minimum(height, 2 ** 31) * (row + 1 + 6 * interlace)
  idat_limit = 2 * raw + 1024
  kept = [tf.constant(int.from_bytes(k, "big"), tf.int64) for k in _PNG_KEPT]
  iend = kept[-1]

  def body(steps, at, idat, done, bad, starts, lengths):
    length = b.uint(at, 4, True)
    kind = b.uint(at + 4, 4, True)
    end = at + 12 + length
    past = end > b.size
    keep = tf.reduce_any(tf.stack([tf.equal(kind, k) for k in kept]))
    idat = idat + tf.where(tf.equal(kind, kept[3]), length, 0)
    starts = starts.write(steps, tf.where(keep & ~past, at, 0))
    lengths = lengths.write(steps, tf.where(keep & ~past, end - at, 0))
    bad = tf.where(past, TRUNCATED, bad)
    done = past | tf.equal(kind, iend)
    return steps + 1, tf.where(past, at, end), idat, done, bad, starts, lengths

  arrays = [tf.TensorArray(tf.int64, size=0, dynamic_size=True) for _ in range(2)]
  steps, at, idat, done, bad, starts, lengths = tf.while_loop(
      lambda steps, at, idat, done, bad, *_: ~done & (steps < max_blocks), body,
      (0, tf.constant(8, tf.int64), tf.constant(0, tf.int64), tf.constant(False),
       tf.constant(OK), *arrays))
  ihdr_first = tf.equal(b.uint(12, 4, True), kept[0]) & tf.equal(b.uint(8, 4, True), 13)
  problem = tf.where(~ihdr_first, PNG_NO_HEADER, bad)
  problem = tf.where(tf.equal(problem, OK) & ~done, TOO_MANY_BLOCKS, problem)
  problem = tf.where(tf.equal(problem, OK) & (idat > idat_limit), PNG_TOO_MUCH_DATA, problem)
  pieces = tf.strings.substr(data, starts.stack(), lengths.stack())  # [chunks]
  stripped = tf.strings.substr(data, 0, 8) + tf.strings.reduce_join(pieces)
  return _result(height, width, stripped, problem,
                 {PNG_TOO_MUCH_DATA: (idat, idat_limit), TOO_MANY_BLOCKS: (max_blocks,)}, at)


def _gif(data: tf.Tensor, max_blocks: int) -> tuple:
  """Walks the blocks to the end of the first frame; the frame must lie inside the screen."""
  b = _Bytes(data)
  screen_w, screen_h, flags = b.uint(6, 2, False), b.uint(8, 2, False), b.u8(10)
  table = lambda packed: tf.where(packed >= 128, 3 * tf.bitwise.left_shift(  # noqa: E731
      tf.constant(2, tf.int64), packed % 8), 0)
  block, extension, image = 0, 1, 2  # what the walk expects at `at`

  def body(steps, at, mode, done, bad, frame):
    byte = b.u8(at)
    past = at >= b.size
    # At a block: 0x21 an extension (label, then sub-blocks), 0x2C an image (descriptor,
    # colour table, LZW code size, then sub-blocks); anything else ends the file frameless.
    is_ext, is_image = tf.equal(byte, 0x21), tf.equal(byte, 0x2C)
    descriptor = tf.stack([b.uint(at + 1, 2, False), b.uint(at + 3, 2, False),
                           b.uint(at + 5, 2, False), b.uint(at + 7, 2, False)])
    after_descriptor = at + 10 + table(b.u8(at + 9)) + 1
    at_block = tf.equal(mode, block)
    block_next = tf.where(is_ext, at + 2, after_descriptor)
    block_mode = tf.where(is_ext, extension, image)
    # In a run of sub-blocks: a size byte, then that many bytes; size 0 ends the run.
    chain_next = at + byte + 1
    chain_mode = tf.where(tf.equal(byte, 0), block, mode)
    ends_frame = ~at_block & tf.equal(byte, 0) & tf.equal(mode, image)
    no_frame = at_block & ~is_ext & ~is_image
    bad = tf.where(past, TRUNCATED, tf.where(no_frame, GIF_NO_FRAME, bad))
    frame = tf.where(at_block & is_image & ~past, descriptor, frame)
    return (steps + 1, tf.where(past | no_frame, at, tf.where(at_block, block_next, chain_next)),
            tf.where(at_block, block_mode, chain_mode), past | no_frame | ends_frame, bad, frame)

  steps, at, _, done, bad, frame = tf.while_loop(
      lambda steps, at, mode, done, *_: ~done & (steps < max_blocks), body,
      (0, 13 + table(flags), tf.constant(block), tf.constant(False), tf.constant(OK),
       tf.zeros([4], tf.int64)))
  problem = tf.where(tf.equal(bad, OK) & ~done, TOO_MANY_BLOCKS, bad)
  left, top, w, h = frame[0], frame[1], frame[2], frame[3]
  outside = (left + w > screen_w) | (top + h > screen_h)
  problem = tf.where(tf.equal(problem, OK) & outside, GIF_FRAME_OUTSIDE, problem)
  # The file up to the first frame's end, and the trailer (0x3B).
  first_frame = tf.strings.substr(data, tf.constant(0, tf.int64), at) + b";"
  # TensorFlow's decoder allocates the first frame's size.
  return _result(h, w, first_frame, problem,
                 {TOO_MANY_BLOCKS: (max_blocks,),
                  GIF_FRAME_OUTSIDE: (left, top, w, h, screen_w, screen_h)}, at)


def _bmp(data: tf.Tensor) -> tuple:
  """Sizes where TensorFlow's BMP decoder reads them (int32 width, height at 18, 22; int16
  bits per pixel at 28), whatever the header's own layout."""
  b = _Bytes(data, limit=54 + 1024)  # the header and an 8-bit file's palette
  header = b.uint(14, 4, False)
  width, height, bits = b.int32_le(18), tf.abs(b.int32_le(22)), b.uint(28, 2, False)
  problem = tf.where(tf.equal(header, 12), BMP_CORE_HEADER,
                     tf.where(tf.reduce_any(tf.equal(bits, [8, 24, 32])), OK, BMP_BITS))
  # An 8-bit file's palette (BGRx per entry) must be the grey ramp its indices are read as.
  used = b.uint(46, 4, False)
  used = tf.where((used == 0) | (used > 256), tf.constant(256, tf.int64), used)
  entries = tf.range(256, dtype=tf.int64)
  at = 14 + header + 4 * entries  # [256]
  grey = tf.reduce_all(tf.equal(b.u8(at), entries) & tf.equal(b.u8(at + 1), entries)
                       & tf.equal(b.u8(at + 2), entries) | (entries >= used))
  problem = tf.where(tf.equal(problem, OK) & tf.equal(bits, 8) & ~grey, BMP_PALETTE, problem)
  # TensorFlow's decoder needs exactly offset + rows of 4-byte-aligned pixels (it answers
  # "Input size should match ..." otherwise), and a positive width.
  problem = tf.where(tf.equal(problem, OK) & (width <= 0), BMP_WIDTH, problem)
  offset = b.uint(10, 4, False)
  row = (bits // 8 * tf.maximum(width, 0) + 3) // 4 * 4
  length = tf.cast(tf.strings.length(data), tf.int64)
  problem = tf.where(tf.equal(problem, OK) & tf.not_equal(length, offset + row * height),
                     BMP_LENGTH, problem)
  return _result(height, width, data, problem,
                 {BMP_BITS: (bits,), BMP_WIDTH: (width,),
                  BMP_LENGTH: (length, offset + row * height)})


def _jpeg(data: tf.Tensor) -> tuple:
  shape = tf.io.extract_jpeg_shape(data, output_type=tf.int64)  # reads the SOF marker only
  return _result(shape[0], shape[1], data, OK)


def inspect(data: tf.Tensor, max_pixels: int, max_bytes: int = None) -> Inspection:
  """Reads one file's format and every size its decoder will use, without decoding it.

  Args:
    data: Scalar string, the bytes of one file.
    max_pixels: The most pixels any accepted image has (bounds the blocks walked).
    max_bytes: Files longer than this are refused (TOO_LARGE), none if None.

  Returns:
    An `Inspection`; decode `inspection.data` only when `inspection.problem` is OK and the size
    is acceptable (`decode_checked` does both).
  """
  length = tf.cast(tf.strings.length(data), tf.int64)
  fmt = _format(data)
  if max_bytes is not None:
    fmt = tf.where(length > max_bytes, TOO_LARGE_FORMAT, fmt)
  limit = block_limit(max_pixels)
  refused = lambda: _result(-1, -1, data, tf.where(  # noqa: E731
      length == 0, EMPTY, tf.where(
          tf.equal(fmt, WEBP), WEBP_FILE, tf.where(fmt == TOO_LARGE_FORMAT, TOO_LARGE,
                                                   NOT_AN_IMAGE))), {TOO_LARGE: (length,)})
  branches = [lambda: _png(data, limit), lambda: _jpeg(data), lambda: _gif(data, limit),
              lambda: _bmp(data), refused]
  height, width, prepared, problem, detail = tf.switch_case(tf.minimum(fmt, WEBP), branches)
  return Inspection(fmt, height, width, prepared, problem, detail)


def to_channels(image: tf.Tensor, channels: int) -> tf.Tensor:
  """[h, w, c] uint8 with c in 1..4 (grey, grey+alpha, RGB, RGBA) -> [h, w, channels]."""
  colour = tf.shape(image)[-1] >= 3
  if channels == 1:  # rgb_to_grayscale: uint8 in, uint8 out (rounded)
    return tf.cond(colour, lambda: tf.image.rgb_to_grayscale(image[..., :3]),
                   lambda: image[..., :1])
  if channels == 3:
    return tf.cond(colour, lambda: image[..., :3], lambda: tf.tile(image[..., :1], [1, 1, 3]))
  raise ValueError(f"channels must be 1 or 3, got {channels}")


def _refusals(found: Inspection, what: str) -> list:
  numbers = tf.unstack(found.detail)
  return [tf.debugging.Assert(tf.not_equal(found.problem, code),
                              [f"{what}: {message}", *numbers[:count]])
          for code, (message, count) in PROBLEMS.items()]


def decode_checked(data: tf.Tensor, channels: int, max_pixels: int = None,
                   size: Tuple[int, int] = None, what: str = "image",
                   max_bytes: int = None) -> tf.Tensor:
  """Decodes one PNG/JPEG/GIF/BMP (a GIF's first frame) to [h, w, channels] uint8 after
  `inspect`: exactly `size` (h, w), or at most `max_pixels`.

  Args:
    data: Scalar string, the bytes of one file.
    channels: 1 or 3, the channels returned.
    max_pixels: The most pixels accepted (give this or `size`).
    size: The exact (height, width) accepted.
    what: The input's name in the messages.
    max_bytes: Files longer than this are refused before they are inspected (None: any).

  Raises (at run time, before any pixel is decoded):
    InvalidArgumentError: "<what> must decode to 28x28 images, got 20000 x 20000",
      "<what>: at most N pixels are decoded, got 20000 x 20000", or "<what>: " and one of
      PROBLEMS (e.g. "WebP is not accepted ...").
  """
  if (size is None) == (max_pixels is None):
    raise ValueError("give exactly one of size and max_pixels")
  found = inspect(data, max_pixels if size is None else size[0] * size[1], max_bytes)
  # The structural refusals first: a refused file's size may be unknown (-1).
  with tf.control_dependencies(_refusals(found, what)):
    height, width = tf.identity(found.height), tf.identity(found.width)
  if size is not None:
    h, w = size
    check = tf.debugging.Assert(
        tf.equal(height, h) & tf.equal(width, w),
        [f"{what} must decode to {h}x{w} images, got", height, "x", width])
  else:
    check = tf.debugging.Assert(
        height * width <= max_pixels,
        [f"{what}: at most {max_pixels} pixels are decoded, got", height, "x", width])
  with tf.control_dependencies([check]):
    image = tf.io.decode_image(tf.identity(found.data), channels=0,
                               expand_animations=False)  # [h, w, c] uint8
  return tf.ensure_shape(to_channels(image, channels), [None, None, channels])
