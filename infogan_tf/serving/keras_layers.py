"""An exported SavedModel's signatures as Keras layers, frozen or fine-tuned.

`SavedModelLayer(path, call_endpoint="encode")` is `keras.layers.TFSMLayer` with two fixes:
- its weights get names Keras optimizers accept. TFSMLayer names them after the SavedModel's
  variables ('discriminator/kernel:0' -> 'discriminator_kernel:0'); Adam/AdamW then build
  slot names from them and fail ("... is not a valid scope name"; Keras 3.15, any SavedModel,
  Keras's own `model.export()` included). Only plain SGD trains a bare TFSMLayer.
- it takes a dict of named inputs for multi-input signatures: `generate`, `sample`,
  `sample_with_codes`, `generate_class` (TFSMLayer passes one positional argument).

  encoder = SavedModelLayer("/models/infogan/1", trainable=True)  # the D trunk + Q head
  codes = encoder(images)                      # images [B, H, W, C] in [0, 1] -> dict
  generator = SavedModelLayer("/models/infogan/1", call_endpoint="generate")
  images = generator({"noise": z, "categorical": c, "continuous": u})["images"]
  sampled = SavedModelLayer(path, call_endpoint="sample")({"count": 16, "seed": 7})

`build_probe` puts a head on the frozen encoder's features: a few labels make a classifier.
"""

from __future__ import annotations

import re
from typing import Dict, Sequence

import keras
import tensorflow as tf

ENCODE_ENDPOINT = "encode"


def keras_weight_name(variable_name: str) -> str:
  """'discriminator/kernel:0' -> 'discriminator_kernel' (a name Keras scopes accept)."""
  name = re.sub(r":\d+$", "", variable_name)
  return re.sub(r"[^A-Za-z0-9_.>-]", "_", name) or "weight"


@keras.saving.register_keras_serializable(package="infogan_tf")
class SavedModelLayer(keras.layers.TFSMLayer):
  """One signature of an exported infogan_tf SavedModel as a Keras layer.

  Args:
    filepath: The exported version folder (export_dir/<version>).
    call_endpoint: Signature to call: 'encode' (default), 'generate', 'sample', ...
    trainable: Fine-tune the SavedModel's weights (the encoder's trunk and heads).
    **kwargs: As keras.layers.TFSMLayer (name, dtype, call_training_endpoint).

  Call it with one tensor for single-input signatures (`encode`: images [B, H, W, C] in
  [0, 1]) or with a dict of the signature's named inputs; it returns the signature's dict.
  """

  def __init__(self, filepath: str, call_endpoint: str = ENCODE_ENDPOINT,
               trainable: bool = False, **kwargs):
    self._weight_names: Dict[str, int] = {}
    super().__init__(filepath, call_endpoint=call_endpoint, trainable=trainable, **kwargs)
    self._signature = self._reloaded_obj.signatures.get(call_endpoint)

  def _add_existing_weight(self, weight):
    """Tracks a SavedModel variable under a valid, unique Keras name (see module doc)."""
    base = keras_weight_name(weight.name)
    count = self._weight_names.get(base, 0)
    self._weight_names[base] = count + 1
    variable = keras.Variable(initializer=weight, trainable=weight.trainable,
                              dtype=weight.dtype, shape=weight.shape,
                              name=base if count == 0 else f"{base}_{count}")
    self._track_variable(variable)

  def __call__(self, inputs, *args, **kwargs):
    if isinstance(inputs, dict):  # Keras takes only tensors: plain numbers (count, seed) too
      self._check_input_names(inputs)
      inputs = {k: v if tf.is_tensor(v) or isinstance(v, keras.KerasTensor)
                else tf.convert_to_tensor(v) for k, v in inputs.items()}
    return super().__call__(inputs, *args, **kwargs)

  def _check_input_names(self, inputs: dict) -> None:
    """One line naming the missing and unknown inputs (TensorFlow's own TypeError dumps every
    tensor passed, Keras then wraps it in three more paragraphs)."""
    if self._signature is None:
      raise ValueError(f"{self.call_endpoint!r} is not a signature of {self.filepath}")
    names = set(self._signature.structured_input_signature[1])
    missing, unknown = sorted(names - set(inputs)), sorted(set(inputs) - names)
    if missing or unknown:
      problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
          [f"unknown {', '.join(unknown)}"] if unknown else [])
      raise ValueError(f"{self.call_endpoint} takes the inputs {', '.join(sorted(names))}: "
                       + "; ".join(problems))

  def call(self, inputs, training=False, **kwargs):
    if isinstance(inputs, dict):
      if self._signature is None:
        raise ValueError(f"{self.call_endpoint!r} is not a signature of {self.filepath}")
      inputs_spec = self._signature.structured_input_signature[1]
      return self._signature(**{k: tf.cast(v, inputs_spec[k].dtype) if k in inputs_spec else v
                                for k, v in inputs.items()})
    return super().call(inputs, training=training, **kwargs)


def encoder_layer(saved_model_dir: str, endpoint: str = ENCODE_ENDPOINT,
                  trainable: bool = False) -> SavedModelLayer:
  """The SavedModel's encode signature as a Keras layer returning a dict (frozen by default)."""
  return SavedModelLayer(saved_model_dir, call_endpoint=endpoint, trainable=trainable,
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
