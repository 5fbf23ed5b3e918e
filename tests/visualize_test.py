"""Tests for infogan_tf.visualize."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import visualize
from infogan_tf.latent import LatentSpec
from infogan_tf.models import Generator
from tests import helpers


def test_tile_layout():
  images = np.arange(6, dtype=np.uint8).reshape(6, 1, 1, 1) * 10
  grid = visualize.tile(images, 2, 3, pad=1, pad_value=255)
  assert grid.shape == (5, 7, 1)
  assert grid[1, 1, 0] == 0 and grid[1, 5, 0] == 20 and grid[3, 1, 0] == 30
  assert grid[0, 0, 0] == 255
  with pytest.raises(ValueError, match="2x2"):
    visualize.tile(images, 2, 2)


def test_traversal_grids_and_png(tmp_path):
  config = helpers.tiny_config()
  spec = LatentSpec(config.latent)
  g = Generator("mnist", (28, 28, 1), spec.input_dim)
  grids = visualize.traversal_grids(g, spec, (0.0, 1.0), seed=0, num_columns=5)
  assert sorted(grids) == ["cat0_cont0", "cat0_cont1"]
  assert grids["cat0_cont0"].shape == (4 * 29 + 1, 5 * 29 + 1, 1)
  path = str(tmp_path / "a" / "grid.png")
  visualize.write_png(path, grids["cat0_cont0"])
  back = tf.io.decode_png(open(path, "rb").read()).numpy()
  np.testing.assert_array_equal(back, grids["cat0_cont0"])


def test_upscale_for_display():
  image = np.arange(4, dtype=np.uint8).reshape(2, 2, 1)
  big = visualize.upscale(image, 3)
  assert big.shape == (6, 6, 1) and big[0, 0, 0] == 0 and big[5, 5, 0] == 3
  assert visualize.display_factor(28) == 2 and visualize.display_factor(64) == 1
