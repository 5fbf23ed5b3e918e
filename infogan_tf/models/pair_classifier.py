"""InfoGAN-CR's pair classifier: which code does a pair of generated images share?"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
import tensorflow as tf

INPUTS = ("images", "features")


@keras.saving.register_keras_serializable(package="infogan_tf")
class PairClassifier(keras.Model):
  """Logits over the codes a pair may share, from the pair's two images or two feature vectors.

  With `inputs='images'` (InfoGAN-CR's own discriminator): the two images stacked along channels
  [B, H, W, 2C] -> conv 4x4/2 (width) -> conv 4x4/2 (2 width) -> dense (4 width) -> logits,
  leaky ReLU 0.1 between layers, no normalisation (its batch is the generated pairs only). With
  `inputs='features'` (a head on D's trunk): the two feature vectors concatenated [B, 2F] ->
  dense (4 width) -> logits.

  Args:
    num_classes: Codes a pair may share.
    inputs: 'images' or 'features'.
    input_shape_: (H, W, C) of one image, or (F,) of one feature vector.
    width: Channels of the first convolution.
  """

  def __init__(self, num_classes: int, inputs: str = "images",
               input_shape_: Optional[Sequence[int]] = None, width: int = 64, **kwargs):
    kwargs.setdefault("name", "cr_classifier")
    super().__init__(**kwargs)
    if inputs not in INPUTS:
      raise ValueError(f"inputs must be one of {INPUTS}, got {inputs!r}")
    self.num_classes = int(num_classes)
    self.inputs_kind = inputs
    self.input_shape_ = tuple(int(d) for d in input_shape_) if input_shape_ else None
    self.width = int(width)
    hidden = []
    if inputs == "images":
      hidden += [keras.layers.Conv2D(self.width, 4, 2, padding="same", name="cr_conv1"),
                 keras.layers.Conv2D(2 * self.width, 4, 2, padding="same", name="cr_conv2")]
    hidden.append(keras.layers.Dense(4 * self.width, name="cr_fc"))
    self.hidden = hidden
    self.logits = keras.layers.Dense(self.num_classes, name="cr_logits")

  def build(self, input_shape=None):
    """Creates the variables from `input_shape_` (also when a `.keras` file is loaded)."""
    if not self.built and self.input_shape_ is not None:
      one = tf.zeros([1, *self.input_shape_])
      self.call(one, one)
    self.built = True

  def call(self, first: tf.Tensor, second: tf.Tensor, training: bool = False) -> tf.Tensor:
    """[B, ...] and [B, ...] (images or features of the pair's two members) -> [B, classes]."""
    del training  # no layer behaves differently in training
    x = tf.concat([tf.cast(first, tf.float32), tf.cast(second, tf.float32)], axis=-1)
    for layer in self.hidden:
      if isinstance(layer, keras.layers.Dense) and len(x.shape) > 2:
        x = tf.reshape(x, [tf.shape(x)[0], -1])  # [B, h * w * c]
      x = layer(x)
      # Leaky ReLU 0.1 as a maximum: Grappler's Conv2D+BiasAdd+LeakyRelu fusion breaks this
      # net's gradient graph (it logs "remapper failed" and skips the rewrite).
      x = tf.maximum(x, 0.1 * x)
    return self.logits(x)  # [B, num_classes]

  def get_config(self) -> dict:
    return {"name": self.name, "num_classes": self.num_classes, "inputs": self.inputs_kind,
            "input_shape_": list(self.input_shape_) if self.input_shape_ else None,
            "width": self.width}

  @classmethod
  def from_config(cls, config: dict) -> "PairClassifier":
    return cls(**config)
