"""Tests for infogan_tf.augment.rand_augment (FixMatch's strong augmentation, batched in-graph)."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf.augment import rand_augment as ra


def _only(*names, batch=4):
  """[batch, len(OPS)] choice matrix with exactly `names` chosen for every image."""
  row = np.zeros(len(ra.OPS), np.float32)
  for name in names:
    row[ra.OPS.index(name)] = 1.0
  return tf.constant(np.repeat(row[None], batch, axis=0))


def _resample(images, transforms):
  return tf.raw_ops.ImageProjectiveTransformV3(
      images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
      fill_value=tf.constant(0.0), interpolation="BILINEAR", fill_mode="CONSTANT")


def test_each_image_draws_between_one_and_num_ops_operations_from_the_whole_list():
  chosen = ra.chosen_ops(tf.random.Generator.from_seed(0), 2000, 2).numpy()
  per_image = chosen.sum(axis=1)
  assert per_image.min() == 1 and per_image.max() == 2
  frequency = chosen.mean(axis=0)  # each op: 1 - (1 - 1/n)^2
  expected = 1.0 - (1.0 - 1.0 / len(ra.OPS)) ** 2
  np.testing.assert_allclose(frequency, expected, atol=0.03)


def test_no_geometric_op_is_the_identity_transform():
  transforms = ra.geometric_transforms(_only("brightness"), tf.random.Generator.from_seed(0),
                                       28, 28).numpy()
  np.testing.assert_allclose(transforms, np.tile([1, 0, 0, 0, 1, 0, 0, 0], [4, 1]),
                             atol=1e-5)


def test_rotation_keeps_the_centre_and_the_distance_to_it():
  transforms = ra.geometric_transforms(_only("rotate", batch=64),
                                       tf.random.Generator.from_seed(1), 29, 29).numpy()
  a = transforms[:, :6].reshape(-1, 2, 3)  # output (x, y, 1) -> input (x, y)
  centre = np.array([14.0, 14.0, 1.0])
  np.testing.assert_allclose(a @ centre, np.tile([14.0, 14.0], [64, 1]), atol=1e-4)
  corner = np.array([0.0, 0.0, 1.0])
  distances = np.linalg.norm(a @ corner - centre[:2], axis=-1)
  np.testing.assert_allclose(distances, np.hypot(14.0, 14.0), rtol=1e-5)
  angles = np.degrees(np.arctan2(a[:, 1, 0], a[:, 0, 0]))
  assert np.abs(angles).max() <= ra.MAX_ROTATE_DEGREES + 1e-3
  assert np.abs(angles).max() > 20 and len(np.unique(np.round(angles, 3))) == 64


def test_translation_moves_a_dot_by_at_most_thirty_percent_of_the_side():
  image = np.zeros([64, 20, 20, 1], np.float32)
  image[:, 10, 10, 0] = 1.0
  transforms = ra.geometric_transforms(_only("translate_x", batch=64),
                                       tf.random.Generator.from_seed(2), 20, 20)
  out = _resample(tf.constant(image), transforms).numpy()[..., 0]
  rows = [np.nonzero(o.sum(axis=1))[0] for o in out]
  cols = [(o.sum(axis=0) * np.arange(20)).sum() / max(o.sum(), 1e-6) for o in out]
  assert all(set(r) == {10} for r in rows if len(r))  # translate_x keeps the row
  shifts = np.array(cols) - 10.0
  assert np.abs(shifts).max() <= 0.3 * 20 + 1e-3 and np.abs(shifts).max() > 3


def test_autocontrast_stretches_each_image_to_the_full_range():
  x = tf.constant(np.linspace(0.2, 0.6, 16, dtype=np.float32).reshape(1, 4, 4, 1))
  out = ra.autocontrast(x).numpy()
  assert out.min() == pytest.approx(0.0) and out.max() == pytest.approx(1.0)
  flat = tf.fill([1, 4, 4, 1], 0.3)
  np.testing.assert_allclose(ra.autocontrast(flat).numpy(), 0.3)


def test_equalize_spreads_two_levels_to_the_ends_and_keeps_a_flat_image():
  x = np.full([1, 4, 4, 1], 0.2, np.float32)
  x[0, :2] = 0.4
  out = ra.equalize(tf.constant(x)).numpy()
  assert set(np.round(out.ravel(), 5)) == {0.0, 1.0}
  np.testing.assert_allclose(out[0, :2], 1.0)
  flat = tf.fill([2, 4, 4, 1], 0.5)
  np.testing.assert_allclose(ra.equalize(flat).numpy(), 128 / 255, atol=1e-6)


def test_equalize_flattens_a_histogram():
  x = tf.constant(np.random.default_rng(0).beta(2, 8, size=[1, 64, 64, 1]).astype(np.float32))
  out = ra.equalize(x).numpy().ravel()
  counts, _ = np.histogram(out, bins=4, range=(0, 1))
  assert counts.min() > 0.2 * out.size  # each quarter of the range holds about a quarter


def test_posterize_keeps_the_top_bits():
  x = tf.constant(np.arange(256, dtype=np.float32).reshape(1, 16, 16, 1) / 255.0)
  one_bit = ra.posterize(x, tf.constant([1])).numpy()
  np.testing.assert_allclose(np.unique(one_bit), [0.0, 128 / 255], atol=1e-6)
  np.testing.assert_allclose(ra.posterize(x, tf.constant([8])).numpy(), x.numpy(), atol=1e-6)


def test_smooth_averages_inside_and_keeps_the_border():
  x = np.zeros([1, 5, 5, 1], np.float32)
  x[0, 2, 2, 0] = 13.0
  out = ra.smooth(tf.constant(x)).numpy()[0, ..., 0]
  assert out[2, 2] == pytest.approx(5.0) and out[1, 1] == pytest.approx(1.0)
  assert out[0, 0] == 0.0 and out.sum() == pytest.approx(13.0)


@pytest.mark.slow
@pytest.mark.parametrize("pixel_range", [(0.0, 1.0), (-1.0, 1.0)])
def test_rand_augment_stays_in_range_and_changes_most_images(pixel_range):
  low, high = pixel_range
  rng = np.random.default_rng(3)
  images = tf.constant(rng.uniform(low, high, size=[256, 12, 12, 3]).astype(np.float32))
  generator = tf.random.Generator.from_seed(4)
  out = tf.function(lambda x: ra.rand_augment(x, generator, 2, pixel_range))(images).numpy()
  assert out.shape == images.shape and out.dtype == np.float32
  assert out.min() >= low - 1e-5 and out.max() <= high + 1e-5
  changed = np.abs(out - images.numpy()).max(axis=(1, 2, 3)) > 1e-3
  # An image is left alone only when both draws are "identity": (1/13)^2 of the images.
  assert changed.mean() > 0.95
  assert ra.rand_augment(images, tf.random.Generator.from_seed(4), 0, pixel_range) is images


def test_rand_augment_of_bfloat16_images_returns_bfloat16():
  images = tf.cast(tf.random.uniform([8, 10, 10, 1]), tf.bfloat16)
  out = ra.rand_augment(images, tf.random.Generator.from_seed(5), 2, (0.0, 1.0))
  assert out.dtype == tf.bfloat16
