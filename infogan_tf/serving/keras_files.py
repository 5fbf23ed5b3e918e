"""The trained models as Keras 3 files: `encoder.keras` and `generator.keras`.

The Keras-native route beside the SavedModel: `keras.models.load_model("encoder.keras")` (after
`import infogan_tf`, which registers the classes) gives a functional model whose layers a Keras
user can freeze or fine-tune one by one.

  encoder.keras    images [B, H, W, C] in [0, 1]
                   -> {'features' [B, F], 'cat<i>_probs' [B, k_i], 'continuous_mean' [B, C]}
                   layers: 'to_model_range' (Rescaling), 'discriminator' (the trunk's layers
                   are `encoder.get_layer("discriminator").trunk`), Softmax per code
  generator.keras  {'noise' [B, Z], 'categorical' [B, n_cat] int32, 'continuous' [B, C]}
                   -> images [B, H, W, C] in [0, 1]

Inputs of a code part the model does not have are left out, as in the serving signatures.
Unlike the SavedModel, these models do not check their inputs (out-of-range categories give
all-zero one-hot rows): they are for Keras code, not for serving.
"""

from __future__ import annotations

import os
from typing import Dict, Sequence

import keras
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.latent import LatentSample, LatentSpec

ENCODER_FILE = "encoder.keras"
GENERATOR_FILE = "generator.keras"


@keras.saving.register_keras_serializable(package="infogan_tf")
class LatentInput(keras.layers.Layer):
  """Named codes -> the generator's input vector [z, one_hot(c_0), ..., c_cont].

  Args:
    noise_dim: Width of z (0 = no 'noise' input).
    categorical: Cardinality of each categorical code ('categorical' [B, n_cat] int32).
    num_continuous: Number of continuous codes ('continuous' [B, C]).
  """

  def __init__(self, noise_dim: int, categorical: Sequence[int], num_continuous: int,
               **kwargs):
    super().__init__(**kwargs)
    self.noise_dim = int(noise_dim)
    self.categorical = tuple(int(k) for k in categorical)
    self.num_continuous = int(num_continuous)
    self._spec = LatentSpec(config_lib.LatentConfig(
        noise_dim=self.noise_dim, categorical=self.categorical,
        continuous=self.num_continuous))

  def call(self, inputs: Dict[str, tf.Tensor]) -> tf.Tensor:
    given = next(iter(inputs.values()))
    batch = tf.shape(given)[0]
    categorical = (tf.cast(inputs["categorical"], tf.int32) if self.categorical
                   else tf.zeros([batch, 0], tf.int32))  # [B, n_cat]
    sample = LatentSample(
        inputs["noise"] if self.noise_dim else tf.zeros([batch, 0]),
        [categorical[:, i] for i in range(len(self.categorical))],
        inputs["continuous"] if self.num_continuous else tf.zeros([batch, 0]))
    return self._spec.generator_input(sample)  # [B, input_dim], packed as G was trained

  def compute_output_shape(self, input_shape):
    batch = next(iter(input_shape.values()))[0]
    return (batch, self.noise_dim + sum(self.categorical) + self.num_continuous)

  def get_config(self) -> dict:
    return {**super().get_config(), "noise_dim": self.noise_dim,
            "categorical": list(self.categorical), "num_continuous": self.num_continuous}


def _unit_to_range(pixel_range, name: str) -> keras.layers.Rescaling:
  low, high = pixel_range
  return keras.layers.Rescaling(scale=high - low, offset=low, name=name)


def _range_to_unit(pixel_range, name: str) -> keras.layers.Rescaling:
  low, high = pixel_range
  return keras.layers.Rescaling(scale=1.0 / (high - low), offset=-low / (high - low), name=name)


def encoder_model(model) -> keras.Model:
  """A functional model over a trained InfoGAN's inference discriminator: images in [0, 1] ->
  dict of codes. (A functional graph is made of layers: its Softmax per code is the Keras-layer
  form of `InfoGAN.encode`'s probabilities; tests/export/keras_files_test.py checks the two
  agree.)"""
  images = keras.Input(model.image_shape, name="images")  # [B, H, W, C]
  out = model.encoder(_unit_to_range(model.pixel_range, "to_model_range")(images))
  outputs = {"features": out.features}
  for i, logits in enumerate(out.categorical_logits):
    outputs[f"cat{i}_probs"] = keras.layers.Softmax(name=f"cat{i}_softmax")(logits)
  if model.spec.num_continuous:
    outputs["continuous_mean"] = out.continuous_mean
  return keras.Model(images, outputs, name="infogan_encoder")


def generator_model(model) -> keras.Model:
  """A functional model over a trained InfoGAN's generator: named codes -> images in [0, 1]."""
  spec = model.spec
  inputs = {}
  if spec.noise_dim:
    inputs["noise"] = keras.Input((spec.noise_dim,), name="noise")
  if spec.categorical:
    inputs["categorical"] = keras.Input((len(spec.categorical),), dtype="int32",
                                        name="categorical")
  if spec.num_continuous:
    inputs["continuous"] = keras.Input((spec.num_continuous,), name="continuous")
  latent = LatentInput(spec.noise_dim, spec.categorical, spec.num_continuous,
                       name="latent_input")(inputs)  # [B, input_dim]
  images = _range_to_unit(model.pixel_range, "to_unit_range")(
      model.generator(latent))  # [B, H, W, C]
  return keras.Model(inputs, images, name="infogan_generator")


def write_keras_files(model, directory: str) -> Dict[str, str]:
  """Writes encoder.keras and generator.keras of a trained InfoGAN into `directory`; returns
  their paths."""
  paths = {"encoder": os.path.join(directory, ENCODER_FILE),
           "generator": os.path.join(directory, GENERATOR_FILE)}
  encoder_model(model).save(paths["encoder"])
  generator_model(model).save(paths["generator"])
  return paths
