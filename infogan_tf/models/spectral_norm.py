"""Spectrally normalised Conv2D and Dense layers (Miyato et al. 2018) for the discriminator.

The kernel variable stays unnormalised; every call divides it by an estimate of its largest
singular value sigma, so gradients flow through sigma as in the paper. sigma comes from one
power iteration per training call on a persistent vector u (a non-trainable, checkpointed
weight); inference reuses u without updating it. (keras.layers.SpectralNormalization instead
overwrites the kernel variable with the normalised value and gives no gradient through sigma.)
"""

from __future__ import annotations

import keras
import tensorflow as tf

from infogan_tf.models.fast_dense import FastDense


class _SpectralNorm:
  """Mixin: `self.normalized_kernel(training)` for a layer with `self.kernel` [..., N]."""

  power_iterations = 1

  def _build_u(self):
    n = int(self.kernel.shape[-1])
    # Mean over replicas when assigned in a replica context (MirroredStrategy).
    self.sn_u = self.add_weight(
        name="sn_u", shape=(1, n), trainable=False, aggregation="mean",
        initializer=keras.initializers.RandomNormal(stddev=1.0), dtype="float32")

  def normalized_kernel(self, training) -> tf.Tensor:
    kernel = tf.cast(tf.convert_to_tensor(self.kernel), tf.float32)
    w = tf.reshape(kernel, [-1, kernel.shape[-1]])  # [K, N]
    u = tf.math.l2_normalize(tf.convert_to_tensor(self.sn_u), axis=-1)  # [1, N]
    for _ in range(self.power_iterations):
      v = tf.math.l2_normalize(tf.matmul(u, w, transpose_b=True), axis=-1)  # [1, K]
      u = tf.math.l2_normalize(tf.matmul(v, w), axis=-1)  # [1, N]
    u, v = tf.stop_gradient(u), tf.stop_gradient(v)
    sigma = tf.squeeze(tf.matmul(tf.matmul(v, w), u, transpose_b=True))  # scalar
    if training:
      self.sn_u.assign(u)
    return kernel / sigma


@keras.saving.register_keras_serializable(package="infogan_tf")
class SpectralConv2D(_SpectralNorm, keras.layers.Conv2D):
  """keras.layers.Conv2D (channels_last) with a spectrally normalised kernel."""

  def build(self, input_shape):
    super().build(input_shape)
    self._build_u()

  def call(self, inputs, training=None):
    kernel = tf.cast(self.normalized_kernel(training), inputs.dtype)
    outputs = self.convolution_op(inputs, kernel)  # [B, H', W', filters]
    if self.use_bias:
      outputs = tf.nn.bias_add(outputs, tf.cast(tf.convert_to_tensor(self.bias), inputs.dtype))
    if self.activation is not None:
      outputs = self.activation(outputs)
    return outputs


@keras.saving.register_keras_serializable(package="infogan_tf")
class SpectralDense(_SpectralNorm, FastDense):
  """FastDense (2-D inputs) with a spectrally normalised kernel."""

  def build(self, input_shape):
    super().build(input_shape)
    self._build_u()

  def call(self, inputs, training=None):
    kernel = tf.cast(self.normalized_kernel(training), inputs.dtype)
    return self.dense_with_kernel(inputs, kernel)
