"""The explorer (`python -m export.explore`): its API over an export loaded here and over TF
Serving's REST API (the loopback stand-in), its refusals, its command line, and the page in a
real browser (Debian's chromium, headless, through selenium; skipped with the reason where no
browser is installed)."""

import base64
import contextlib
import dataclasses
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig
from infogan_tf import explorer
from infogan_tf.explorer import app as app_lib
from infogan_tf.explorer import backends, server as server_lib
from infogan_tf.serving import exporter
from tests import helpers, serving_standin


@contextlib.contextmanager
def serve(app, limits=server_lib.Limits()):
  """The explorer's server on a free loopback port, in a thread; yields its root URL."""
  httpd = server_lib.make_server(app, "127.0.0.1", 0, limits=limits)
  thread = threading.Thread(target=httpd.serve_forever, daemon=True)
  thread.start()
  try:
    yield httpd.url.rstrip("/")
  finally:
    httpd.shutdown()
    httpd.server_close()


def call(url, method, path, body=None, headers=None, timeout=30):
  """(status, parsed JSON) of one request; a dict or list body is sent as application/json."""
  host, port = url.split("//")[1].split(":")
  conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
  headers = dict(headers or {})
  if isinstance(body, (dict, list)):  # as the page sends JSON
    body = json.dumps(body).encode()
    headers.setdefault("Content-Type", "application/json")
  conn.request(method, path, body=body, headers=headers)
  response = conn.getresponse()
  payload = response.read()
  conn.close()
  return response.status, json.loads(payload)


def png_bytes(image):
  """uint8 [H, W, C] -> PNG file bytes."""
  return tf.io.encode_png(image).numpy()


def decode_data_url(url):
  assert url.startswith("data:image/png;base64,")
  return tf.io.decode_png(base64.b64decode(url.split(",", 1)[1])).numpy()  # [H, W, C]


@pytest.fixture(scope="module")
def local(exported):
  app = explorer.Explorer(explorer.LocalBackend(exported.path))
  with serve(app) as url:
    yield app, url


@pytest.fixture(scope="module")
def signatures(exported):
  return tf.saved_model.load(exported.path).signatures


# ---- the API over an export loaded here ---------------------------------------------------

def test_info_describes_the_model(local):
  _, url = local
  status, info = call(url, "GET", "/api/info")
  assert status == 200
  assert info["image_shape"] == [28, 28, 1] and info["noise_dim"] == 8
  assert info["categorical"] == [4] and info["continuous"] == 2
  assert info["category_names"] == [None] and info["slider_range"] == 2.0


def test_grid_follows_the_codes(local, signatures):
  _, url = local
  body = {"seed": 5, "count": 16, "categorical": [2], "continuous": [0.5, -1.0]}
  status, out = call(url, "POST", "/api/grid", body)
  assert status == 200 and len(out["images"]) == 16 and out["ms"] > 0
  images = np.stack([decode_data_url(u) for u in out["images"]])  # [16, 28, 28, 1]
  want = signatures["sample_with_codes"](
      count=tf.constant(16), seed=tf.constant(5, tf.int64), categorical=tf.constant([2]),
      continuous=tf.constant([0.5, -1.0]))["images"].numpy()
  # The page's pixels are the signature's, rounded to uint8 (same inputs, same graph).
  np.testing.assert_array_equal(images, np.round(np.clip(want, 0, 1) * 255).astype(np.uint8))
  assert call(url, "POST", "/api/grid", body)[1]["images"] == out["images"]  # seeded
  moved = call(url, "POST", "/api/grid", {**body, "continuous": [1.5, -1.0]})[1]
  assert moved["images"] != out["images"]


