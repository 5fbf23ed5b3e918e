"""A loopback stand-in for TF Serving's REST predict API (tensorflow_model_server cannot be
installed here): it answers POST /v1/models/<name>:predict from an exported SavedModel with TF
Serving's JSON formats (row and columnar, {"b64": ...} for bytes) and its error shape
({"error": ...} with status 400 for a request the signature refuses)."""

import base64
import contextlib
import http.server
import json
import threading

import tensorflow as tf


def error_text(e):
  """The informative line of a TF error (TF Serving reports the assertion message too)."""
  lines = [line.strip() for line in str(e).splitlines() if line.strip()]
  hits = [line for line in lines if "assertion failed" in line or "incompatible" in
          line.lower() or "must decode" in line or "Unknown image" in line]
  return (hits or lines or [type(e).__name__])[0][:500]


def _tensor_from_json(value, spec):
  """TF Serving's JSON -> tensor rules: {"b64": ...} is bytes; numbers take the spec dtype."""
  def unb64(v):
    if isinstance(v, dict) and "b64" in v:
      return base64.b64decode(v["b64"])
    if isinstance(v, list):
      return [unb64(x) for x in v]
    return v
  return tf.constant(unb64(value), dtype=spec.dtype)


class _RestHandler(http.server.BaseHTTPRequestHandler):
  model = None
  model_name = "infogan"

  def log_message(self, *args):  # keep test output clean
    pass

  def do_POST(self):  # noqa: N802
    prefix = f"/v1/models/{self.model_name}"
    if not self.path.startswith(prefix) or not self.path.endswith(":predict"):
      return self._reply(404, {"error": f"unknown path {self.path}"})
    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
    name = body.get("signature_name", "serving_default")
    if name not in self.model.signatures:
      return self._reply(400, {"error": f"Serving signature name: \"{name}\" not found"})
    fn = self.model.signatures[name]
    specs = fn.structured_input_signature[1]
    try:
      if "instances" in body:
        cols = {k: [row[k] for row in body["instances"]] for k in body["instances"][0]}
      else:
        cols = body["inputs"]
      outputs = fn(**{k: _tensor_from_json(v, specs[k]) for k, v in cols.items()})
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as e:
      return self._reply(400, {"error": error_text(e)})
    outputs = {k: v.numpy().tolist() for k, v in outputs.items()}
    if "instances" in body:
      n = len(body["instances"])
      return self._reply(200, {"predictions": [{k: v[i] for k, v in outputs.items()}
                                               for i in range(n)]})
    return self._reply(200, {"outputs": outputs})

  def _reply(self, code, payload):
    data = json.dumps(payload).encode()
    self.send_response(code)
    self.send_header("Content-Type", "application/json")
    self.send_header("Content-Length", str(len(data)))
    self.end_headers()
    self.wfile.write(data)


class RestStandIn:
  """The stand-in on a free loopback port: `url` (http://127.0.0.1:N) and `stop()` (the port
  closes; later calls then find no server). Also a context manager that stops on exit."""

  def __init__(self, saved_model_path, model_name="infogan"):
    handler = type("Handler", (_RestHandler,), {
        "model": tf.saved_model.load(saved_model_path), "model_name": model_name})
    self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    self._server.daemon_threads = True
    self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
    threading.Thread(target=self._server.serve_forever, daemon=True).start()
    self._stopped = False

  def stop(self):
    if not self._stopped:
      self._stopped = True
      self._server.shutdown()
      self._server.server_close()

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.stop()


@contextlib.contextmanager
def rest_server(saved_model_path, model_name="infogan"):
  """Serves the SavedModel on a free loopback port; yields its root URL."""
  with RestStandIn(saved_model_path, model_name) as server:
    yield server.url
