"""Tests for infogan_tf.models.spectral_norm and the --spectral_norm discriminator."""

import numpy as np
import tensorflow as tf

from infogan_tf.models import Discriminator
from infogan_tf.models.spectral_norm import SpectralConv2D, SpectralDense


def _top_singular_value(kernel):
  return np.linalg.svd(np.reshape(kernel, [-1, kernel.shape[-1]]), compute_uv=False)[0]


def test_power_iteration_normalises_the_largest_singular_value_to_one():
  for layer, x in ((SpectralDense(7, name="d"), tf.ones([3, 5])),
                   (SpectralConv2D(6, 3, padding="same", name="c"), tf.ones([2, 8, 8, 4]))):
    layer(x)
    layer.kernel.assign(layer.kernel * 37.0)  # far from norm 1
    for _ in range(30):  # one power iteration per training call
      layer(x, training=True)
    normalised = layer.normalized_kernel(training=False).numpy()
    assert abs(_top_singular_value(normalised) - 1.0) < 1e-3
    np.testing.assert_allclose(normalised * _top_singular_value(layer.kernel.numpy()),
                               layer.kernel.numpy(), rtol=1e-3, atol=1e-6)


def test_inference_leaves_u_alone_and_gradient_flows_through_sigma():
  layer = SpectralDense(4, use_bias=False, name="d")
  x = tf.random.normal([5, 3], seed=1)
  layer(x, training=True)
  u = layer.sn_u.numpy().copy()
  layer(x, training=False)
  np.testing.assert_array_equal(layer.sn_u.numpy(), u)
  with tf.GradientTape() as tape:
    loss = tf.reduce_sum(layer.normalized_kernel(training=False))
  grad = tape.gradient(loss, layer.kernel).numpy()
  # Without the sigma term the gradient would be the constant 1 / sigma everywhere.
  assert np.ptp(grad) > 1e-4


def test_spectral_discriminator_has_no_trunk_batch_norm_and_round_trips():
  d = Discriminator("mnist", (28, 28, 1), (10,), 2, spectral_norm=True)
  out = d(tf.zeros([2, 28, 28, 1]), training=True)
  assert out.categorical_logits[0].shape == (2, 10)
  kinds = [type(l).__name__ for l in d.trunk + d.d_head]
  assert "BatchNormalization" not in kinds and kinds.count("SpectralConv2D") == 2
  assert type(d.d_head[0]).__name__ == "SpectralDense"
  assert any("BatchNormalization" == type(l).__name__ for l in d.q_head)  # Q keeps its BN
  again = Discriminator.from_config(d.get_config())
  assert again.get_config() == d.get_config() and again.spectral_norm


def test_checkpoint_holds_the_power_iteration_vectors(tmp_path):
  d = Discriminator("mnist", (28, 28, 1), (10,), 2, spectral_norm=True)
  d(tf.zeros([1, 28, 28, 1]))
  path = tf.train.Checkpoint(d=d).save(str(tmp_path / "c"))
  saved = {n for n, _ in tf.train.list_variables(path)}
  assert "d/d_conv1/sn_u/.ATTRIBUTES/VARIABLE_VALUE" in saved
  assert len([n for n in saved if n.startswith("d/")]) == len(d.weights)