def test_traversal_is_a_row_per_category_and_a_column_per_value(local):
  _, url = local
  status, out = call(url, "POST", "/api/traversal", {"cat": 0, "cont": 1, "steps": 5,
                                                     "seed": 3})
  assert status == 200
  assert out["row_names"] == ["0", "1", "2", "3"]
  assert out["values"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
  assert [len(r) for r in out["rows"]] == [5] * 4
  row = [decode_data_url(u) for u in out["rows"][1]]
  assert row[0].shape == (28, 28, 1) and not np.array_equal(row[0], row[-1])


def test_encode_gives_qs_codes_and_the_image_back(local, signatures):
  _, url = local
  drawn = signatures["sample"](count=tf.constant(1), seed=tf.constant(4, tf.int64))
  data = png_bytes(np.round(drawn["images"].numpy()[0] * 255).astype(np.uint8))
  status, out = call(url, "POST", "/api/encode?seed=4", data, {"Content-Type": "image/png"})
  assert status == 200
  want = signatures["encode_image_bytes"](image_bytes=tf.constant([data]))
  np.testing.assert_array_equal(np.float32(out["categorical"][0]["probs"]),
                                want["cat0_probs"].numpy()[0])
  assert out["categorical"][0]["argmax"] == int(want["cat0"][0])
  np.testing.assert_array_equal(np.float32(out["continuous"]),
                                want["continuous_mean"].numpy()[0])
  assert decode_data_url(out["generated"]).shape == (28, 28, 1)


def test_encode_inverts_the_image_and_edit_regenerates_with_its_own_noise(local, signatures):
  """The upload's inversion (the `invert` signature) comes with its codes; /api/edit is G's
  image of that noise with one code changed, as `generate` draws it."""
  _, url = local
  drawn = signatures["sample"](count=tf.constant(1), seed=tf.constant(6, tf.int64))
  data = png_bytes(np.round(drawn["images"].numpy()[0] * 255).astype(np.uint8))
  status, out = call(url, "POST", "/api/encode", data, {"Content-Type": "image/png"})
  assert status == 200
  found = out["edit"]
  assert len(found["noise"]) == 8 and len(found["categorical"]) == 1
  assert len(found["continuous"]) == 2 and 0.0 <= found["error"] < 1.0
  assert decode_data_url(found["image"]).shape == (28, 28, 1)
  changed = {"noise": found["noise"], "categorical": [(found["categorical"][0] + 1) % 4],
             "continuous": found["continuous"]}
  status, edited = call(url, "POST", "/api/edit", changed, JSON)
  assert status == 200
  want = signatures["generate"](noise=tf.constant([found["noise"]], tf.float32),
                                categorical=tf.constant([changed["categorical"]], tf.int32),
                                continuous=tf.constant([found["continuous"]], tf.float32))
  np.testing.assert_array_equal(decode_data_url(edited["image"]),
                                np.round(want["images"].numpy()[0] * 255).astype(np.uint8))
  for body, message in [({**changed, "noise": found["noise"][:3]}, "'noise' must be a list of 8"),
                        ({**changed, "noise": [1e9] * 8}, r"noise 0 must be a number in")]:
    status, refused = call(url, "POST", "/api/edit", body, JSON)
    assert status == 400 and re.search(message, refused["error"]), refused


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("method, path, body, headers, status, message", [
    ("POST", "/api/grid", b"{not json", JSON, 400, "not JSON"),
    ("POST", "/api/grid", [1, 2], {}, 400, "a JSON object"),
    ("POST", "/api/grid", {"categorical": [4], "continuous": [0, 0]}, {}, 400,
     r"categorical code 0 must be an integer in \[0, 4\), got 4"),
    ("POST", "/api/grid", {"categorical": [1], "continuous": [0]}, {}, 400,
     "'continuous' must be a list of 2 values"),
    ("POST", "/api/grid", b'{"categorical": [1], "continuous": [NaN, 0]}', JSON, 400,
     "continuous code 0 must be a number"),
    ("POST", "/api/grid", {"categorical": [1], "continuous": [0, 0], "count": 1000}, {}, 400,
     r"'count' must be an integer in \[1, 64\]"),
    ("POST", "/api/traversal", {"cat": 0, "cont": 5}, {}, 400, r"'cont' must be an integer"),
    ("POST", "/api/nothing", {}, {}, 404, "no API at /api/nothing"),
    ("GET", "/static/../server.py", None, {}, 404, r"no file \.\./server\.py"),
    ("GET", "/static/app.py", None, {}, 404, "no file app.py"),
    ("POST", "/api/encode", b"hello", {"Content-Type": "text/plain"}, 415,
     "the upload is 'text/plain', not an image"),
    ("POST", "/api/encode", b"hello", {"Content-Type": "image/png"}, 400,
     "^not a PNG, JPEG, GIF or BMP file$"),
    ("POST", "/api/encode", b"", {"Content-Type": "image/png"}, 400, "the upload is empty"),
    ("POST", "/api/encode?seed=-3", b"x", {"Content-Type": "image/png"}, 400,
     r"'seed' must be an integer in \[0, "),
])
def test_bad_requests_get_a_status_and_one_line(local, method, path, body, headers, status,
                                                message):
  _, url = local
  got, out = call(url, method, path, body, headers)
  assert got == status, out
  assert set(out) == {"error"} and "\n" not in out["error"]
  assert re.search(message, out["error"]), out["error"]


def test_wrong_sized_image_is_named_in_the_page_s_words(local):
  _, url = local
  data = png_bytes(np.zeros([48, 64, 1], np.uint8))
  status, out = call(url, "POST", "/api/encode", data, {"Content-Type": "image/png"})
  assert status == 400
  assert out["error"] == ("the model takes 28x28 images; this one is 64 wide and 48 high "
                          "(resize it first)")


def test_an_oversized_upload_is_refused_before_it_is_read(local):
  """Only the headers are sent: an answer at all shows the body was never waited for."""
  _, url = local
  port = int(url.rsplit(":", 1)[1])
  with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall(b"POST /api/encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
              b"Content-Length: 50000000\r\n\r\n")
    answer = b""
    while chunk := s.recv(65536):  # the server closes the connection after an error
      answer += chunk
    answer = answer.decode()
  assert answer.startswith("HTTP/1.1 413"), answer
  assert "an upload of 50000000 bytes is over the limit of 1048576 bytes" in answer
  with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall(b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\n\r\n")
    assert s.recv(65536).decode().startswith("HTTP/1.1 411")


def _ss_export(tmp_path):
  """An untrained ss-InfoGAN export whose code 0 is tied to the class label, with names."""
  config = helpers.with_parts(
      helpers.tiny_config(), semi_supervised=dict(codes=(0,), label_columns=("label",),
                                                  labels_per_class=2))
  names = ["circle", "square", "triangle", "star"]
  return exporter.write_saved_model(ig.InfoGAN(config), str(tmp_path / "ss"),
                                    class_names={"label": names}).path, names


@pytest.mark.slow
def test_ss_models_name_their_categories_and_classes(tmp_path):
  path, names = _ss_export(tmp_path)
  app = explorer.Explorer(explorer.LocalBackend(os.path.dirname(path)))  # DIR: its newest
  assert app.model.category_names == (tuple(names),)
  assert app.model.class_outputs == ("class",)
  out = app.encode(png_bytes(np.zeros([28, 28, 1], np.uint8)))
  assert out["categorical"][0]["names"] == names
  assert out["categorical"][0]["class"] in names
  assert app.traversal({"cat": 0, "cont": 0, "steps": 2})["row_names"] == names


@pytest.mark.slow
@pytest.mark.parametrize("categorical, continuous", [((), 3), ((4,), 0)])
def test_a_model_without_one_kind_of_code(tmp_path, categorical, continuous):
  """The signatures leave out the inputs of a code part the model lacks: so does the page."""
  config = helpers.with_parts(helpers.tiny_config(),
                              latent=dict(categorical=categorical, continuous=continuous))
  path = exporter.write_saved_model(ig.InfoGAN(config), str(tmp_path)).path
  app = explorer.Explorer(explorer.LocalBackend(path))
  assert app.model.categorical == categorical and app.model.continuous == continuous
  grid = app.grid({"categorical": [0] * len(categorical), "continuous": [0.5] * continuous})
  assert len(grid["images"]) == 16
  out = app.encode(png_bytes(np.zeros([28, 28, 1], np.uint8)))
  assert len(out["categorical"]) == len(categorical) and len(out["continuous"]) == continuous
  with pytest.raises(explorer.ExplorerError, match="needs a categorical and a continuous"):
    app.traversal({"cat": 0, "cont": 0})


def test_a_folder_that_is_not_an_export_is_one_line(tmp_path):
  with pytest.raises(explorer.ModelDirError, match="holds no saved_model.pb"):
    explorer.LocalBackend(str(tmp_path))
  with pytest.raises(explorer.ModelDirError, match="does not exist"):
    explorer.LocalBackend(str(tmp_path / "missing"))
  tf.saved_model.save(tf.Module(), str(tmp_path / "other" / "1"))
  with pytest.raises(explorer.ModelDirError, match="not an infogan_tf export"):
    explorer.LocalBackend(str(tmp_path / "other"))


# ---- the API over TF Serving's REST API ---------------------------------------------------

def test_over_tf_serving_the_page_gets_the_same_answers(local, exported):
  local_app, _ = local
  with serving_standin.rest_server(exported.path) as rest:
    remote = explorer.Explorer(explorer.ServingBackend(rest, "infogan"))
    assert remote.model == dataclasses.replace(local_app.model, source=remote.model.source)
    body = {"seed": 2, "count": 8, "categorical": [1], "continuous": [0.3, 0.2]}
    assert remote.grid(body)["images"] == local_app.grid(body)["images"]
    data = png_bytes(np.full([28, 28, 1], 90, np.uint8))
    assert (remote.encode(data)["categorical"][0]["argmax"]
            == local_app.encode(data)["categorical"][0]["argmax"])
    with pytest.raises(app_lib.ExplorerError, match="must decode to 28x28|takes 28x28"):
      remote.encode(png_bytes(np.zeros([30, 30, 1], np.uint8)))
  # The endpoint is gone now: the page's next request is answered 502 in one line.
  with serve(remote) as url:
    status, out = call(url, "POST", "/api/grid", body)
  assert status == 502 and out["error"].startswith("cannot reach http://127.0.0.1:")


def test_a_tf_serving_endpoint_that_is_down_is_one_line():
  with socket.socket() as s:  # a port nobody listens on
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
  with pytest.raises(explorer.BackendError, match="cannot reach") as e:
    explorer.Explorer(explorer.ServingBackend(f"http://127.0.0.1:{port}", "infogan"))
  assert e.value.status == 502


# ---- the command line ---------------------------------------------------------------------

# `python -m export.explore` with Ctrl-C's default Python handler, even when these tests run
# with SIGINT ignored (a background job of a non-interactive shell, e.g. `nohup ... &`, ignores
# it, its children inherit that, and Python then installs no KeyboardInterrupt handler).
_EXPLORE_WITH_CTRL_C = ("import runpy, signal; "
                        "signal.signal(signal.SIGINT, signal.default_int_handler); "
                        "runpy.run_module('export.explore', run_name='__main__', alter_sys=True)")


def _cli(*args):
  env = {**os.environ, "PYTHONPATH": helpers.ROOT}
  return subprocess.Popen([sys.executable, "-c", _EXPLORE_WITH_CTRL_C, *args], cwd=helpers.ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _communicate_or_dump(proc, timeout):
  """proc.communicate(timeout=timeout); if it does not end, the failure shows where its threads
  are (absl's app.run turns on faulthandler, which prints them on SIGABRT)."""
  try:
    return proc.communicate(timeout=timeout)
  except subprocess.TimeoutExpired:
    proc.send_signal(signal.SIGABRT)
    _, err = proc.communicate()
    stacks = err.split("\nExtension modules:")[0]  # faulthandler then lists every C module
    pytest.fail(f"still running {timeout} s after Ctrl-C; its threads:\n{stacks[-8000:]}")


def test_cli_serves_prints_its_url_and_stops_on_ctrl_c(exported, tmp_path):
  busy = socket.socket()
  busy.bind(("127.0.0.1", 0))
  busy.listen()
  dead = socket.socket()
  dead.bind(("127.0.0.1", 0))
  # Four processes at once (each pays TensorFlow's import): one serving, three failing; none
  # relies on the default port being free on the machine running the tests.
  proc = _cli(f"--model_dir={exported.path}", "--port=0")
  failing = {
      "not an export": (_cli(f"--model_dir={tmp_path}", "--port=0"), 2,
                        f"export.explore: {tmp_path} holds no saved_model.pb"),
      "port in use": (_cli(f"--model_dir={exported.path}",
                           f"--port={busy.getsockname()[1]}"), 1,
                      f"export.explore: port {busy.getsockname()[1]} on 127.0.0.1 is in use"),
      "serving down": (_cli(f"--server=http://127.0.0.1:{dead.getsockname()[1]}", "--port=0"), 1,
                       "export.explore: cannot reach"),
  }
  try:
    line = proc.stdout.readline()
    assert line.startswith("export.explore: serving export ") and "(Ctrl-C stops)" in line
    url = line.split(" at ")[1].split()[0].rstrip("/")
    status, info = call(url, "GET", "/api/info")
    assert status == 200 and info["categorical"] == [4]
    proc.send_signal(signal.SIGINT)
    out, err = _communicate_or_dump(proc, 60)
    assert proc.returncode == 0 and "export.explore: stopped" in out
    assert "Traceback" not in err
    for name, (p, code, start) in failing.items():
      out, err = p.communicate(timeout=120)
      lines = [line for line in err.splitlines() if line.strip()]
      assert p.returncode == code, (name, err)
      assert len(lines) == 1 and lines[0].startswith(start), (name, err)
  finally:
    for p in [proc] + [p for p, _, _ in failing.values()]:
      if p.poll() is None:
        p.kill()
    busy.close()
    dead.close()


# ---- the page in a real browser -----------------------------------------------------------

def _browser_or_skip():
  try:
    from selenium import webdriver  # pylint: disable=g-import-not-at-top
    from selenium.webdriver.chrome.service import Service  # pylint: disable=g-import-not-at-top
  except ImportError:
    pytest.skip("selenium is not installed (bash scripts/setup.sh --test installs it)")
  binary = shutil.which("chromium") or shutil.which("chromium-browser")
  driver = shutil.which("chromedriver")
  if not binary or not driver:
    pytest.skip("no chromium/chromedriver (Debian: apt-get install chromium chromium-driver; "
                "scripts/setup.sh --test does it as root)")
  options = webdriver.ChromeOptions()
  options.binary_location = binary
  for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-sync",
              "--disable-component-update", "--window-size=1200,1300"):
    options.add_argument(arg)
  return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture(scope="module")
def browser():
  driver = _browser_or_skip()
  yield driver
  driver.quit()


class _Slow(backends.Backend):
  """The export's backend, each grid call made 0.3 s slower and counted: with a slider moved
  ten times in quick succession, a queue would make ten calls, superseding makes two or three."""

  def __init__(self, inner):
    self.inner, self.source, self.grid_calls = inner, inner.source, 0

  def meta(self):
    return self.inner.meta()

  def predict(self, signature, inputs):
    if signature == "sample_with_codes":
      self.grid_calls += 1
      time.sleep(0.3)
    return self.inner.predict(signature, inputs)


def _wait(driver, condition, timeout=20):
  from selenium.webdriver.support.ui import WebDriverWait  # pylint: disable=g-import-not-at-top
  return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))


