"""The client's REST JSON (TF Serving's row/columnar formats) and gRPC path, end to end against
loopback servers that answer from the exported SavedModel with TF Serving's semantics."""

import base64
import concurrent.futures
import http.server
import json
import re
import threading

import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from infogan_tf.serving import client
from tests import helpers, serving_standin


# ---- request/response formats ----------------------------------------------------------------

def test_row_format():
  body = client.rest_request("generate", {"noise": np.zeros([2, 3], np.float32),
                                          "categorical": np.array([[1], [2]], np.int32)})
  assert body == {"signature_name": "generate", "instances": [
      {"noise": [0.0, 0.0, 0.0], "categorical": [1]},
      {"noise": [0.0, 0.0, 0.0], "categorical": [2]}]}


def test_columnar_format_with_scalars_and_nan():
  body = client.rest_request("sample_with_codes", {
      "count": np.int32(2), "seed": np.int64(5), "continuous": np.array([0.5, np.nan])},
      client.COLUMNAR)
  assert body["inputs"]["count"] == 2 and body["inputs"]["seed"] == 5
  assert client.dumps(body).endswith('"continuous": [0.5, NaN]}}')


def test_binary_inputs_are_b64():
  body = client.rest_request("encode_image_bytes",
                             {"image_bytes": np.array([b"\x89PNG"], dtype=object)})
  assert body["instances"] == [{"image_bytes": {"b64": base64.b64encode(b"\x89PNG").decode()}}]


def test_row_format_refuses_scalars():
  with pytest.raises(ValueError, match="columnar"):
    client.rest_request("sample", {"count": np.int32(2), "seed": np.int64(1)})


def test_parse_rest_responses():
  rows = client.parse_rest_response({"predictions": [{"cat0": 1, "f": [0.5]},
                                                     {"cat0": 3, "f": [0.25]}]})
  np.testing.assert_array_equal(rows["cat0"], [1, 3])
  assert rows["f"].shape == (2, 1)
  cols = client.parse_rest_response({"outputs": {"images": [[[0.0]]]}})
  assert cols["images"].shape == (1, 1, 1)
  single = client.parse_rest_response({"predictions": [[1.0], [2.0]]}, ["images"])
  assert single["images"].shape == (2, 1)
  with pytest.raises(client.ServingError, match="bad"):
    client.parse_rest_response({"error": "bad input"})


def test_images_to_uint8():
  np.testing.assert_array_equal(client.images_to_uint8(np.array([0.0, 0.5, 1.0, 1.2])),
                                [0, 128, 255, 255])


# ---- loopback servers --------------------------------------------------------------------


class _SavedModelServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
  """Answers Predict like TF Serving: named inputs -> signature -> named outputs."""

  def __init__(self, path):
    self.model = tf.saved_model.load(path)

  def Predict(self, request, context):  # noqa: N802 (gRPC method name)
    name = request.model_spec.signature_name or "serving_default"
    if request.model_spec.name != "infogan" or name not in self.model.signatures:
      context.abort(grpc.StatusCode.NOT_FOUND, f"no model/signature {name}")
    try:
      inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
      outputs = self.model.signatures[name](**inputs)
    except (tf.errors.InvalidArgumentError, TypeError, ValueError) as e:
      context.abort(grpc.StatusCode.INVALID_ARGUMENT, serving_standin.error_text(e))
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for k, v in outputs.items():
      response.outputs[k].CopyFrom(tf.make_tensor_proto(v.numpy()))
    return response


@pytest.fixture(scope="module")
def grpc_target(exported):
  server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
  prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
      _SavedModelServicer(exported.path), server)
  port = server.add_insecure_port("127.0.0.1:0")
  server.start()
  yield f"127.0.0.1:{port}"
  server.stop(0)


def test_grpc_sample_and_encode(grpc_target, exported):
  c = client.GrpcClient(grpc_target, "infogan")
  try:
    out = c.predict("sample", {"count": np.int32(3), "seed": np.int64(2)})
    assert out["images"].shape == (3, 28, 28, 1) and out["images"].dtype == np.float32
    local = tf.saved_model.load(exported.path).signatures["sample"](
        count=tf.constant(3), seed=tf.constant(2, tf.int64))
    np.testing.assert_allclose(out["images"], local["images"].numpy())
    enc = c.predict("encode", {"images": out["images"]})
    assert enc["cat0"].shape == (3,) and enc["cat0_probs"].shape == (3, 4)
    gen = c.predict("generate", {"noise": out["noise"], "categorical": out["categorical"],
                                 "continuous": out["continuous"]})
    helpers.assert_same_network_output(gen["images"], out["images"])
  finally:
    c.close()


