"""Tests for the procedural shapes dataset."""

import numpy as np

from infogan_tf.data import procedural


def test_deterministic_and_factors_in_range():
  a = procedural.load("train", 28, 200, seed=3)
  b = procedural.load("train", 28, 200, seed=3)
  ea = next(iter(a.dataset.batch(200)))
  eb = next(iter(b.dataset.batch(200)))
  np.testing.assert_array_equal(ea["image"].numpy(), eb["image"].numpy())
  f = ea["factors"].numpy()
  assert f.shape == (200, 5) and a.factor_names == procedural.FACTOR_NAMES
  np.testing.assert_array_equal(ea["label"].numpy(), f[:, 0].astype(int))
  assert set(np.unique(f[:, 0])) == {0, 1, 2, 3}
  assert f[:, 1].min() >= 0.5 and f[:, 1].max() <= 1.0
  assert np.abs(f[:, 2]).max() <= np.pi / 4


def test_test_split_is_disjoint():
  train = procedural.sample_factors(100, 0)
  test = procedural.sample_factors(100, 1)
  assert not np.allclose(train, test)
  assert procedural.load("test", 28, 100).num_examples == 1000


def test_rendering_reflects_factors():
  # Bigger scale -> more ink; the centroid follows the position.
  f = np.array([[0, 0.5, 0, 0.5, 0.5], [0, 1.0, 0, 0.5, 0.5], [0, 0.5, 0, 0.35, 0.5]],
               np.float32)
  im = procedural.render(f, 32)[..., 0].astype(float)
  assert im[1].sum() > 3 * im[0].sum()
  cols = np.arange(32) + 0.5
  cx = lambda a: (a.sum(0) * cols).sum() / a.sum() / 32
  assert abs(cx(im[0]) - 0.5) < 0.02 and abs(cx(im[2]) - 0.35) < 0.02
  # Each shape class looks different.
  shapes = np.array([[k, 1.0, 0.3, 0.5, 0.5] for k in range(4)], np.float32)
  ims = procedural.render(shapes, 28).reshape(4, -1).astype(float)
  for i in range(4):
    for j in range(i + 1, 4):
      assert np.abs(ims[i] - ims[j]).mean() > 5


def test_rgb_variant_repeats_the_grey_image():
  grey = next(iter(procedural.load("train", 32, 8).dataset.batch(8)))["image"].numpy()
  rgb = next(iter(procedural.load("train", 32, 8, channels=3).dataset.batch(8)))["image"].numpy()
  assert rgb.shape == (8, 32, 32, 3)
  np.testing.assert_array_equal(rgb[..., 1], grey[..., 0])
