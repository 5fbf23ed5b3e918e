"""The explorer left running: hostile bytes, other web pages, slow and idle connections.

What a page on another origin (or a DNS-rebinding page) can send, what an attacker on
loopback can send, and what a careless user uploads: each gets one short line, never a 500,
and costs bounded memory and time. The browser test at the end runs a real page on another
local origin against the explorer."""

import contextlib
import http.server
import io
import json
import logging
import socket
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import explorer
from infogan_tf.explorer import server as server_lib
from tests import helpers, image_bombs
from tests.export import explore_test

JSON = {"Content-Type": "application/json"}
GRID = {"categorical": [1], "continuous": [0.0, 0.0], "count": 1}


class _Counting:
  """A backend that counts the model calls that reach it."""

  def __init__(self, inner):
    self.inner, self.source, self.calls = inner, inner.source, 0

  def meta(self):
    return self.inner.meta()

  def describe(self):
    return self.inner.describe()

  def predict(self, signature, inputs):
    self.calls += 1
    return self.inner.predict(signature, inputs)


@pytest.fixture(scope="module")
def counted(exported):
  backend = _Counting(explorer.LocalBackend(exported.path))
  app = explorer.Explorer(backend)
  with explore_test.serve(app) as url:
    yield backend, url


def _raw(url, request: bytes, timeout=10.0) -> bytes:
  """The server's whole answer to raw request bytes (it closes after an error)."""
  port = int(url.rsplit(":", 1)[1])
  with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
    s.sendall(request)
    answer = b""
    with contextlib.suppress(socket.timeout):
      while chunk := s.recv(65536):
        answer += chunk
  return answer


def _status(answer: bytes) -> int:
  return int(answer.split(b" ", 2)[1])


# ---- who may ask --------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("GET", "/", None), ("GET", "/api/info", None), ("POST", "/api/grid", GRID)])
def test_a_rebinding_page_is_refused_by_the_host_name(counted, method, path, body):
  """DNS rebinding: the browser thinks it talks to attacker.example, which now resolves to
  127.0.0.1; the request reaches the explorer naming that host."""
  backend, url = counted
  port = url.rsplit(":", 1)[1]
  calls = backend.calls
  status, out = explore_test.call(url, method, path, body, {"Host": f"attacker.example:{port}"})
  assert status == 403 and "answers only to the host names localhost, 127.0.0.1" in out["error"]
  assert backend.calls == calls
  for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LOCALHOST"):
    assert explore_test.call(url, "GET", "/api/info", None, {"Host": host})[0] == 200, host


