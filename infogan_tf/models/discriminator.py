"""The InfoGAN discriminator: a shared trunk feeding the D (real/fake) head and the Q head."""

from __future__ import annotations

from typing import NamedTuple, Sequence, Tuple

import keras
import tensorflow as tf

from infogan_tf.models import architectures


class DiscriminatorOutput(NamedTuple):
  """What one discriminator pass returns (float32; float64 under the "float64" policy).

  Attributes:
    logits: [B] real/fake logit (the D head).
    features: [B, F] the shared trunk's output.
    categorical_logits: One [B, k_i] tensor of Q logits per categorical code.
    continuous_mean: [B, C] Q's Gaussian means of the continuous codes.
    continuous_log_std: [B, C] Q's raw log-std outputs (decode with `infogan_tf.posterior`).
  """

  logits: tf.Tensor
  features: tf.Tensor
  categorical_logits: Tuple[tf.Tensor, ...]
  continuous_mean: tf.Tensor
  continuous_log_std: tf.Tensor


@keras.saving.register_keras_serializable(package="infogan_tf")
class Discriminator(keras.Model):
  """D(x) and Q(c|x) on one shared trunk.

  Q parameterises a softmax per categorical code and a factored Gaussian (mean, log-std) over
  the continuous codes.

  Args:
    architecture: Architecture name (see `architectures.ARCHITECTURES`).
    image_shape: (H, W, C) of the input images.
    categorical: Cardinality of each categorical code.
    num_continuous: Number of continuous codes.
    sync_batch_norm: Synchronise BN statistics across replicas.
    spectral_norm: Spectrally normalised trunk and D head, no BatchNorm in the trunk.
  """

  def __init__(self, architecture: str, image_shape: Tuple[int, int, int],
               categorical: Sequence[int], num_continuous: int,
               sync_batch_norm: bool = False, spectral_norm: bool = False, **kwargs):
    kwargs.setdefault("name", "discriminator")
    super().__init__(**kwargs)
    self.architecture = architecture
    self.image_shape = tuple(int(d) for d in image_shape)
    self.categorical = tuple(int(k) for k in categorical)
    self.num_continuous = int(num_continuous)
    self.sync_batch_norm = bool(sync_batch_norm)
    self.spectral_norm = bool(spectral_norm)
    self.num_q_params = sum(self.categorical) + 2 * self.num_continuous
    self.trunk = architectures.trunk_layers(architecture, self.image_shape, self.sync_batch_norm,
                                            self.spectral_norm)
    self.d_head = architectures.d_head_layers(self.spectral_norm)
    self.q_head = (architectures.q_head_layers(self.num_q_params, self.sync_batch_norm)
                   if self.num_q_params else [])
    architectures.track_layers(self, self.trunk + self.d_head + self.q_head)

  def build(self, input_shape):
    """Creates the variables (Keras calls this when loading a `.keras` file)."""
    if not self.built:
      self.call(tf.zeros([1, *self.image_shape]))  # [1, H, W, C]
    self.built = True

  def features(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
    """The shared trunk: [B, H, W, C] -> [B, F]."""
    return architectures.apply_layers(self.trunk, images, training)

  def call(self, images: tf.Tensor, training: bool = False) -> DiscriminatorOutput:
    """Runs the trunk and both heads.

    Args:
      images: [B, H, W, C] in the architecture's pixel range.
      training: Training mode of BatchNorm (batch statistics) and spectral norm (updates u).

    Returns:
      A DiscriminatorOutput.
    """
    feats = self.features(images, training)  # [B, F]
    logits = architectures.apply_layers(self.d_head, feats, training)  # [B, 1]
    logits = tf.squeeze(logits, axis=-1)  # [B]
    batch = tf.shape(feats)[0]
    if self.q_head:
      params = architectures.apply_layers(self.q_head, feats, training)  # [B, P]
    else:
      params = tf.zeros([batch, 0], feats.dtype)
    # Under mixed precision the layers compute in bfloat16; callers and losses get float32
    # (the variables' dtype, float64 under the 'float64' policy).
    logits, feats, params = (tf.cast(t, self.dtype_policy.variable_dtype)
                             for t in (logits, feats, params))
    sizes = list(self.categorical) + [self.num_continuous, self.num_continuous]
    pieces = tf.split(params, sizes, axis=-1) if sizes else []
    n_cat = len(self.categorical)
    return DiscriminatorOutput(logits, feats, tuple(pieces[:n_cat]), pieces[n_cat],
                               pieces[n_cat + 1])

  def calibrate_inference_statistics(self, images: tf.Tensor) -> None:
    """Sets every BatchNorm layer's running mean and variance to the statistics of its inputs
    on `images` (real images), layer by layer in inference mode.

    In training, D's BatchNorm running statistics follow whatever D saw last in training mode:
    generated, labelled and augmented batches as much as real ones, and with a lag behind the
    changing weights. Inference mode (evaluation, the exported `encode`) then normalises real
    images with the wrong statistics. The trainer calls this before every checkpoint, so a
    checkpoint's inference mode behaves like batch statistics of real images. Training itself
    uses batch statistics and is not affected.

    Args:
      images: [N, H, W, C] real images in the architecture's pixel range (N of a few hundred
        or more: these become population statistics).
    """
    x = images
    for layers in (self.trunk, self.q_head):
      for layer in layers:
        if isinstance(layer, keras.layers.BatchNormalization):
          axes = list(range(len(x.shape) - 1))
          mean, variance = tf.nn.moments(tf.cast(x, tf.float32), axes)  # [channels]
          layer.moving_mean.assign(mean)
          layer.moving_variance.assign(variance)
        x = layer(x, training=False)

  def get_config(self) -> dict:
    return {
        "name": self.name,
        "architecture": self.architecture,
        "image_shape": list(self.image_shape),
        "categorical": list(self.categorical),
        "num_continuous": self.num_continuous,
        "sync_batch_norm": self.sync_batch_norm,
        "spectral_norm": self.spectral_norm,
    }

  @classmethod
  def from_config(cls, config: dict) -> "Discriminator":
    return cls(**config)
