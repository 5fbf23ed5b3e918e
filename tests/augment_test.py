"""Tests for infogan_tf.augment (shifts/flips and the IIC mutual information)."""

import math

import numpy as np
import tensorflow as tf

from infogan_tf import augment


def test_shift_moves_content_and_fills_background():
  image = np.zeros([1, 8, 8, 1], np.float32)
  image[0, 3, 3, 0] = 1.0
  batch = tf.constant(np.repeat(image, 64, axis=0))
  out = augment.random_shift_flip(batch, tf.random.Generator.from_seed(0), 2, False,
                                  fill_value=0.0).numpy()
  positions = {tuple(np.argwhere(o[..., 0] == 1.0)[0]) for o in out}
  assert len(positions) > 5  # different shifts per image
  assert all(abs(r - 3) <= 2 and abs(c - 3) <= 2 for r, c in positions)
  assert np.all(out.sum(axis=(1, 2, 3)) == 1.0)  # nothing smeared


def test_flip_mirrors_and_zero_shift_is_identity():
  image = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
  batch = tf.constant(np.repeat(image, 32, axis=0))
  out = augment.random_shift_flip(batch, tf.random.Generator.from_seed(1), 0, True,
                                  fill_value=-1.0).numpy()
  flipped = image[0, :, ::-1]
  kinds = [np.array_equal(o, image[0]) or np.array_equal(o, flipped) for o in out]
  assert all(kinds)
  assert any(np.array_equal(o, flipped) for o in out) and any(
      np.array_equal(o, image[0]) for o in out)


def test_paired_mi_extremes():
  k = 4
  perfect = tf.one_hot(np.arange(400) % k, k)
  mi = float(augment.paired_assignment_mutual_information(perfect, perfect))
  assert abs(mi - math.log(k)) < 1e-3
  uniform = tf.fill([400, k], 1.0 / k)
  assert abs(float(augment.paired_assignment_mutual_information(uniform, uniform))) < 1e-5
  collapsed = tf.one_hot(np.zeros(400, np.int32), k)
  assert float(augment.paired_assignment_mutual_information(collapsed, collapsed)) < 1e-3


def test_nearest_neighbour_is_the_most_similar_other_row():
  features = tf.constant([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 1.0], [-1.0, 0.0]])
  assert augment.nearest_neighbour_indices(features).numpy().tolist() == [1, 0, 3, 2, 2]
  identical = tf.ones([3, 4])  # ties: still never the row itself
  assert all(i != j for i, j in enumerate(augment.nearest_neighbour_indices(identical).numpy()))