def test_allowed_hosts_add_names_and_star_accepts_any(exported):
  app = explorer.Explorer(explorer.LocalBackend(exported.path), warm_up=False)
  for allowed, host, status in [(["box.lan"], "box.lan:80", 200), (["box.lan"], "other", 403),
                                (["*"], "anything.example", 200)]:
    httpd = server_lib.make_server(app, "127.0.0.1", 0, allowed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
      url = httpd.url.rstrip("/")
      assert explore_test.call(url, "GET", "/api/info", None, {"Host": host})[0] == status
    finally:
      httpd.shutdown()
      httpd.server_close()


@pytest.mark.parametrize("headers, status", [
    ({"Origin": "http://attacker.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": "http://127.0.0.1:1"}, 403),  # another local origin (another port)
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site"}, 403),
    ({"Sec-Fetch-Site": "same-origin"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # typed into the address bar
    ({}, 200),  # curl, scripts
])
def test_the_api_answers_only_its_own_page(counted, headers, status):
  backend, url = counted
  calls = backend.calls
  got, out = explore_test.call(url, "POST", "/api/grid", GRID, headers)
  assert got == status, out
  assert (backend.calls > calls) == (status == 200)
  own = {"Origin": url}  # the page's own origin
  assert explore_test.call(url, "POST", "/api/grid", GRID, own)[0] == 200


def test_a_link_from_another_site_opens_the_page_but_not_the_api(counted):
  _, url = counted
  navigate = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
  assert _status(_raw(url, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Sec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n")) == 200
  assert explore_test.call(url, "GET", "/api/info", None, navigate)[0] == 403


@pytest.mark.parametrize("path, body, content_type", [
    ("/api/grid", json.dumps(GRID).encode(), "text/plain"),
    ("/api/grid", b"categorical=1", "application/x-www-form-urlencoded"),
    ("/api/grid", json.dumps(GRID).encode(), None),
    ("/api/encode", b"\x89PNG....", None),
    ("/api/encode", b"\x89PNG....", "text/plain"),
    ("/api/encode", b"--x\r\n\r\n", "multipart/form-data; boundary=x"),
])
def test_bodies_a_page_can_send_without_asking_are_refused(counted, path, body, content_type):
  """text/plain, forms and untyped bodies need no CORS preflight: another origin's page can
  send them. The API takes only application/json and image types."""
  backend, url = counted
  calls = backend.calls
  headers = {} if content_type is None else {"Content-Type": content_type}
  status, out = explore_test.call(url, "POST", path, body, headers)
  assert status == 415 and "\n" not in out["error"], out
  assert backend.calls == calls


# ---- hostile values: one short line, never a 500 ------------------------------------------

DEEP = b"[" * 30000 + b"]" * 30000


@pytest.mark.parametrize("path, body, headers, status, message", [
    ("/api/encode?seed=--1", b"x", {"Content-Type": "image/png"}, 400, "'seed' must be"),
    ("/api/encode?seed=%C2%B2", b"x", {"Content-Type": "image/png"}, 400, "'seed' must be"),
    ("/api/encode?seed=" + "9" * 5000, b"x", {"Content-Type": "image/png"}, 400,
     "'seed' must be"),
    ("/api/grid", DEEP, JSON, 400, "nested too deeply"),
    ("/api/grid", {**GRID, "categorical": list(range(10000))}, {}, 400,
     "'categorical' must be a list of 1 values"),
    ("/api/grid", {**GRID, "continuous": ["x" * 60000, 0]}, {}, 400, "continuous code 0"),
    ("/api/grid", {**GRID, "count": "9" * 60000}, {}, 400, "'count' must be"),
    ("/api/" + "a" * 10000, {}, {}, 404, "no API at"),
])
def test_hostile_values_get_one_short_line(counted, path, body, headers, status, message):
  _, url = counted
  got, out = explore_test.call(url, "POST", path, body, headers)
  assert got == status, out
  assert message in out["error"] and "\n" not in out["error"]
  assert len(out["error"]) < 300, len(out["error"])  # values quoted to 80 characters


def test_a_content_length_that_is_not_a_number_is_411(counted):
  _, url = counted
  answer = _raw(url, "POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nContent-Length: ²\r\n\r\n{}".encode())
  assert _status(answer) == 411 and b"no valid Content-Length" in answer


def test_control_bytes_in_a_path_reach_the_log_escaped(counted, caplog):
  _, url = counted
  with caplog.at_level(logging.WARNING, logger="infogan_tf.explorer"):
    answer = _raw(url, b"GET /\x1b[2J\x1b[31mowned\x07 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Connection: close\r\n\r\n")
  assert _status(answer) == 404
  lines = [r.getMessage() for r in caplog.records]
  assert any("\\x1b[2J" in line for line in lines), lines
  assert not any("\x1b" in line or "\x07" in line for line in lines), lines


def test_an_old_bmp_gets_the_line_not_tensorflows_channel_count(counted):
  _, url = counted
  status, out = explore_test.call(url, "POST", "/api/encode", image_bombs.bmp_core_header(),
                                  {"Content-Type": "image/bmp"})
  assert status == 400 and out["error"].startswith("BMP files with the old 12-byte (OS/2) header")


def test_a_jpeg_with_exif_rotation_shows_the_pixels_the_model_saw(counted):
  """Q encodes the stored pixels (TensorFlow does not apply EXIF orientation); the answer's
  `input`, which the page shows, is those pixels, so preview and scores agree."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  _, url = counted
  pixels = np.zeros([28, 28], np.uint8)
  pixels[:, :7] = 255  # a bar on the left; a viewer applying orientation 6 shows it on top
  exif = Image.Exif()
  exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
  buffer = io.BytesIO()
  Image.fromarray(pixels).save(buffer, "JPEG", quality=95, exif=exif.tobytes())
  data = buffer.getvalue()
  status, out = explore_test.call(url, "POST", "/api/encode", data, {"Content-Type": "image/jpeg"})
  assert status == 200
  shown = explore_test.decode_data_url(out["input"])[..., 0]
  np.testing.assert_array_equal(shown, tf.io.decode_jpeg(data, channels=1).numpy()[..., 0])
  assert shown[:, :7].mean() > 200 and shown[:7, 10:].mean() < 50  # stored, not rotated


@pytest.mark.parametrize("name", sorted(image_bombs.BOMBS))
def test_image_bombs_through_the_encode_route(counted, name):
  _, url = counted
  build, refusal = image_bombs.BOMBS[name]
  data = build()
  explore_test.call(url, "POST", "/api/encode", explore_test.png_bytes(
      np.zeros([28, 28, 1], np.uint8)), {"Content-Type": "image/png"})  # warm
  with helpers.peak_memory_growth() as grown:
    start = time.perf_counter()
    status, out = explore_test.call(url, "POST", "/api/encode", data,
                                    {"Content-Type": "application/octet-stream"})
    seconds = time.perf_counter() - start
  if refusal is None:
    assert status == 200, out
  else:
    assert status == 400 and "\n" not in out["error"], out
  assert grown["mib"] < 64, grown
  assert seconds < 1.0, seconds


# ---- slow, idle and too many connections ---------------------------------------------------

@pytest.fixture
def short_deadlines(monkeypatch):
  monkeypatch.setattr(server_lib, "REQUEST_SECONDS", 1.0)
  monkeypatch.setattr(server_lib.Handler, "timeout", 1.0)


def _closed_within(sock, seconds) -> bool:
  """Whether the server closes `sock` (EOF or reset) within `seconds`."""
  sock.settimeout(seconds)
  try:
    while sock.recv(65536):
      pass
    return True
  except ConnectionResetError:
    return True
  except socket.timeout:
    return False


def test_a_body_shorter_than_its_length_does_not_hold_a_thread(counted, short_deadlines):
  _, url = counted
  port = int(url.rsplit(":", 1)[1])
  with socket.create_connection(("127.0.0.1", port)) as s:
    s.sendall(b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
              b"\r\nContent-Length: 1000\r\n\r\n{\"count\":")
    assert _closed_within(s, 5.0)


def test_a_request_dripping_in_is_closed_at_its_deadline(counted, short_deadlines):
  """Each byte arrives within the socket timeout; the whole request does not."""
  _, url = counted
  port = int(url.rsplit(":", 1)[1])
  with socket.create_connection(("127.0.0.1", port)) as s:
    start = time.monotonic()
    with contextlib.suppress(OSError):
      for byte in b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
        s.sendall(bytes([byte]))
        time.sleep(0.2)
        if time.monotonic() - start > 5:
          break
    assert _closed_within(s, 3.0)
    assert time.monotonic() - start < 5


def test_idle_connections_are_closed_and_capped(counted, short_deadlines):
  _, url = counted
  port = int(url.rsplit(":", 1)[1])
  socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
  try:
    time.sleep(0.3)
    # Beyond MAX_CONNECTIONS the server closes at once; the rest at their deadline.
    at_once = sum(_closed_within(s, 0.05) for s in socks)
    assert at_once >= 50 - server_lib.MAX_CONNECTIONS, at_once
    assert all(_closed_within(s, 4.0) for s in socks)
  finally:
    for s in socks:
      s.close()
  assert explore_test.call(url, "GET", "/api/info")[0] == 200  # and it still answers


# ---- a page on another origin, in a real browser --------------------------------------------

ATTACK = """<!doctype html><title>another site</title><body>
<form id="form" method="POST" enctype="application/x-www-form-urlencoded" target="sink">
  <input name="categorical" value="1"></form><iframe name="sink"></iframe>
<script>
const target = new URLSearchParams(location.search).get("target");
const results = {};
async function attempt(name, path, options) {
  try {
    const r = await fetch(target + path, options);
    results[name] = r.type === "opaque" ? "opaque" : "status " + r.status;
    if (r.type !== "opaque") results[name] += " " + await r.text();
  } catch (e) { results[name] = "blocked: " + e.message; }
}
(async () => {
  const grid = JSON.stringify({categorical: [1], continuous: [0, 0], count: 1});
  await attempt("grid as text/plain", "/api/grid",
                {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
                 body: grid});
  await attempt("encode untyped", "/api/encode",
                {method: "POST", mode: "no-cors", body: new Blob([new Uint8Array(64)])});
  await attempt("grid as json (preflighted)", "/api/grid",
                {method: "POST", headers: {"Content-Type": "application/json"}, body: grid});
  await attempt("read info", "/api/info", {});
  const form = document.getElementById("form");
  form.action = target + "/api/grid";
  form.submit();
  await new Promise((r) => setTimeout(r, 500));
  document.title = "done";
  window.results = results;
})();
</script></body>"""


def test_a_page_on_another_origin_cannot_use_the_explorer(exported, caplog):
  browser = explore_test._browser_or_skip()  # pylint: disable=protected-access
  backend = _Counting(explorer.LocalBackend(exported.path))
  app = explorer.Explorer(backend, warm_up=False)
  class Attacker(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
      data = ATTACK.encode()
      self.send_response(200)
      self.send_header("Content-Type", "text/html")
      self.send_header("Content-Length", str(len(data)))
      self.end_headers()
      self.wfile.write(data)

    def log_message(self, *args):
      pass

  other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
  threading.Thread(target=other.serve_forever, daemon=True).start()
  try:
    with explore_test.serve(app) as url, caplog.at_level(logging.WARNING,
                                                         logger="infogan_tf.explorer"):
      # localhost vs 127.0.0.1 and another port: another origin, on this machine.
      browser.get(f"http://localhost:{other.server_address[1]}/?target={url}")
      explore_test._wait(browser, lambda d: d.title == "done")  # pylint: disable=protected-access
      results = browser.execute_script("return window.results")
      calls = backend.calls
      refused = [r.getMessage() for r in caplog.records if "-> 403" in r.getMessage()
                 or "-> 415" in r.getMessage() or "-> 501" in r.getMessage()]
      # The page on its own origin works in the same browser.
      browser.get(url + "/")
      explore_test._wait(browser, lambda d: len(explore_test._grid(d)) == 16)  # pylint: disable=protected-access
  finally:
    browser.quit()
    other.shutdown()
    other.server_close()
  assert calls == 0, (calls, results, refused)  # nothing reached the model
  assert results["read info"].startswith("blocked"), results  # no CORS grant: unreadable
  assert results["grid as json (preflighted)"].startswith("blocked"), results
  assert len([r for r in refused if "/api/grid" in r or "/api/encode" in r]) >= 3, refused
