"""infogan_tf.traced_graphs: graphs traced with custom gradients are freed once unused."""

import gc
import weakref

import numpy as np
import tensorflow as tf

from infogan_tf import traced_graphs


@tf.custom_gradient
def _double_with_custom_gradient(x):
  return 2.0 * x, lambda dy: 2.0 * dy


def _traced():
  fn = tf.function(lambda x: tf.reduce_sum(_double_with_custom_gradient(x) ** 2))
  concrete = fn.get_concrete_function(tf.TensorSpec([3], tf.float32))
  return fn, weakref.ref(concrete.graph)


def test_a_released_graph_is_freed_when_unused():
  fn, graph = _traced()
  del fn
  gc.collect()
  assert graph() is not None  # TensorFlow's gradient registry keeps it
  assert traced_graphs.release() >= 1
  gc.collect()
  assert graph() is None
  assert traced_graphs.release() == 0  # idempotent


def test_a_released_graph_still_differentiates_while_in_use():
  fn, _ = _traced()
  traced_graphs.release()
  gc.collect()
  x = tf.constant([1.0, 2.0, 3.0])
  with tf.GradientTape() as tape:  # the function's backward pass looks the gradient up
    tape.watch(x)
    y = fn(x)
  np.testing.assert_allclose(tape.gradient(y, x).numpy(), 8.0 * x.numpy())  # d(4x^2)/dx
