"""Where the explorer's images come from: an exported version loaded in this process, or a TF
Serving REST endpoint. Both answer `predict(signature, inputs)` with the serving contract of
`infogan_tf.serving.signatures`, and the model's shape is read the same way from both: by
calling `sample` and `encode` once (a SavedModel's signature metadata leaves sizes free, so
TF Serving's metadata API cannot tell the code sizes)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Any, Dict, Optional

import numpy as np

from infogan_tf.errors import first_line
from infogan_tf.serving import client, exporter, signatures, warmup


class BackendError(RuntimeError):
  """A model or an endpoint that cannot answer; `status` is the HTTP status the explorer gives
  (400: the request was wrong; 502: TF Serving is down or not TF Serving)."""

  def __init__(self, message: str, status: int = 400):
    super().__init__(message)
    self.status = status


class ModelDirError(ValueError):
  """--model_dir is not an exported model (one line, for the CLI)."""


@dataclasses.dataclass(frozen=True)
class ModelInfo:
  """What the page needs to draw its controls.

  image_shape: (H, W, C) of the model's images. noise_dim: Z (0 = no noise input).
  categorical: k_i of each categorical code. continuous: the number of continuous codes.
  category_names: per categorical code, its k_i names (class names for an ss-InfoGAN code
    tied to a label column, else None). class_outputs: per categorical code, the `encode`
    output naming its class ('class', 'class_<column>') or None. source: where the model is.
    invertible: the model has the `invert` signatures (exports from before them do not).
  """

  image_shape: tuple
  noise_dim: int
  categorical: tuple
  continuous: int
  category_names: tuple
  class_outputs: tuple
  source: str
  invertible: bool = False

  def to_json(self) -> Dict[str, Any]:
    return dataclasses.asdict(self)


def resolve_model_dir(path: str) -> str:
  """An exported version: `path` itself, or the highest numbered version inside it.

  Raises:
    ModelDirError: Neither holds saved_model.pb.
  """
  if os.path.isfile(os.path.join(path, "saved_model.pb")):
    return path
  versions = exporter.existing_versions(path) if os.path.isdir(path) else []
  for version in sorted(versions, reverse=True):
    candidate = os.path.join(path, str(version))
    if os.path.isfile(os.path.join(candidate, "saved_model.pb")):
      return candidate
  what = "does not exist" if not os.path.exists(path) else "holds no saved_model.pb"
  raise ModelDirError(f"{path} {what}: give an exported version (python -m export.main "
                      "--workdir=... --export_dir=DIR writes DIR/<version>/) or its DIR")


def _asset_meta(version_dir: str) -> dict:
  path = os.path.join(version_dir, warmup.ASSETS_EXTRA, exporter.CONFIG_ASSET)
  if not os.path.isfile(path):
    return {}
  with open(path) as f:
    return json.load(f)


class Backend:
  """`predict(signature, inputs) -> {output: array}`; subclasses say where it runs."""

  source = ""

  def predict(self, signature: str, inputs: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    raise NotImplementedError

  def meta(self) -> dict:
    """The export's config asset (class names, the training config), {} when unknown."""
    return {}

  def describe(self) -> ModelInfo:
    """Reads the model's shape from one `sample` and one `encode` call."""
    drawn = self.predict("sample", {"count": np.int32(1), "seed": np.int64(0)})
    images = drawn["images"]  # [1, H, W, C]
    codes = self.predict("encode", {"images": images})
    num_cat = len([k for k in codes if re.fullmatch(r"cat\d+_probs", k)])
    categorical = tuple(int(codes[f"cat{i}_probs"].shape[-1]) for i in range(num_cat))
    # ss codes (from the export's config asset): their classes' names and encode's output.
    meta = self.meta()
    names, class_outputs = [None] * num_cat, [None] * num_cat
    ss = meta.get("config", {}).get("semi_supervised", {})
    for code, column in zip(ss.get("codes") or (), ss.get("label_columns") or ()):
      if code >= num_cat:
        continue
      names[code] = meta.get("class_names", {}).get(column) or None
      output = signatures.class_output_name(column)
      class_outputs[code] = output if output in codes else None
    try:  # no Adam step: only whether the signature is there
      self.predict("invert_with_settings", {"images": images, "steps": np.int32(0),
                                            "restarts": np.int32(1), "seed": np.int64(0)})
      invertible = True
    except (BackendError, KeyError):
      invertible = False
    return ModelInfo(
        invertible=invertible,
        image_shape=tuple(int(d) for d in images.shape[1:]),
        noise_dim=int(drawn["noise"].shape[-1]) if "noise" in drawn else 0,
        categorical=categorical,
        continuous=int(drawn["continuous"].shape[-1]) if "continuous" in drawn else 0,
        category_names=tuple(tuple(n) if n else None for n in names),
        class_outputs=tuple(class_outputs), source=self.source)


class LocalBackend(Backend):
  """An exported version loaded with `tf.saved_model.load` (the signatures TF Serving runs)."""

  def __init__(self, model_dir: str):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    self._tf = tf
    self.path = resolve_model_dir(model_dir)
    try:
      self._model = tf.saved_model.load(self.path)
    except (OSError, ValueError, tf.errors.OpError) as e:
      raise ModelDirError(f"{self.path} is not a loadable SavedModel: "
                          f"{first_line(e)}") from e
    missing = {"sample", "encode", "generate", "encode_image_bytes"} - set(
        self._model.signatures)
    if missing:
      raise ModelDirError(f"{self.path} is a SavedModel but not an infogan_tf export: it has "
                          f"no {', '.join(sorted(missing))} signature")
    self._meta = _asset_meta(self.path)
    self.source = f"export {self.path}"

  def meta(self) -> dict:
    return self._meta

  def predict(self, signature, inputs):
    tf = self._tf
    fn = self._model.signatures[signature]
    specs = fn.structured_input_signature[1]
    try:
      out = fn(**{k: tf.constant(v, dtype=specs[k].dtype) for k, v in inputs.items()})
    except (tf.errors.InvalidArgumentError, ValueError, TypeError) as e:
      raise BackendError(first_line(e)) from e
    return {k: v.numpy() for k, v in out.items()}


class ServingBackend(Backend):
  """A model on a TF Serving REST endpoint (`--rest_api_port`), through `client.RestClient`;
  `model_dir`, when given, is read only for the export's class names."""

  def __init__(self, url: str, model_name: str, model_dir: Optional[str] = None,
               timeout: float = 10.0):
    self._client = client.RestClient(url, model_name, timeout=timeout)
    self._meta = _asset_meta(resolve_model_dir(model_dir)) if model_dir else {}
    self.source = f"TF Serving {self._client.predict_url}"

  def meta(self) -> dict:
    return self._meta

  def predict(self, signature, inputs):
    try:
      return self._client.predict(signature, inputs, fmt=client.COLUMNAR)
    except client.ServingError as e:
      message = str(e)
      # TF Serving answers a request the signature refuses with 400; the rest (no answer, not
      # TF Serving, an unknown model) is the endpoint's fault.
      raise BackendError(message, 400 if message.startswith("HTTP 400") else 502) from e