def _grid(driver):
  """The grid's image sources, read in one script (the grid may be replaced meanwhile)."""
  return driver.execute_script(
      "return Array.from(document.querySelectorAll('#grid img'), i => i.src)")


def test_the_page_follows_its_controls(browser, exported):
  from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top
  from selenium.webdriver.common.keys import Keys  # pylint: disable=g-import-not-at-top
  slow = _Slow(explorer.LocalBackend(exported.path))
  app = explorer.Explorer(slow)
  with serve(app) as url:
    browser.get(url + "/")
    _wait(browser, lambda d: len(_grid(d)) == 16)
    first = _grid(browser)
    assert "Cat(4) + 2 continuous + 8 noise" in browser.find_element(By.ID, "source").text
    # Traversal: a header row and a row per category, 7 values each.
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#traversal tr")) == 5)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#traversal tr:nth-child(2) img")) == 7

    calls = slow.grid_calls
    slider = browser.find_element(By.ID, "cont0")
    slider.send_keys(*[Keys.ARROW_RIGHT] * 10)  # ten input events, 0.05 each: 0 -> 0.5
    _wait(browser, lambda d: d.find_element(By.ID, "cont0-value").text == "0.50")
    final = app.grid({"seed": 1, "count": 16, "categorical": [0], "continuous": [0.5, 0.0]})
    _wait(browser, lambda d: _grid(d) == final["images"])  # ends on the last value
    assert _grid(browser) != first
    assert slow.grid_calls - calls <= 4, slow.grid_calls - calls  # superseded, not queued

    button = browser.find_element(By.CSS_SELECTOR, "#cat0 button[data-value='2']")
    before = _grid(browser)
    button.click()
    _wait(browser, lambda d: _grid(d) != before)
    assert button.get_attribute("aria-pressed") == "true"
    browser.find_element(By.ID, "new-noise").click()
    _wait(browser, lambda d: d.find_element(By.ID, "seed-label").text != "noise seed 1")
    assert browser.find_element(By.ID, "status").text == ""


