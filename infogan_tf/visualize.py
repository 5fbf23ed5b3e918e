"""Latent traversal grids (the paper's Figure 2) as uint8 arrays and PNG files."""

from __future__ import annotations

import os
from typing import Dict, Tuple

import numpy as np
import tensorflow as tf

from infogan_tf.data.pipeline import from_pixel_range
from infogan_tf.latent import LatentSpec


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 1, pad_value: int = 128
         ) -> np.ndarray:
  """Arranges images in a grid.

  Args:
    images: uint8 [rows * cols, H, W, C] in row-major order.
    rows: Grid rows.
    cols: Grid columns.
    pad: Pixels of separation between cells.
    pad_value: Separator grey level.

  Returns:
    uint8 [rows * (H + pad) + pad, cols * (W + pad) + pad, C].
  """
  n, h, w, c = images.shape
  if n != rows * cols:
    raise ValueError(f"need {rows * cols} images for a {rows}x{cols} grid, got {n}")
  grid = np.full([rows * (h + pad) + pad, cols * (w + pad) + pad, c], pad_value, np.uint8)
  for i in range(n):
    r, q = divmod(i, cols)
    y, x = pad + r * (h + pad), pad + q * (w + pad)
    grid[y:y + h, x:x + w] = images[i]
  return grid


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
  """Nearest-neighbour upscaling of uint8 [H, W, C] by an integer factor (for small images)."""
  if factor <= 1:
    return image
  return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def display_factor(image_side: int, target: int = 56) -> int:
  """The integer upscale that brings one cell to at least `target` pixels (1 if already)."""
  return max(1, -(-target // image_side))


def generate_uint8(generator, spec: LatentSpec, sample, pixel_range) -> np.ndarray:
  """Runs G (inference mode) on a LatentSample and returns uint8 [N, H, W, C]."""
  inputs = spec.generator_input(sample)
  images = generator(inputs, training=False)
  return from_pixel_range(images, pixel_range).numpy()


def traversal_grids(generator, spec: LatentSpec, pixel_range: Tuple[float, float],
                    seed: int = 0, num_columns: int = 10) -> Dict[str, np.ndarray]:
  """One grid per (categorical, continuous) code pair, like the paper's Figure 2.

  Rows: the categories of a categorical code; columns: a continuous code swept over [-2, 2];
  z and all other codes fixed. With no continuous codes, columns are different z; with no
  categorical codes, rows are different z.

  Returns:
    {name: uint8 [rows*(H+1)+1, cols*(W+1)+1, C]}, names like 'cat0_cont1'.
  """
  grids = {}
  cats = range(len(spec.categorical)) or [None]
  conts = range(spec.num_continuous) or [None]
  for i in cats:
    for j in conts:
      if i is None and j is None:
        continue
      sample, rows, cols = spec.traversal(seed, row_code=i, column_code=j,
                                          num_columns=num_columns)
      images = generate_uint8(generator, spec, sample, pixel_range)
      name = "_".join(p for p in (f"cat{i}" if i is not None else "",
                                  f"cont{j}" if j is not None else "") if p)
      grids[name] = tile(images, rows, cols)
  return grids


def display_traversal_grids(generator, spec: LatentSpec, pixel_range: Tuple[float, float],
                            seed: int = 0) -> Dict[str, np.ndarray]:
  """`traversal_grids` upscaled for viewing (each cell at least 56 pixels), as written to PNG."""
  factor = display_factor(generator.image_shape[0])
  grids = traversal_grids(generator, spec, pixel_range, seed=seed)
  return {name: upscale(grid, factor) for name, grid in grids.items()}


def write_png(path: str, image: np.ndarray) -> None:
  """Writes uint8 [H, W, C] (C in 1, 3) to path (atomically)."""
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = path + ".tmp"
  with open(tmp, "wb") as f:
    f.write(tf.io.encode_png(image).numpy())
  os.replace(tmp, path)


def label_rows(grid: np.ndarray, names, rows: int, width: int = 90) -> np.ndarray:
  """Adds a left margin naming each row of a grid (e.g. the classes of an ss code).

  Args:
    grid: uint8 [H, W, C] grid of `rows` equal rows.
    names: One name per row.
    rows: Number of rows.
    width: Margin width in pixels.

  Returns:
    uint8 [H, width + W, C].
  """
  from PIL import Image, ImageDraw  # pylint: disable=g-import-not-at-top (tensorboard dep)
  height, _, channels = grid.shape
  margin = Image.new("L", (width, height), 0)
  draw = ImageDraw.Draw(margin)
  row_height = height / rows
  for r, name in enumerate(names[:rows]):
    draw.text((3, int(r * row_height + row_height / 2 - 5)), str(name)[:14], fill=255)
  margin = np.asarray(margin, np.uint8)[..., None]  # [H, width, 1]
  margin = np.repeat(margin, channels, axis=-1)
  return np.concatenate([margin, grid], axis=1)