def test_grpc_bad_requests_are_errors(grpc_target):
  c = client.GrpcClient(grpc_target, "infogan")
  try:
    with pytest.raises(client.ServingError, match="INVALID_ARGUMENT.*in \\[0, 4\\)"):
      c.predict("generate", {"noise": np.zeros([1, 8], np.float32),
                             "categorical": np.array([[9]], np.int32),
                             "continuous": np.zeros([1, 2], np.float32)})
    with pytest.raises(client.ServingError, match="INVALID_ARGUMENT"):
      c.predict("encode", {"images": np.zeros([1, 30, 30, 1], np.float32)})
    with pytest.raises(client.ServingError, match="INVALID_ARGUMENT"):
      c.predict("encode", {"images": np.zeros([1, 28, 28, 1], np.int64)})
  finally:
    c.close()


@pytest.fixture(scope="module")
def rest_url(exported):
  with serving_standin.rest_server(exported.path) as url:
    yield url


def test_rest_round_trip_in_both_formats(rest_url):
  c = client.RestClient(rest_url, "infogan")
  assert c.predict_url.endswith("/v1/models/infogan:predict")
  out = c.predict("sample", {"count": np.int32(2), "seed": np.int64(9)}, client.COLUMNAR)
  assert out["images"].shape == (2, 28, 28, 1)
  rows = c.predict("encode", {"images": out["images"]}, client.ROW)
  cols = c.predict("encode", {"images": out["images"]}, client.COLUMNAR)
  np.testing.assert_allclose(rows["cat0_probs"], cols["cat0_probs"], atol=1e-6)
  png = tf.io.encode_png(client.images_to_uint8(out["images"][0])).numpy()
  by_bytes = c.predict("encode_image_bytes", {"image_bytes": np.array([png], dtype=object)},
                       client.ROW)
  assert by_bytes["cat0"].shape == (1,)
  fixed = c.predict("sample_with_codes", {"count": np.int32(2), "seed": np.int64(0),
                                          "categorical": np.array([3], np.int32),
                                          "continuous": np.array([np.nan, 0.0], np.float32)},
                    client.COLUMNAR)
  assert np.all(fixed["categorical"] == 3)


def test_rest_bad_request_is_an_error(rest_url):
  c = client.RestClient(rest_url, "infogan")
  with pytest.raises(client.ServingError, match="HTTP 400.*in \\[0, 4\\)"):
    c.predict("generate", {"noise": np.zeros([1, 8], np.float32),
                           "categorical": np.array([[4]], np.int32),
                           "continuous": np.zeros([1, 2], np.float32)}, client.ROW)


