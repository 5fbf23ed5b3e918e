"""Build TF Serving requests (REST JSON and gRPC PredictRequest) and read responses back.

REST (TF Serving's documented formats):
  row:      {"signature_name": S, "instances": [{input: value, ...}, ...]}
            -> {"predictions": [{output: value, ...}, ...]} (or a list of values when the
               signature has one output)
  columnar: {"signature_name": S, "inputs": {input: batched value, ...}}
            -> {"outputs": {output: batched value, ...}} (or the value for one output)
  Binary inputs (DT_STRING, e.g. encode_image_bytes) travel as {"b64": base64 string}.
  Signatures with scalar inputs (sample, sample_with_codes) need the columnar format.
gRPC: tensorflow_serving.apis PredictionService/Predict with a PredictRequest.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

from infogan_tf.serving import warmup

ROW = "row"
COLUMNAR = "columnar"


class ServingError(RuntimeError):
  """The server answered with an error (bad request, unknown signature, ...)."""


def _jsonable(value: Any):
  """numpy -> JSON values; bytes -> {"b64": ...} as TF Serving's REST API expects."""
  if isinstance(value, (bytes, np.bytes_)):
    return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
  if isinstance(value, np.ndarray):
    if value.dtype == object or value.dtype.kind == "S":
      return [_jsonable(v) for v in value.tolist()]
    return value.tolist()
  if isinstance(value, (list, tuple)):
    return [_jsonable(v) for v in value]
  if isinstance(value, np.generic):
    return value.item()
  return value


def rest_request(signature: str, inputs: Dict[str, Any], fmt: str = ROW) -> Dict[str, Any]:
  """The JSON body of a TF Serving REST predict call.

  Args:
    signature: Signature name.
    inputs: {input name: array}; every array batched along axis 0 for the row format.
    fmt: ROW ("instances") or COLUMNAR ("inputs").
  """
  arrays = {k: (v if isinstance(v, np.ndarray) else np.asarray(v)) for k, v in inputs.items()}
  if fmt == COLUMNAR:
    return {"signature_name": signature, "inputs": {k: _jsonable(v) for k, v in arrays.items()}}
  if fmt != ROW:
    raise ValueError(f"fmt must be {ROW!r} or {COLUMNAR!r}")
  sizes = {k: (v.shape[0] if v.ndim else None) for k, v in arrays.items()}
  if None in sizes.values() or len(set(sizes.values())) != 1:
    raise ValueError(f"the row format needs inputs batched alike, got sizes {sizes}; use the "
                     "columnar format for scalar inputs")
  n = next(iter(sizes.values()))
  instances = [{k: _jsonable(v[i]) for k, v in arrays.items()} for i in range(n)]
  return {"signature_name": signature, "instances": instances}


def dumps(body: Dict[str, Any]) -> str:
  """Serialises a request body. NaN (sample_with_codes: "draw this code") is written as the
  bare token NaN, which TF Serving's REST parser accepts."""
  return json.dumps(body, allow_nan=True)


def parse_rest_response(body: Dict[str, Any], output_names=None) -> Dict[str, np.ndarray]:
  """TF Serving REST response JSON -> {output: array}.

  Args:
    body: Parsed JSON response.
    output_names: Names to use when the response carries a single unnamed output.

  Raises:
    ServingError: If the body is an error response.
  """
  if "error" in body:
    raise ServingError(body["error"])
  if "outputs" in body:
    outputs = body["outputs"]
    if not isinstance(outputs, dict):
      outputs = {(output_names or ["output"])[0]: outputs}
    return {k: np.asarray(v) for k, v in outputs.items()}
  predictions = body["predictions"]
  if predictions and isinstance(predictions[0], dict):
    return {k: np.asarray([p[k] for p in predictions]) for k in predictions[0]}
  return {(output_names or ["output"])[0]: np.asarray(predictions)}


def grpc_request(signature: str, inputs: Dict[str, Any], model_name: str,
                 version: Optional[int] = None) -> predict_pb2.PredictRequest:
  """A gRPC PredictRequest for TF Serving's PredictionService."""
  return warmup.predict_request(model_name, signature,
                                {k: np.asarray(v) for k, v in inputs.items()}, version)


def parse_grpc_response(response: predict_pb2.PredictResponse) -> Dict[str, np.ndarray]:
  """PredictResponse -> {output: array}."""
  return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}


def images_to_uint8(images: np.ndarray) -> np.ndarray:
  """float images in [0, 1] (generate/sample output) -> uint8."""
  return np.clip(np.round(np.asarray(images, np.float32) * 255.0), 0, 255).astype(np.uint8)


class RestClient:
  """Minimal TF Serving REST client (urllib, no extra dependency).

  Args:
    url: Server root, e.g. http://localhost:8501.
    model_name: Served model name.
    version: Optional pinned version.
  """

  def __init__(self, url: str, model_name: str, version: Optional[int] = None,
               timeout: float = 30.0):
    self.url = url.rstrip("/")
    self.model_name = model_name
    self.version = version
    self.timeout = timeout

  @property
  def predict_url(self) -> str:
    v = f"/versions/{self.version}" if self.version is not None else ""
    return f"{self.url}/v1/models/{self.model_name}{v}:predict"

  def predict(self, signature: str, inputs: Dict[str, Any], fmt: str = COLUMNAR
              ) -> Dict[str, np.ndarray]:
    data = dumps(rest_request(signature, inputs, fmt)).encode()
    req = urllib.request.Request(self.predict_url, data=data,
                                 headers={"Content-Type": "application/json"})
    try:
      with urllib.request.urlopen(req, timeout=self.timeout) as resp:
        return parse_rest_response(json.loads(resp.read()))
    except urllib.error.HTTPError as e:
      raise ServingError(f"HTTP {e.code}: {e.read().decode(errors='replace')}") from e


class GrpcClient:
  """TF Serving gRPC client.

  Args:
    target: host:port of the gRPC endpoint, e.g. localhost:8500.
    model_name: Served model name.
    version: Optional pinned version.
  """

  def __init__(self, target: str, model_name: str, version: Optional[int] = None,
               timeout: float = 30.0):
    import grpc  # pylint: disable=g-import-not-at-top
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    self._grpc = grpc
    self.channel = grpc.insecure_channel(target)
    self.stub = prediction_service_pb2_grpc.PredictionServiceStub(self.channel)
    self.model_name = model_name
    self.version = version
    self.timeout = timeout

  def predict(self, signature: str, inputs: Dict[str, Any]) -> Dict[str, np.ndarray]:
    request = grpc_request(signature, inputs, self.model_name, self.version)
    try:
      return parse_grpc_response(self.stub.Predict(request, timeout=self.timeout))
    except self._grpc.RpcError as e:
      raise ServingError(f"{e.code().name}: {e.details()}") from e

  def close(self) -> None:
    self.channel.close()
