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
import html
import json
import re
import socket
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

from infogan_tf.serving import warmup

ROW = "row"
COLUMNAR = "columnar"


class ServingError(RuntimeError):
  """A call failed: an error answer (bad request, unknown signature, ...), no answer, or an
  answer that is not TF Serving's; the message is one line."""


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
  if not isinstance(body, dict):
    raise ServingError(f"unexpected response (not a JSON object): {str(body)[:200]}")
  if "error" in body:
    raise ServingError(body["error"])
  if "outputs" not in body and "predictions" not in body:
    raise ServingError(f"unexpected response without 'outputs' or 'predictions': "
                       f"{json.dumps(body)[:200]}")
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


# How a signature's refusal names its cap (`serving.budgets`), in its plain form ("generate takes
# at most 512 rows per request") and as TensorFlow prints an assertion's data ("[invert_with_
# settings takes at most] [18] [images per request ...").
_CAP = re.compile(r"takes at most\]? \[?(\d+)\]? \[?(?:rows|images) per request")


def request_cap(message: str) -> Optional[int]:
  """The cap a refusal names ("... takes at most N rows|images per request ..."), else None."""
  found = _CAP.search(message)
  return int(found.group(1)) if found else None


def predict_in_parts(predict: Callable[[str, Dict[str, Any]], Dict[str, np.ndarray]],
                     signature: str, inputs: Dict[str, Any],
                     refusal: type = None) -> Dict[str, np.ndarray]:
  """`predict(signature, inputs)`, sent in parts when the whole is over the signature's cap.

  The whole request is sent first; when the server refuses it for its size (its line names the
  cap), the rows are sent in parts of at most the cap and the answers concatenated. The rows
  are the `count` of sample / sample_with_codes, else every input batched along axis 0; part
  i > 0 uses `seed + i` (the same seed would draw the first part's noise again).

  Args:
    predict: A client's `predict` (RestClient, GrpcClient, or a SavedModel wrapper).
    signature: Signature name.
    inputs: {input name: value}.
    refusal: The exception `predict` raises for a refused request (default ServingError).

  Raises:
    ServingError (or `refusal`): A refusal that is not about the size, or a part's failure.
  """
  try:
    return predict(signature, inputs)
  except refusal or ServingError as e:
    cap = request_cap(str(e))
    if not cap:  # not a size refusal, or settings over the budget whatever the batch
      raise
  counted = "count" in inputs
  rows = (int(inputs["count"]) if counted
          else max(len(v) for v in inputs.values() if np.ndim(v) >= 1))
  parts = []
  for i, start in enumerate(range(0, rows, cap)):
    part = {}
    for name, value in inputs.items():
      if name == "count":
        part[name] = np.int32(min(cap, rows - start))
      elif name == "seed":
        part[name] = np.asarray(value).dtype.type(int(value) + i)
      elif not counted and np.ndim(value) >= 1:
        part[name] = value[start:start + cap]
      else:
        part[name] = value
    parts.append(predict(signature, part))
  return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def images_to_uint8(images: np.ndarray) -> np.ndarray:
  """float images in [0, 1] (generate/sample output) -> uint8."""
  return np.clip(np.round(np.asarray(images, np.float32) * 255.0), 0, 255).astype(np.uint8)


def _error_text(body: str) -> str:
  """A server's error body in one short line: TF Serving's JSON 'error', else the text of an
  HTML or plain page."""
  try:
    parsed = json.loads(body)
    if isinstance(parsed, dict) and "error" in parsed:
      return str(parsed["error"])
  except ValueError:
    pass
  text = html.unescape(re.sub(r"<[^>]*>", " ", body))
  return " ".join(text.split())[:200] or "(empty body)"


class RestClient:
  """Minimal TF Serving REST client (urllib, no extra dependency).

  Every failure is a ServingError with a one-line message: an error status (with the server's
  error text), a server that cannot be reached or does not answer within `timeout`, an answer
  that is not TF Serving's JSON (an HTML page: the wrong port or a proxy).

  Args:
    url: Server root, e.g. http://localhost:8501 (http:// or https://).
    model_name: Served model name.
    version: Optional pinned version.
    timeout: Seconds to wait for the answer.

  Raises:
    ValueError: If `url` does not start with http:// or https://.
  """

  def __init__(self, url: str, model_name: str, version: Optional[int] = None,
               timeout: float = 30.0):
    if not re.match(r"https?://", url):
      raise ValueError(f"a REST server is an http:// or https:// URL, got {url!r} "
                       f"(e.g. http://{url})")
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
    """Calls `signature` with `inputs`; returns {output: array}.

    Raises:
      ServingError: Any failure (see the class docstring).
    """
    url = self.predict_url
    data = dumps(rest_request(signature, inputs, fmt)).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
      with urllib.request.urlopen(req, timeout=self.timeout) as resp:
        raw, kind = resp.read(), resp.headers.get_content_type()
    except urllib.error.HTTPError as e:
      body = e.read().decode(errors="replace")
      raise ServingError(f"HTTP {e.code} {e.reason} from {url}: {_error_text(body)}") from e
    except urllib.error.URLError as e:
      if isinstance(e.reason, (socket.timeout, TimeoutError)):
        raise ServingError(f"no answer from {url} within {self.timeout:g} s") from e
      reason = getattr(e.reason, "strerror", None) or e.reason
      raise ServingError(f"cannot reach {url}: {reason} (is the server running, and is this "
                         "its REST port?)") from e
    except (socket.timeout, TimeoutError) as e:  # connected, then the answer did not come
      raise ServingError(f"no answer from {url} within {self.timeout:g} s") from e
    try:
      body = json.loads(raw)
    except ValueError as e:
      start = _error_text(raw.decode(errors="replace"))[:80]
      raise ServingError(f"{url} answered with {kind}, not TF Serving's JSON ({start!r}): is "
                         "it the REST port of tensorflow_model_server?") from e
    return parse_rest_response(body)


class GrpcClient:
  """TF Serving gRPC client.

  Args:
    target: host:port of the gRPC endpoint, e.g. localhost:8500.
    model_name: Served model name.
    version: Optional pinned version.
    timeout: Seconds to wait for the answer.

  Raises:
    ValueError: If `target` is a URL rather than host:port.
  """

  def __init__(self, target: str, model_name: str, version: Optional[int] = None,
               timeout: float = 30.0):
    import grpc  # pylint: disable=g-import-not-at-top
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    if "://" in target:
      raise ValueError(f"a gRPC server is host:port, got {target!r} (REST servers take "
                       "http:// URLs)")
    self._grpc = grpc
    self.target = target
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
      if e.code() == self._grpc.StatusCode.DEADLINE_EXCEEDED:
        raise ServingError(f"no answer from {self.target} within {self.timeout:g} s") from e
      details = " ".join(str(e.details()).split())[:300]
      raise ServingError(f"{e.code().name} from {self.target}: {details}") from e

  def close(self) -> None:
    self.channel.close()
