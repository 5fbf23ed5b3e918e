"""Tests for infogan_tf.losses against closed-form values."""

import math

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import losses
from infogan_tf.models import DiscriminatorOutput

pytestmark = pytest.mark.numerics  # also run with oneDNN off (scripts/test.sh)


def test_gan_losses_at_zero_logits():
  z = tf.zeros([3])
  np.testing.assert_allclose(losses.discriminator_loss(z, z), [2 * math.log(2)] * 3, rtol=1e-6)
  np.testing.assert_allclose(losses.generator_loss(z), [math.log(2)] * 3, rtol=1e-6)


def test_gan_losses_closed_form():
  real, fake = tf.constant([2.0, -1.0]), tf.constant([0.5, 3.0])
  sig = lambda x: 1 / (1 + np.exp(-x))
  want_d = -np.log(sig(real.numpy())) - np.log(1 - sig(fake.numpy()))
  np.testing.assert_allclose(losses.discriminator_loss(real, fake), want_d, rtol=1e-5)
  np.testing.assert_allclose(losses.generator_loss(fake), -np.log(sig(fake.numpy())), rtol=1e-5)


def test_categorical_info_loss():
  uniform = tf.zeros([2, 10])
  np.testing.assert_allclose(losses.categorical_info_loss(uniform, tf.constant([0, 9])),
                             [math.log(10)] * 2, rtol=1e-6)
  confident = tf.constant([[100.0, 0.0, 0.0]])
  assert float(losses.categorical_info_loss(confident, tf.constant([0]))[0]) < 1e-6


def test_continuous_info_loss_learned_std():
  mean = tf.constant([[0.0, 1.0]])
  log_std = tf.constant([[0.0, math.log(2.0)]])
  x = tf.constant([[1.0, 1.0]])
  want = [0.5 * math.log(2 * math.pi) + 0.5,  # N(1; 0, 1)
          0.5 * math.log(2 * math.pi) + math.log(2.0)]  # N(1; 1, 2)
  np.testing.assert_allclose(losses.continuous_info_loss(mean, log_std, x)[0], want, rtol=1e-6)


def test_continuous_info_loss_fixed_std_ignores_log_std():
  mean, x = tf.constant([[0.0]]), tf.constant([[2.0]])
  got = losses.continuous_info_loss(mean, tf.constant([[5.0]]), x, fixed_std=1.0)
  np.testing.assert_allclose(got, [[0.5 * math.log(2 * math.pi) + 2.0]], rtol=1e-6)


def test_continuous_log_std_is_clipped():
  got = losses.continuous_info_loss(tf.zeros([1, 1]), tf.constant([[-50.0]]), tf.zeros([1, 1]))
  want = 0.5 * math.log(2 * math.pi) + losses.LOG_STD_MIN
  np.testing.assert_allclose(got, [[want]], rtol=1e-6)


def test_info_loss_weights_each_code_type():
  q = DiscriminatorOutput(tf.zeros([2]), tf.zeros([2, 1]), (tf.zeros([2, 4]),), tf.zeros([2, 2]),
                          tf.zeros([2, 2]))
  cat = [tf.constant([1, 2])]
  cont = tf.constant([[1.0, 0.0], [0.0, 0.0]])
  out = losses.info_loss(q, cat, cont, lambda_categorical=2.0, lambda_continuous=0.5)
  c = 0.5 * math.log(2 * math.pi)
  want = 2.0 * math.log(4) + 0.5 * np.array([2 * c + 0.5, 2 * c])
  np.testing.assert_allclose(out.total, want, rtol=1e-6)
  np.testing.assert_allclose(out.categorical[0], [math.log(4)] * 2, rtol=1e-6)
  assert out.continuous.shape == (2, 2)


def test_info_loss_without_codes_is_zero():
  q = DiscriminatorOutput(tf.zeros([3]), tf.zeros([3, 1]), (), tf.zeros([3, 0]),
                          tf.zeros([3, 0]))
  out = losses.info_loss(q, [], tf.zeros([3, 0]), 1.0, 1.0)
  np.testing.assert_allclose(out.total, [0.0] * 3)


@pytest.mark.parametrize("n", [1, 5])
def test_losses_are_per_example(n):
  assert losses.generator_loss(tf.zeros([n])).shape == (n,)


def _pseudo_label_loss(weak, strong, threshold, align=False):
  """FixMatch's masked pseudo-label loss as the ss family composes it."""
  return losses.masked_pseudo_label_loss(losses.pseudo_label_probabilities(weak, align), strong,
                                         threshold)


def test_pseudo_labels_keep_confident_images_only():
  weak = tf.constant([[4.0, 0.0, 0.0], [0.1, 0.0, 0.0]])  # confident, unsure
  strong = tf.zeros([2, 3])
  ce, mask = _pseudo_label_loss(weak, strong, threshold=0.9)
  np.testing.assert_array_equal(mask, [1.0, 0.0])
  np.testing.assert_allclose(ce, [np.log(3.0), 0.0], rtol=1e-6)


def test_distribution_alignment_gives_the_under_predicted_class_its_images():
  # Q leans to class 0 everywhere; image 2 is the one that leans least: aligned, it is class 1.
  weak = tf.math.log(tf.constant([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4]]))
  strong = tf.zeros([3, 2])
  _, mask = _pseudo_label_loss(weak, strong, threshold=0.5)
  plain_targets = tf.argmax(weak, -1).numpy()
  assert mask.numpy().tolist() == [1.0, 1.0, 1.0] and plain_targets.tolist() == [0, 0, 0]
  # mean p = [0.8, 0.2]; aligned row 2 = [0.75, 2.0] / sum -> class 1 with p = 0.727.
  ce, mask = _pseudo_label_loss(weak, tf.constant([[0.0, 0.0]] * 2 + [[0.0, 5.0]]),
                                      threshold=0.7, align=True)
  np.testing.assert_array_equal(mask, [0.0, 0.0, 1.0])  # rows 0-1 drop to p = 0.69 < 0.7
  assert float(ce[2]) < 0.01  # the strong view's class-1 logit matches the aligned target


def test_self_adaptive_thresholds_lower_the_less_predicted_classes():
  thresholds = losses.self_adaptive_thresholds(tf.constant(0.8), tf.constant([0.5, 0.3, 0.2]))
  np.testing.assert_allclose(thresholds, [0.8, 0.48, 0.32], rtol=1e-6)
  # Per-class thresholds compare each image's max probability with its arg-max class's one.
  probs = tf.constant([[0.7, 0.2, 0.1],    # class 0, 0.7 < 0.8: out
                       [0.1, 0.6, 0.3],    # class 1, 0.6 >= 0.48: in
                       [0.3, 0.3, 0.4]])   # class 2, 0.4 >= 0.32: in
  ce, mask = losses.masked_pseudo_label_loss(probs, tf.zeros([3, 3]), thresholds)
  np.testing.assert_array_equal(mask, [0.0, 1.0, 1.0])
  np.testing.assert_allclose(ce, [0.0, np.log(3.0), np.log(3.0)], rtol=1e-6)
