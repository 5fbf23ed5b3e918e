"""Tests for infogan_tf.models.spectral_norm and the --spectral_norm discriminator."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf.models import Discriminator
from infogan_tf.models.spectral_norm import SpectralConv2D, SpectralDense

pytestmark = pytest.mark.numerics  # also run with oneDNN off (scripts/test.sh)


def _top_singular_value(kernel):
  return np.linalg.svd(np.reshape(kernel, [-1, kernel.shape[-1]]), compute_uv=False)[0]


def _kernel_with_singular_values(shape, singular_values, seed):
  """A kernel of `shape` whose [K, N] reshape has exactly `singular_values` (descending)."""
  rng = np.random.default_rng(seed)
  rows, cols = int(np.prod(shape[:-1])), shape[-1]
  rank = len(singular_values)  # min(K, N)
  u, _ = np.linalg.qr(rng.normal(size=(rows, rank)))  # [K, r] orthonormal columns
  v, _ = np.linalg.qr(rng.normal(size=(cols, rank)))  # [N, r]
  return np.reshape(u @ np.diag(singular_values) @ v.T, shape).astype(np.float32)


def test_power_iteration_normalises_the_largest_singular_value_to_one():
  # Known spectrum (top 37, next 18.5): each power iteration shrinks the error by
  # (18.5 / 37)^2, so 30 training calls converge whatever the random start of u (an
  # initializer's random kernel can have a near-tie that 30 iterations do not resolve).
  for layer, x in ((SpectralDense(7, name="d"), tf.ones([3, 5])),
                   (SpectralConv2D(6, 3, padding="same", name="c"), tf.ones([2, 8, 8, 4]))):
    layer(x)
    shape = layer.kernel.shape
    rank = min(int(np.prod(shape[:-1])), shape[-1])
    spectrum = np.concatenate([[37.0], np.linspace(18.5, 1.0, rank - 1)])
    layer.kernel.assign(_kernel_with_singular_values(shape, spectrum, seed=rank))
    for _ in range(30):  # one power iteration per training call
      layer(x, training=True)
    normalised = layer.normalized_kernel(training=False).numpy()
    assert abs(_top_singular_value(normalised) - 1.0) < 1e-3
    np.testing.assert_allclose(normalised * 37.0, layer.kernel.numpy(), rtol=1e-3, atol=1e-5)


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
