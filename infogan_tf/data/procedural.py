"""Procedural shapes with known ground-truth factors, rendered in-process (no download).

Each image shows one white shape on black. Factors: shape class (square, triangle, plus,
ellipse), scale, rotation and x/y position, all drawn uniformly and independently. Rotation spans
90 degrees, within which every shape's pose is unambiguous. Rendering is vectorised numpy with
3x3 supersampling for anti-aliased edges, deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np

from infogan_tf import datasets
from infogan_tf.data.source import ImageSource, from_arrays

SHAPES = ("square", "triangle", "plus", "ellipse")
FACTOR_NAMES = datasets.get("procedural").factors  # shape, scale, rotation, x, y
SCALE_RANGE = (0.6, 1.0)
ROTATION_RANGE = (-np.pi / 4, np.pi / 4)
POSITION_RANGE = (0.4, 0.6)  # of the image side
_HALF_SIZE = 0.3  # shape half-size at scale 1, as a fraction of the image side
_SUPERSAMPLE = 3
_SQRT3 = np.sqrt(3.0)


def sample_factors(num: int, seed: int) -> np.ndarray:
  """Draws [num, 5] factors (shape, scale, rotation, x, y) uniformly."""
  rs = np.random.RandomState(seed)
  return np.stack([
      rs.randint(0, len(SHAPES), num).astype(np.float32),
      rs.uniform(*SCALE_RANGE, num),
      rs.uniform(*ROTATION_RANGE, num),
      rs.uniform(*POSITION_RANGE, num),
      rs.uniform(*POSITION_RANGE, num),
  ], axis=1).astype(np.float32)


def _inside(shape: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
  """Membership of shape-frame points (u right, v up; unit = half-size) in each shape."""
  square = np.maximum(np.abs(u), np.abs(v)) <= 0.75
  triangle = (v >= -0.45) & (v <= 0.9 - _SQRT3 * u) & (v <= 0.9 + _SQRT3 * u)
  plus = (((np.abs(u) <= 0.95) & (np.abs(v) <= 0.3))
          | ((np.abs(u) <= 0.3) & (np.abs(v) <= 0.95)))
  ellipse = (u / 0.95) ** 2 + (v / 0.5) ** 2 <= 1.0
  return np.select([shape == 0, shape == 1, shape == 2], [square, triangle, plus], ellipse)


def render(factors: np.ndarray, image_size: int, chunk: int = 512) -> np.ndarray:
  """Renders images for given factors.

  Args:
    factors: [N, 5] (shape, scale, rotation, x, y) as from `sample_factors`.
    image_size: Side length S.
    chunk: Images rendered per vectorised batch.

  Returns:
    uint8 [N, S, S, 1].
  """
  ss = _SUPERSAMPLE
  n = factors.shape[0]
  coords = (np.arange(image_size * ss, dtype=np.float32) + 0.5) / (image_size * ss)  # [S*ss]
  out = np.empty([n, image_size, image_size, 1], np.uint8)
  for start in range(0, n, chunk):
    f = factors[start:start + chunk]
    shape, scale, rot, cx, cy = (f[:, i, None, None] for i in range(5))  # each [n, 1, 1]
    dx = coords[None, None, :] - cx  # [n, 1, S*ss], x grows right
    dy = cy - coords[None, :, None]  # [n, S*ss, 1], y grows up
    half = scale * _HALF_SIZE
    cos, sin = np.cos(rot), np.sin(rot)
    u = (cos * dx + sin * dy) / half  # rotate by -rot into the shape frame
    v = (-sin * dx + cos * dy) / half
    mask = _inside(shape, u, v).astype(np.float32)  # [n, S*ss, S*ss]
    cover = mask.reshape(-1, image_size, ss, image_size, ss).mean(axis=(2, 4))
    out[start:start + chunk, ..., 0] = np.round(cover * 255).astype(np.uint8)
  return out


def load(split: str, image_size: int, num_examples: int, seed: int = 0,
         channels: int = 1) -> ImageSource:
  """The procedural dataset.

  Args:
    split: 'train' renders `num_examples` images; 'test' renders max(1000, num_examples // 5)
      images from a disjoint seed.
    image_size: Side length of the square images.
    num_examples: Number of training images.
    seed: Dataset seed (the same seed always gives the same images).
    channels: 1 (grey) or 3 (the grey image repeated, for RGB architectures).
  """
  if split not in ("train", "test"):
    raise ValueError(f"procedural dataset has splits 'train' and 'test', not {split!r}")
  n = num_examples if split == "train" else max(1000, num_examples // 5)
  factors = sample_factors(n, seed * 2 + (0 if split == "train" else 1))
  images = render(factors, image_size)
  if channels == 3:
    images = np.repeat(images, 3, axis=-1)
  return from_arrays("procedural", images, labels=factors[:, 0].astype(np.int32),
                     factors=factors, num_classes=len(SHAPES), factor_names=FACTOR_NAMES,
                     origin="rendered in-process", class_names=SHAPES)
