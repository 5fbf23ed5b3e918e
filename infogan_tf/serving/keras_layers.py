"""Use an exported encoder inside other Keras pipelines (no infogan_tf code needed to load it).

`keras.layers.TFSMLayer(path, call_endpoint="encode")` loads the `encode` signature as a Keras
layer. Frozen, its 'features' output (the discriminator trunk) is an unsupervised feature
extractor; a small trainable head on top turns a few labels into a classifier:

  encoder = encoder_layer("/models/infogan/1")
  probe = build_probe("/models/infogan/1", image_shape=(28, 28, 1), num_classes=10)
  probe.fit(images_in_0_1, labels, epochs=20)
"""

from __future__ import annotations

from typing import Sequence

import keras

ENCODE_ENDPOINT = "encode"


def encoder_layer(saved_model_dir: str, endpoint: str = ENCODE_ENDPOINT,
                  trainable: bool = False) -> keras.layers.TFSMLayer:
  """The SavedModel's encode signature as a (frozen) Keras layer returning a dict."""
  return keras.layers.TFSMLayer(saved_model_dir, call_endpoint=endpoint, trainable=trainable,
                                name="infogan_encoder")


def build_probe(saved_model_dir: str, image_shape: Sequence[int], num_classes: int,
                feature_key: str = "features", hidden_units: int = 0) -> keras.Model:
  """A classifier: frozen encoder -> BN (no affine) -> [Dense(hidden) ->] Dense(softmax).

  Args:
    saved_model_dir: An exported version folder (export_dir/<version>).
    image_shape: (H, W, C) of the model's images; inputs are float32 in [0, 1].
    num_classes: Output classes.
    feature_key: Which encode output to build on ('features', or e.g. 'cat0_probs').
    hidden_units: Optional hidden layer width (0 = a linear probe).

  Returns:
    An uncompiled keras.Model mapping [B, H, W, C] images to [B, num_classes] probabilities.
  """
  images = keras.Input(tuple(image_shape), name="images")
  codes = encoder_layer(saved_model_dir)(images)
  x = codes[feature_key]  # [B, F]
  # Standardise the frozen features (BN without affine, as in MAE's linear probe): trunk
  # features can have tiny per-dimension spread, which plain SGD on a linear head handles badly.
  x = keras.layers.BatchNormalization(center=False, scale=False, name="probe_norm")(x)
  if hidden_units:
    x = keras.layers.Dense(hidden_units, activation="relu", name="probe_hidden")(x)
  probs = keras.layers.Dense(num_classes, activation="softmax", name="probe_out")(x)
  return keras.Model(images, probs, name="infogan_probe")
