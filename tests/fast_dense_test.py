"""FastDense matches keras Dense in values and gradients."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from infogan_tf.models.fast_dense import FastDense

pytestmark = pytest.mark.numerics  # also run with oneDNN off (scripts/test.sh)


def test_same_values_and_gradients_as_dense():
  x = tf.random.normal([5, 7], seed=1)
  fast = FastDense(3, activation="relu")
  ref = keras.layers.Dense(3, activation="relu")
  fast.build((None, 7))
  ref.build((None, 7))
  ref.set_weights(fast.get_weights())
  grads = []
  for layer in (fast, ref):
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = layer(x)
      loss = tf.reduce_sum(y * tf.range(3, dtype=tf.float32))
    grads.append((y, *tape.gradient(loss, [x, layer.kernel, layer.bias])))
  for a, b in zip(*grads):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_3d_fallback():
  layer = FastDense(4, use_bias=False, name="f")
  again = FastDense.from_config(layer.get_config())
  assert again.units == 4 and not again.use_bias
  assert layer(tf.zeros([2, 3, 5])).shape == (2, 3, 4)
