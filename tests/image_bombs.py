"""Hostile image files: small files whose decoding would cost far more than their size, and
files TensorFlow's decoders misread. Each builder returns bytes; the table `BOMBS` names them
with what the decode of a 28x28 grey model must answer."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
  return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(side: int = 28, extra: bytes = b"", idat: bytes = None) -> bytes:
  raw = b"".join(b"\0" + bytes(range(side)) for _ in range(side))  # filter byte + grey row
  header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
  return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra
          + _chunk(b"IDAT", zlib.compress(raw) if idat is None else idat) + _chunk(b"IEND", b""))


def _pil(image, fmt: str, **options) -> bytes:
  buffer = io.BytesIO()
  image.save(buffer, fmt, **options)
  return buffer.getvalue()


def _gif_blocks(gif: bytes) -> int:
  """The offset of a GIF's first block (after the header, screen and global colour table)."""
  packed = gif[10]
  return 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)


@functools.lru_cache(maxsize=None)
def gif_frame_larger_than_screen(side: int = 4000) -> bytes:
  """A GIF whose logical screen says 28x28 and whose one frame is side x side (12 KB at 4000)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  data = bytearray(_pil(Image.new("L", (side, side)), "GIF"))
  data[6:10] = struct.pack("<HH", 28, 28)
  return bytes(data)


@functools.lru_cache(maxsize=None)
def gif_animated(frames: int = 49, side: int = 2000) -> bytes:
  """A 28x28 first frame, then `frames` frames of side x side (190 KB)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  first = _pil(Image.new("L", (28, 28), 7), "GIF")
  big = _pil(Image.new("L", (side, side), 9), "GIF")
  return first[:-1] + big[_gif_blocks(big):-1] * frames + b";"


@functools.lru_cache(maxsize=None)
def webp(side: int = 2000) -> bytes:
  """A lossless WebP of side x side black pixels (210 bytes at 2000)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  return _pil(Image.new("L", (side, side)), "WEBP", lossless=True)


@functools.lru_cache(maxsize=None)
def png_text_bomb(kind: bytes = b"zTXt") -> bytes:
  """A 28x28 PNG with ~1 MB of compressed text chunks that inflate to ~1 GB (8 s for libpng)."""
  text = zlib.compress(b"\0" * 7_900_000, 9)
  body = b"Comment\0\0" if kind == b"zTXt" else b"Comment\0\1\0\0\0"
  chunk = _chunk(kind, body + text)
  return _png(extra=chunk * ((1 << 20) // len(chunk) - 1))


@functools.lru_cache(maxsize=None)
def png_long_image_data() -> bytes:
  """A 28x28 PNG whose image data inflates to 1 GB past its pixels (4 s for libpng)."""
  raw = b"".join(b"\0" + bytes(range(28)) for _ in range(28))
  packer = zlib.compressobj(9)
  data = packer.compress(raw) + b"".join(packer.compress(b"\0" * 10 ** 7) for _ in range(100))
  return _png(idat=data + packer.flush())


def png_many_chunks(count: int = 80_000) -> bytes:
  """A 28x28 PNG with `count` empty ancillary chunks (1 MB)."""
  return _png(extra=_chunk(b"teXt", b"") * count)


def gif_many_sub_blocks(count: int = 500_000) -> bytes:
  """A 28x28 GIF whose comment is `count` one-byte sub-blocks (1 MB)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  gif = _pil(Image.new("L", (28, 28), 7), "GIF")
  at = _gif_blocks(gif)
  return gif[:at] + b"\x21\xfe" + b"\x01x" * count + b"\0" + gif[at:]


def bmp_core_header() -> bytes:
  """A 28x28 24-bit BMP with the 12-byte OS/2 header (TensorFlow reads its size wrongly)."""
  row = b"\x10\x20\x30" * 28  # 84 bytes: a multiple of 4, no padding
  core = struct.pack("<IHHHH", 12, 28, 28, 1, 24)
  return b"BM" + struct.pack("<IHHI", 26 + len(row) * 28, 0, 0, 26) + core + row * 28


def bmp_colour_palette() -> bytes:
  """A 28x28 8-bit BMP whose palette is colours (TensorFlow reads the indices as grey)."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  image = Image.fromarray(np.arange(28 * 28, dtype=np.uint8).reshape(28, 28) % 4, "P")
  image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0] + [0] * (3 * 252))
  return _pil(image, "BMP")


def bmp(width: int = 28, height: int = 28, offset: int = 54) -> bytes:
  """A 24-bit Windows BMP of black pixels whose header says `width`, `height` and a pixel data
  `offset` (its data holds |width| x |height| pixels after a 54-byte header)."""
  row = (abs(width) * 3 + 3) // 4 * 4
  pixels = b"\0" * (row * abs(height))
  info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
  return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, offset) + info + pixels


# name: (builder, what a 28x28 grey model's decode answers: a message, or None = decoded)
BOMBS = {
    "gif frame 4000x4000 on a 28x28 screen": (
        gif_frame_larger_than_screen, "first frame of the GIF does not lie inside its screen"),
    "animated gif, 49 frames of 2000x2000 after a 28x28 one": (gif_animated, None),
    "lossless webp 2000x2000": (webp, "WebP is not accepted"),
    "png with 1 GB of zTXt": (png_text_bomb, None),
    "png with 1 GB of iTXt": (functools.partial(png_text_bomb, b"iTXt"), None),
    "png whose image data inflates to 1 GB": (
        png_long_image_data, "compressed image data of the PNG is larger than its pixels can need"),
    "png of 80000 chunks": (png_many_chunks, "more blocks before its first image ends"),
    "gif comment of 500000 sub-blocks": (
        gif_many_sub_blocks, "more blocks before its first image ends"),
    "bmp with the 12-byte os/2 header": (bmp_core_header, "12-byte \\(OS/2\\) header"),
    "bmp with a colour palette": (bmp_colour_palette, "8-bit BMP with a colour palette"),
    # TensorFlow's decoder: a width of -28 was reported "28 wide", an offset past the end as its
    # own "Input size should match (header_size + row_size * abs_height) ..."
    "bmp of width -28": (functools.partial(bmp, width=-28), "width that is not positive"),
    "bmp whose pixels start at byte 2**31": (functools.partial(bmp, offset=2 ** 31 - 1),
                                             "BMP is not as long as its header says"),
}