def test_the_page_encodes_an_upload_and_shows_every_refusal(browser, exported, tmp_path):
  from selenium.webdriver.common.by import By  # pylint: disable=g-import-not-at-top
  from selenium.webdriver.common.keys import Keys  # pylint: disable=g-import-not-at-top
  with contextlib.ExitStack() as stack:
    # Over TF Serving, so the last case can take the endpoint away under the open page.
    rest = stack.enter_context(serving_standin.RestStandIn(exported.path))
    app = explorer.Explorer(explorer.ServingBackend(rest.url, "infogan"))
    url = stack.enter_context(serve(app))
    browser.get(url + "/")
    _wait(browser, lambda d: len(_grid(d)) == 16)
    files = {"good.png": png_bytes(np.full([28, 28, 1], 200, np.uint8)),
             "big.png": png_bytes(np.zeros([48, 64, 1], np.uint8)),
             "notes.png": b"these are notes, not pixels",
             "huge.png": b"\x89PNG" + bytes(2 << 20)}
    for name, data in files.items():
      (tmp_path / name).write_bytes(data)
    upload = browser.find_element(By.ID, "file")
    error = lambda d: d.find_element(By.ID, "encode-error").text

    upload.send_keys(str(tmp_path / "good.png"))
    _wait(browser, lambda d: d.find_element(By.ID, "encode-result").is_displayed())
    bars = browser.find_elements(By.CSS_SELECTOR, "#encode-codes .bar")
    assert len(bars) == 4
    probs = [float(b.text.split()[-1]) for b in bars]
    assert abs(sum(probs) - 1.0) <= 4 * 0.0005  # four values rounded to 3 decimals
    assert browser.find_element(By.ID, "encode-continuous").text.startswith(
        "continuous means: ")
    assert browser.find_element(By.ID, "encode-generated").get_attribute("src").startswith(
        "data:image/png;base64,")
    shown = browser.find_element(By.ID, "encode-input").get_attribute("src")  # what Q saw
    np.testing.assert_array_equal(decode_data_url(shown), np.full([28, 28, 1], 200, np.uint8))
    # Edit your image: its inversion shown, then one category changed regenerates it.
    _wait(browser, lambda d: d.find_element(By.ID, "edit").is_displayed())
    assert "error 0." in browser.find_element(By.ID, "edit-found-caption").text
    edited = lambda d: d.find_element(By.ID, "edit-image").get_attribute("src")
    before = edited(browser)
    pressed = browser.find_element(By.CSS_SELECTOR, "#edit-cat0 button[aria-pressed='true']")
    other = (int(pressed.get_attribute("data-value")) + 1) % 4
    browser.find_element(By.CSS_SELECTOR, f"#edit-cat0 button[data-value='{other}']").click()
    _wait(browser, lambda d: edited(d) != before)

    for name, message in [("big.png", "big.png: the model takes 28x28 images; this one is "
                           "64 wide and 48 high"),
                          ("notes.png", "notes.png: not a PNG, JPEG, GIF or BMP file"),
                          ("huge.png", "huge.png is 2097156 bytes, over the limit of "
                           "1048576 bytes")]:
      browser.execute_script("arguments[0].value = ''", upload)  # as a new pick does
      upload.send_keys(str(tmp_path / name))
      _wait(browser, lambda d: error(d).startswith(message))
      assert not browser.find_element(By.ID, "encode-result").is_displayed()
      # nothing of the good image stays beside the error (its edit panel did)
      assert not browser.find_element(By.ID, "edit").is_displayed()

    rest.stop()  # TF Serving goes away; the page stays open
    browser.find_element(By.ID, "cont1").send_keys(Keys.ARROW_LEFT)
    status = lambda d: d.find_element(By.ID, "status")
    _wait(browser, lambda d: "cannot reach" in status(d).text)
    assert status(browser).text.startswith("HTTP") is False
    assert "error" in status(browser).get_attribute("class")
