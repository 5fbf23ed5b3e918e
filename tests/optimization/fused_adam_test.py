"""FusedAdam gives Adam's updates, on one device and under MirroredStrategy."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from infogan_tf.optimization.fused_adam import FusedAdam
from tests import helpers

pytestmark = pytest.mark.numerics  # also run with oneDNN off (scripts/test.sh)


def _run(opt_cls, strategy, steps=3):
  with strategy.scope():
    layer = keras.layers.Dense(4, kernel_initializer="ones")
    layer.build((None, 3))
    opt = opt_cls(learning_rate=0.01, beta_1=0.5)
    opt.build(layer.trainable_variables)

  def replica_fn(x):
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(tf.square(layer(x) - 1.0)) / 8.0
    grads = tape.gradient(loss, layer.trainable_variables)
    opt.apply_gradients(zip(grads, layer.trainable_variables))

  x = tf.reshape(tf.range(24, dtype=tf.float32) / 24.0, [8, 3])
  dist = strategy.experimental_distribute_values_from_function(
      lambda ctx: x[ctx.replica_id_in_sync_group * (8 // strategy.num_replicas_in_sync):][
          :8 // strategy.num_replicas_in_sync])
  step = tf.function(lambda d: strategy.run(replica_fn, args=(d,)))
  for _ in range(steps):
    step(dist)
  return [v.numpy() for v in layer.trainable_variables] + [
      v.numpy() for v in opt.variables]


def test_matches_keras_adam_one_device():
  s = helpers.one_device_strategy()
  for a, b in zip(_run(FusedAdam, s), _run(keras.optimizers.Adam, s)):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_matches_keras_adam_mirrored():
  s = helpers.mirrored_strategy()
  fused = _run(FusedAdam, s)
  for a, b in zip(fused, _run(keras.optimizers.Adam, s)):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
  assert not np.allclose(fused[0], 1.0)  # it did train
