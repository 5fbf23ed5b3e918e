"""Tests for infogan_tf.augment.views (shifts/flips/zoom, cut-out, nearest neighbours)."""

import math

import numpy as np
import tensorflow as tf

from infogan_tf import augment, losses


def test_shift_moves_content_and_fills_background():
  image = np.zeros([1, 8, 8, 1], np.float32)
  image[0, 3, 3, 0] = 1.0
  batch = tf.constant(np.repeat(image, 64, axis=0))
  out = augment.random_view(batch, tf.random.Generator.from_seed(0), 2, False,
                                  fill_value=0.0).numpy()
  positions = {tuple(np.argwhere(o[..., 0] == 1.0)[0]) for o in out}
  assert len(positions) > 5  # different shifts per image
  assert all(abs(r - 3) <= 2 and abs(c - 3) <= 2 for r, c in positions)
  assert np.all(out.sum(axis=(1, 2, 3)) == 1.0)  # nothing smeared


def test_flip_mirrors_and_zero_shift_is_identity():
  image = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
  batch = tf.constant(np.repeat(image, 32, axis=0))
  out = augment.random_view(batch, tf.random.Generator.from_seed(1), 0, True,
                                  fill_value=-1.0).numpy()
  flipped = image[0, :, ::-1]
  kinds = [np.array_equal(o, image[0]) or np.array_equal(o, flipped) for o in out]
  assert all(kinds)
  assert any(np.array_equal(o, flipped) for o in out) and any(
      np.array_equal(o, image[0]) for o in out)


def test_paired_mi_extremes():
  k = 4
  perfect = tf.one_hot(np.arange(400) % k, k)
  mi = float(losses.paired_assignment_mutual_information(perfect, perfect))
  assert abs(mi - math.log(k)) < 1e-3
  uniform = tf.fill([400, k], 1.0 / k)
  assert abs(float(losses.paired_assignment_mutual_information(uniform, uniform))) < 1e-5
  collapsed = tf.one_hot(np.zeros(400, np.int32), k)
  assert float(losses.paired_assignment_mutual_information(collapsed, collapsed)) < 1e-3


def test_nearest_neighbour_is_the_most_similar_other_row():
  features = tf.constant([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 1.0], [-1.0, 0.0]])
  assert augment.nearest_neighbour_indices(features).numpy().tolist() == [1, 0, 3, 2, 2]
  identical = tf.ones([3, 4])  # ties: still never the row itself
  assert all(i != j for i, j in enumerate(augment.nearest_neighbour_indices(identical).numpy()))


def test_zoom_rescales_about_the_centre():
  # A centred 8x8 square in a 28x28 image: a zoom by s gives a centred square of side ~8 s.
  image = np.zeros([1, 28, 28, 1], np.float32)
  image[0, 10:18, 10:18, 0] = 1.0
  batch = tf.constant(np.repeat(image, 64, axis=0))
  out = augment.random_view(batch, tf.random.Generator.from_seed(2), 0, False,
                            fill_value=0.0, max_zoom=0.5).numpy()
  areas = out.sum(axis=(1, 2, 3))  # ~ 64 * zoom^2
  assert areas.min() < 64 * 0.7**2 and areas.max() > 64 * 1.3**2  # both shrunk and enlarged
  assert np.all(areas > 64 * 0.5**2 - 8) and np.all(areas < 64 * 1.5**2 + 16)
  for o in out:  # still centred: the mass centre stays at the image centre
    rows, cols = np.nonzero(o[..., 0] > 0.01)
    weights = o[rows, cols, 0]
    assert abs(np.average(rows, weights=weights) - 13.5) < 0.3
    assert abs(np.average(cols, weights=weights) - 13.5) < 0.3


def test_zoom_with_shift_and_flip_keeps_the_background():
  images = tf.fill([16, 28, 28, 1], -1.0)
  out = augment.random_view(images, tf.random.Generator.from_seed(3), 3, True,
                            fill_value=-1.0, max_zoom=0.3).numpy()
  assert np.allclose(out, -1.0)  # an empty image stays empty whatever the transform
