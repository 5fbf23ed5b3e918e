"""The InfoGAN generator G(z, c) as a Keras subclassed model."""

from __future__ import annotations

from typing import Tuple

import keras
import tensorflow as tf

from infogan_tf.models import architectures


@keras.saving.register_keras_serializable(package="infogan_tf")
class Generator(keras.Model):
  """Maps the concatenated latent input [z, one_hot(c_cat), c_cont] to images.

  Args:
    architecture: Architecture name (see `architectures.ARCHITECTURES`).
    image_shape: (H, W, C) of the generated images.
    input_dim: Width of the latent input vector.
    sync_batch_norm: Synchronise BN statistics across replicas.
  """

  def __init__(self, architecture: str, image_shape: Tuple[int, int, int], input_dim: int,
               sync_batch_norm: bool = False, **kwargs):
    kwargs.setdefault("name", "generator")
    super().__init__(**kwargs)
    self.architecture = architecture
    self.image_shape = tuple(int(d) for d in image_shape)
    self.input_dim = int(input_dim)
    self.sync_batch_norm = bool(sync_batch_norm)
    self.pixel_range = architectures.info(architecture).pixel_range
    self.stack = architectures.generator_layers(architecture, self.image_shape,
                                                self.sync_batch_norm)
    architectures.track_layers(self, self.stack)

  def build(self, input_shape):
    """Creates the variables (Keras calls this when loading a `.keras` file)."""
    if not self.built:
      self.call(tf.zeros([1, self.input_dim]))  # [1, input_dim]
    self.built = True

  def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
    """Generates images.

    Args:
      inputs: [B, input_dim] latent input.
      training: Batch-norm mode.

    Returns:
      [B, H, W, C] images in `pixel_range`, float32 (float64 under the 'float64' policy).
    """
    x = architectures.apply_layers(self.stack, inputs, training)  # [B, H, W, C]
    # [B, H, W, C] in the variables' dtype: float32 even when computing in bfloat16.
    return tf.cast(x, self.dtype_policy.variable_dtype)

  def get_config(self) -> dict:
    return {
        "name": self.name,
        "architecture": self.architecture,
        "image_shape": list(self.image_shape),
        "input_dim": self.input_dim,
        "sync_batch_norm": self.sync_batch_norm,
    }

  @classmethod
  def from_config(cls, config: dict) -> "Generator":
    return cls(**config)
