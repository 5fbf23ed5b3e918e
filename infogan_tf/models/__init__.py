"""Generator and Discriminator (with Q head) models and their factory."""

from __future__ import annotations

import contextlib
from typing import Tuple

import keras
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import precision
from infogan_tf.latent import LatentSpec
from infogan_tf.models.architectures import ARCHITECTURES, check_image_shape, info
from infogan_tf.models.discriminator import Discriminator, DiscriminatorOutput
from infogan_tf.models.generator import Generator

__all__ = ["ARCHITECTURES", "Discriminator", "DiscriminatorOutput", "Generator", "build_models",
           "info"]


def build_models(config: config_lib.ExperimentConfig) -> Tuple[Generator, Discriminator]:
  """Creates and builds (variables created) G and D for `config`.

  Call inside `strategy.scope()` to get mirrored variables.
  """
  spec = LatentSpec(config.latent)
  m = config.model
  check_image_shape(m.architecture, tuple(m.image_shape))
  with dtype_policy(m.precision):
    generator = Generator(m.architecture, tuple(m.image_shape), spec.input_dim,
                          m.sync_batch_norm)
    discriminator = Discriminator(m.architecture, tuple(m.image_shape), spec.categorical,
                                  spec.num_continuous, m.sync_batch_norm, m.spectral_norm)
  generator(tf.zeros([2, spec.input_dim]), training=False)
  discriminator(tf.zeros([2, *m.image_shape]), training=False)
  return generator, discriminator


@contextlib.contextmanager
def dtype_policy(name: str):
  """Layers created inside use the Keras dtype policy `name` ('float32', 'mixed_bfloat16'; 'auto'
  is this machine's choice, `infogan_tf.precision.resolve`)."""
  previous = keras.config.dtype_policy()
  keras.config.set_dtype_policy(precision.resolve(name)[0])
  try:
    yield
  finally:
    keras.config.set_dtype_policy(previous)