def test_client_cli_against_grpc_server(grpc_target, tmp_path):
  import os
  import subprocess
  import sys
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  out = tmp_path / "samples.png"
  proc = subprocess.run([sys.executable, "-m", "export.client_main", f"--server={grpc_target}",
                         "--signature=sample", "--count=4", "--seed=1", f"--out={out}"],
                        cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr
  grid = tf.io.decode_png(out.read_bytes()).numpy()
  assert grid.shape == (2 * 29 + 1, 2 * 29 + 1, 1)
  assert json.loads(proc.stdout.splitlines()[-1])["categorical"]


def test_client_cli_invert_against_grpc_server(grpc_target, exported, tmp_path):
  import os
  import subprocess
  import sys
  model = tf.saved_model.load(exported.path)
  images = model.signatures["sample"](count=tf.constant(2), seed=tf.constant(4, tf.int64))
  paths = []
  for i, image in enumerate(client.images_to_uint8(images["images"].numpy())):
    paths.append(tmp_path / f"{i}.png")
    paths[-1].write_bytes(tf.io.encode_png(image).numpy())
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  out = tmp_path / "inverted.png"
  proc = subprocess.run([sys.executable, "-m", "export.client_main", f"--server={grpc_target}",
                         "--signature=invert", f"--images={paths[0]},{paths[1]}", "--steps=5",
                         "--restarts=2", f"--out={out}"],
                        cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr
  grid = tf.io.decode_png(out.read_bytes()).numpy()
  assert grid.shape == (2 * 29 + 1, 2 * 29 + 1, 1)  # the images above their reconstructions
  answer = json.loads(proc.stdout.splitlines()[-1])
  # The same call in-process: the CLI asked invert_with_settings for the pixels the server
  # decoded from the files.
  decoded = model.signatures["encode_image_bytes"](
      image_bytes=tf.constant([p.read_bytes() for p in paths]))["images"]
  local = model.signatures["invert_with_settings"](
      images=decoded, steps=tf.constant(5), restarts=tf.constant(2),
      seed=tf.constant(0, tf.int64))
  np.testing.assert_allclose(answer["error"], local["error"].numpy(), rtol=1e-5, atol=1e-7)
  assert np.array(answer["categorical"]).shape == (2, 1) and len(answer["noise"][0]) == 8


@pytest.mark.slow
def test_client_cli_generate_class_request():
  import os
  import subprocess
  import sys
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  run = lambda *a: subprocess.run([sys.executable, "-m", "export.client_main", *a],
                                  cwd=helpers.ROOT, env=env, capture_output=True, text=True,
                                  timeout=300)
  proc = run("--signature=generate_class", "--classes=1,2", "--seed=5", "--print_request")
  assert proc.returncode == 0, proc.stderr
  body = json.loads(proc.stdout)
  assert body == {"signature_name": "generate_class", "inputs": {"classes": [1, 2], "seed": 5}}
  bad = run("--signature=generate_class", "--classes=a", "--print_request")
  assert bad.returncode != 0 and "--classes must be integers" in bad.stderr


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
  """A web server that is not TF Serving: an HTML page for POST; GET-only paths 501."""

  def log_message(self, *args):
    pass

  def do_POST(self):  # noqa: N802
    if "501" in self.path:
      return self.send_error(501, "Unsupported method ('POST')")
    data = b"<html><body><h1>Welcome</h1></body></html>"
    self.send_response(200)
    self.send_header("Content-Type", "text/html")
    self.send_header("Content-Length", str(len(data)))
    self.end_headers()
    self.wfile.write(data)


@pytest.fixture(scope="module")
def odd_servers():
  """(an HTML server's URL, a silent server's URL, a closed port's URL)."""
  import socket  # pylint: disable=g-import-not-at-top
  html_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
  threading.Thread(target=html_server.serve_forever, daemon=True).start()
  silent = socket.socket()
  silent.bind(("127.0.0.1", 0))
  silent.listen(8)  # accepts connections, never answers
  closed = socket.socket()
  closed.bind(("127.0.0.1", 0))
  closed_port = closed.getsockname()[1]
  closed.close()
  yield (f"http://127.0.0.1:{html_server.server_address[1]}",
         f"http://127.0.0.1:{silent.getsockname()[1]}", f"http://127.0.0.1:{closed_port}")
  html_server.shutdown()
  silent.close()


@pytest.mark.parametrize("case, code, message", [
    ("missing image file", 2,
     r"cannot read --images file .*/nothing\.png: No such file or directory"),
    ("invert without images", 2, r"--images is required for invert"),
    ("steps without invert", 2, r"--steps and --restarts are for --signature=invert"),
    ("invert body", 2, r"--print_request cannot show invert's body"),
    ("rest without http://", 2, r"--server: a REST server is an http:// or https:// URL, got "
     r"'127\.0\.0\.1:8501' \(e\.g\. http://127\.0\.0\.1:8501\) \(--protocol=rest\)"),
    ("grpc with http://", 2, r"--server: a gRPC server is host:port"),
    ("html answer", 1, r"answered with text/html, not TF Serving's JSON \('Welcome'\): is it "
     r"the REST port"),
    ("501", 1, r"HTTP 501 .* from http://.*:predict: .*Unsupported method \('POST'\)"),
    ("silent server", 1, r"no answer from .* within 0\.5 s"),
    ("nothing listening", 1, r"cannot reach http://.*:predict: Connection refused \(is the "
     r"server running"),
    ("endless image file", 2, r"--images file /dev/zero is over 1048576 bytes"),
    ("trailing comma", 2, r"--images has an empty name \('a\.png,'\): a comma at the start, "
     "the end or twice"),
])
def test_client_cli_failures_are_one_line(odd_servers, tmp_path, capsys, case, code, message):
  from absl import flags  # pylint: disable=g-import-not-at-top
  from export import client_main  # pylint: disable=g-import-not-at-top
  html_url, silent_url, closed_url = odd_servers
  rest = ["--protocol=rest", "--signature=sample", "--count=2"]
  argv = {
      "missing image file": ["--signature=encode_image_bytes",
                             f"--images={tmp_path}/nothing.png"],
      "invert without images": ["--signature=invert"],
      "steps without invert": ["--signature=sample", "--steps=3"],
      "invert body": ["--signature=invert", f"--images={__file__}", "--print_request"],
      "rest without http://": ["--server=127.0.0.1:8501", *rest],
      "grpc with http://": ["--server=http://127.0.0.1:8500", "--signature=sample"],
      "html answer": [f"--server={html_url}", *rest],
      "501": [f"--server={html_url}", "--model_name=501", *rest],
      "silent server": [f"--server={silent_url}", "--timeout=0.5", *rest],
      "nothing listening": [f"--server={closed_url}", *rest],
      "endless image file": ["--signature=encode_image_bytes", "--images=/dev/zero"],
      "trailing comma": ["--signature=encode_image_bytes", "--images=a.png,"],
  }[case]
  fv = flags.FlagValues()
  client_main.define_flags(fv)
  fv(["client_main", *argv])
  assert client_main.run(fv) == code
  err = capsys.readouterr().err.strip()
  assert len(err.splitlines()) == 1 and err.startswith("export.client_main: "), err
  assert re.search(message, err), err


def test_client_cli_flag_errors_are_one_line_and_exit_2():
  """absl's own parser printed two lines and exited 1 (the docs say 2); --count=5000000000 was
  "internal error (OverflowError)"."""
  import os  # pylint: disable=g-import-not-at-top
  import subprocess  # pylint: disable=g-import-not-at-top
  import sys  # pylint: disable=g-import-not-at-top
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  for argv, message in [
      (["--bogus=1"], "Unknown command line flag 'bogus'"),
      (["--count=5e9"], "flag --count=5e9: invalid literal for int()"),
      (["--count=5000000000"], "5000000000 is not an integer in the range [1, 2147483647]"),
      (["--count=0"], "0 is not an integer in the range [1, 2147483647]"),
  ]:
    proc = subprocess.run([sys.executable, "-m", "export.client_main", *argv, "--print_request"],
                          cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("export.client_main: usage error: "), lines
    assert message in lines[0], lines


def test_an_endless_images_file_is_refused_without_reading_it(tmp_path):
  """/dev/zero was read without limit (3 GB in 10 s): now one byte past the server's limit."""
  from absl import flags  # pylint: disable=g-import-not-at-top
  from export import client_main  # pylint: disable=g-import-not-at-top
  fv = flags.FlagValues()
  client_main.define_flags(fv)
  fv(["client_main", "--signature=encode_image_bytes", "--images=/dev/zero"])
  with helpers.peak_memory_growth() as grown:
    assert client_main.run(fv) == 2
  assert grown["mib"] < 8, grown


def test_predict_in_parts_splits_a_job_over_the_cap(grpc_target, exported):
  """600 samples: the server refuses count 600 (its cap is 512), so the client sends 512 with
  the seed and 88 with seed + 1; the same as those two calls in-process."""
  c = client.GrpcClient(grpc_target, "infogan")
  try:
    with pytest.raises(client.ServingError, match="at most 512 rows per request"):
      c.predict("sample", {"count": np.int32(600), "seed": np.int64(3)})
    out = client.predict_in_parts(c.predict, "sample", {"count": np.int32(600),
                                                        "seed": np.int64(3)})
    sample = tf.saved_model.load(exported.path).signatures["sample"]
    first = sample(count=tf.constant(512), seed=tf.constant(3, tf.int64))
    second = sample(count=tf.constant(88), seed=tf.constant(4, tf.int64))
    assert out["images"].shape == (600, 28, 28, 1)
    np.testing.assert_array_equal(out["noise"], np.concatenate([first["noise"], second["noise"]]))
    # 40 images at the default inversion: the cap (16) names itself, three requests.
    images = out["images"][:40]
    inverted = client.predict_in_parts(c.predict, "invert", {"images": images})
    assert inverted["error"].shape == (40,)
    # A refusal that is not about the size is raised as it is.
    with pytest.raises(client.ServingError, match="count must be >= 1"):
      client.predict_in_parts(c.predict, "sample", {"count": np.int32(0), "seed": np.int64(0)})
  finally:
    c.close()


def test_request_cap_reads_both_forms_of_the_refusal():
  assert client.request_cap("generate takes at most 512 rows per request (its work") == 512
  assert client.request_cap("assertion failed: [invert_with_settings takes at most] [18] "
                            "[images per request at these steps") == 18
  assert client.request_cap("count must be >= 1") is None
