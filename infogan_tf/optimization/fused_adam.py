"""`FusedAdam`: keras Adam whose per-variable update is TF's fused ResourceApplyAdam kernel.

Keras 3's Adam updates each variable with ~10 separate TF ops (m, v, the bias-corrected step),
each a full pass over memory. On this project's 2-core CPU that costs 9.5 ms per step for the
MNIST generator's 6.7M parameters (and as much for D), against 3.2 ms for the fused kernel,
which computes the same update:
  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
  m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2
  w <- w - lr_t m / (sqrt(v) + epsilon)
Slots, config and checkpoints are Adam's, so checkpoints move freely between the two. Falls
back to Adam's own update for amsgrad, sparse gradients and non-TF backends.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="infogan_tf")
class FusedAdam(keras.optimizers.Adam):
  """keras.optimizers.Adam computed by tf.raw_ops.ResourceApplyAdam (TF backend)."""

  def update_step(self, gradient, variable, learning_rate):
    if (self.amsgrad or isinstance(gradient, tf.IndexedSlices)
        or keras.backend.backend() != "tensorflow"):
      return super().update_step(gradient, variable, learning_rate)
    var = variable.value if isinstance(variable, keras.Variable) else variable
    index = self._get_variable_index(variable)
    m = self._momentums[index].value
    v = self._velocities[index].value
    dtype = var.dtype
    step = tf.cast(self.iterations + 1, dtype)
    beta_1 = tf.cast(self.beta_1, dtype)
    beta_2 = tf.cast(self.beta_2, dtype)
    tf.raw_ops.ResourceApplyAdam(
        var=var.handle, m=m.handle, v=v.handle,
        beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step),
        lr=tf.cast(learning_rate, dtype), beta1=beta_1, beta2=beta_2,
        epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))
