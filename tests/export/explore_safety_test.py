"""The explorer left running: hostile bytes, other web pages, slow and idle connections.

What a page on another origin (or a DNS-rebinding page) can send, what an attacker on
loopback can send, and what a careless user uploads: each gets one short line, never a 500,
and costs bounded memory and time. The browser test at the end runs a real page on another
local origin against the explorer."""

import concurrent.futures
import contextlib
import dataclasses
import http.client
import http.server
import io
import json
import logging
import select
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
    ("/api/" + "a" * 7000, {}, {}, 404, "no API at"),  # 8 KiB and longer: 414
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


@pytest.mark.parametrize("data, message", [
    (image_bombs.bmp(width=-28), "the BMP header gives a width that is not positive: -28"),
    (image_bombs.bmp(offset=2 ** 31 - 1), "the BMP is not as long as its header says (bytes in "
     "the file; its data offset plus rows of pixels): 2406 2147485999"),
    (image_bombs.bmp(width=32), "the model takes 28x28 images; this one is 32 wide and 28 high "
     "(resize it first)"),
])
def test_a_bmp_s_refusal_says_what_is_wrong_with_it(counted, data, message):
  _, url = counted
  status, out = explore_test.call(url, "POST", "/api/encode", data, {"Content-Type": "image/bmp"})
  assert status == 400 and out["error"] == message, out


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


# ---- slow, idle and too many connections: no client ties the server up ----------------------

SHORT = server_lib.Limits(head_seconds=1.0, body_seconds=1.0, write_seconds=1.0,
                          max_connections=32)


@pytest.fixture(scope="module")
def short(exported):
  """An explorer with 1 s deadlines and 32 connections; yields (backend, url, server)."""
  backend = _Counting(explorer.LocalBackend(exported.path))
  app = explorer.Explorer(backend, warm_up=False)
  httpd = server_lib.make_server(app, "127.0.0.1", 0, limits=SHORT)
  thread = threading.Thread(target=httpd.serve_forever, daemon=True)
  thread.start()
  try:
    yield backend, httpd.url.rstrip("/"), httpd
  finally:
    httpd.shutdown()
    httpd.server_close()


def _port(url) -> int:
  return int(url.rsplit(":", 1)[1])


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


def _answer_of(sock, seconds=5.0) -> bytes:
  """Everything the server sends on `sock` until it closes it."""
  sock.settimeout(seconds)
  answer = b""
  with contextlib.suppress(socket.timeout, ConnectionResetError):
    while chunk := sock.recv(65536):
      answer += chunk
  return answer


def _json_error(answer: bytes) -> dict:
  """The JSON error of a raw answer, checked to carry the security headers."""
  head, _, body = answer.partition(b"\r\n\r\n")
  assert b"Content-Type: application/json" in head, answer[:300]
  for name in server_lib.SECURITY_HEADERS:
    assert name.encode() in head, (name, head)
  out = json.loads(body)
  assert set(out) == {"error"} and "\n" not in out["error"], out
  return out


GRID_HEAD = (b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
             b"\r\nContent-Length: 1000\r\n\r\n")


def test_a_body_shorter_than_its_length_is_a_400_line_not_a_500(short):
  """It was a 500 "internal error (TimeoutError)" after 10 s, and the bytes after the short
  body were read as a second request."""
  backend, url, _ = short
  calls = backend.calls
  with socket.create_connection(("127.0.0.1", _port(url))) as s:
    start = time.monotonic()
    s.sendall(GRID_HEAD + b'{"count":')
    answer = _answer_of(s)
    seconds = time.monotonic() - start
  assert _status(answer) == 400 and answer.count(b"HTTP/1.1") == 1, answer
  assert _json_error(answer)["error"] == "the body did not arrive within 1 s (9 of 1000 bytes)"
  assert 0.9 < seconds < 3.0, seconds
  with socket.create_connection(("127.0.0.1", _port(url))) as s:
    s.sendall(GRID_HEAD + b'{"count":')
    s.shutdown(socket.SHUT_WR)  # the client's body ends short
    answer = _answer_of(s)
  assert _json_error(answer)["error"] == "the body ended after 9 of 1000 bytes"
  assert backend.calls == calls


def test_a_request_dripping_in_is_answered_408_at_its_deadline(short):
  """Each byte arrives well within any per-read timeout; the whole head does not."""
  _, url, _ = short
  with socket.create_connection(("127.0.0.1", _port(url))) as s:
    start = time.monotonic()
    with contextlib.suppress(OSError):
      for byte in b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
        s.sendall(bytes([byte]))
        if select.select([s], [], [], 0.1)[0] or time.monotonic() - start > 5:
          break  # the server answered
    answer = _answer_of(s, 3.0)
    assert time.monotonic() - start < 5
  assert _status(answer) == 408
  assert "did not arrive within 1 s" in _json_error(answer)["error"]


def _drip(port: int, stop: threading.Event, body: bool) -> None:
  """A slow client: a header line (or a body byte) every 0.3 s until `stop`; reconnects when
  the server closes it (an attacker keeps the pressure on)."""
  while not stop.is_set():
    try:
      with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(GRID_HEAD if body else b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.wait(0.3):
          s.sendall(b"x" if body else b"X-Drip: x\r\n")
    except OSError:
      stop.wait(0.05)


def test_dripping_clients_do_not_lock_the_page_out(short):
  """The issue's case: 40 connections dripping a header line (and 40 dripping body bytes)
  against 32 slots; before, every legitimate request failed until the deadline closed them.
  Now each new connection closes the one that has waited longest, and no waiting connection
  holds a thread: 12 of 12 legitimate requests succeed, each within 2 s."""
  backend, url, httpd = short
  stop = threading.Event()
  drippers = [threading.Thread(target=_drip, args=(_port(url), stop, i % 2 == 1), daemon=True)
              for i in range(80)]
  for t in drippers:
    t.start()
  try:
    time.sleep(1.5)
    assert httpd.open_connections >= SHORT.max_connections - 2  # the slots are taken
    times = []
    for i in range(12):
      start = time.monotonic()
      if i % 2:
        status, _ = explore_test.call(url, "POST", "/api/grid", GRID, timeout=5)
      else:
        status, _ = explore_test.call(url, "GET", "/api/info", timeout=5)
      times.append(time.monotonic() - start)
      assert status == 200
    assert max(times) < 2.0, times
  finally:
    stop.set()
    for t in drippers:
      t.join(timeout=10)


def test_idle_connections_are_closed_and_capped(short):
  _, url, httpd = short
  socks = [socket.create_connection(("127.0.0.1", _port(url))) for _ in range(50)]
  try:
    time.sleep(0.3)
    # Beyond max_connections the longest-waiting ones are closed at once; the rest close at
    # the head deadline (idle: without an answer).
    at_once = sum(_closed_within(s, 0.05) for s in socks)
    assert at_once >= 50 - SHORT.max_connections, at_once
    assert all(_closed_within(s, 4.0) for s in socks)
  finally:
    for s in socks:
      s.close()
  assert explore_test.call(url, "GET", "/api/info")[0] == 200  # and it still answers
  time.sleep(0.5)
  assert httpd.open_connections == 0


def test_when_every_slot_is_answering_a_newcomer_gets_503(exported):
  class Slow(_Counting):
    def predict(self, signature, inputs):
      time.sleep(1.5)
      return super().predict(signature, inputs)

  app = explorer.Explorer(Slow(explorer.LocalBackend(exported.path)), warm_up=False)
  limits = dataclasses.replace(SHORT, max_connections=2, workers=2)
  with explore_test.serve(app, limits) as url:
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        explore_test.call(url, "POST", "/api/grid", GRID)[0])) for _ in range(2)]
    for t in threads:
      t.start()
    time.sleep(0.5)
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
      answer = _answer_of(s)
    for t in threads:
      t.join()
  assert _status(answer) == 503 and "busy" in _json_error(answer)["error"]
  assert results == [200, 200]


def _post_json(body: bytes) -> bytes:
  return (b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body)) + body


@pytest.mark.parametrize("request_bytes, status, message", [
    (b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "method 'HEAD' is not allowed"),
    (b"OPTIONS /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "'OPTIONS'"),
    (b"PUT /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 405, "'PUT'"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414,
     "the request line is over the limit of 8192 bytes"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431,
     "a header line is over the limit"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Many: a\r\n" * 70 + b"\r\n", 431,
     "headers are over the limit of 64 lines"),
    (b"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505, "HTTP version 'HTTP/2.0'"),
    (b"GARBAGE\r\n\r\n", 400, "the request line is malformed"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nbad header\r\n\r\n", 400,
     "a header line is malformed"),
    (b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 501,
     "Transfer-Encoding are not accepted"),
    (b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Content-Length: 2\r\nContent-Length: 200\r\n\r\n{}", 400,
     "two Content-Length headers"),
    (_post_json(b'{"count": ' + b"9" * 4301 + b"}"), 400,
     "the request is not JSON the explorer reads: a number of more than 4300 digits"),
])
def test_every_error_is_one_json_line_with_the_security_headers(short, request_bytes, status,
                                                                 message):
  """Errors outside the API were http.server's HTML pages without the security headers; a
  4301-digit integer gave Python's text."""
  _, url, _ = short
  with socket.create_connection(("127.0.0.1", _port(url))) as s:
    s.sendall(request_bytes)
    answer = _answer_of(s)
  assert _status(answer) == status, answer[:300]
  error = _json_error(answer)["error"]
  assert message in error and len(error) < 300, error
  if status == 405:
    assert b"Allow: GET, POST" in answer


def test_requests_with_huge_headers_cost_no_memory(short):
  """16 requests of ~6 MB of headers each kept +288 MiB; the head is bounded at 16 KiB."""
  _, url, _ = short
  # 95 lines of 65000 bytes: within http.server's own limits (100 lines of 64 KiB)
  head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (b"X-Big: " + b"a" * 65000 + b"\r\n") * 95
  sent = memoryview(head)  # 6 MB, shared by the 16 clients of this process

  def send():
    with socket.create_connection(("127.0.0.1", _port(url))) as s:
      with contextlib.suppress(OSError):
        for i in range(0, len(sent), 65536):
          s.sendall(sent[i:i + 65536])
          if select.select([s], [], [], 0)[0]:
            break  # answered
      return _status(_answer_of(s))

  with helpers.peak_memory_growth() as grown:
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
      statuses = list(pool.map(lambda _: send(), range(16)))
  assert statuses == [431] * 16
  assert grown["mib"] < 32, grown


def test_a_burst_of_connections_is_accepted_at_once(counted):
  """The listen backlog was 5: 40 simultaneous GET /api/info waited on SYN retries (p50 1.0 s,
  max 1.9 s). The backlog now holds every connection the server may take."""
  _, url = counted
  barrier = threading.Barrier(40)

  def one(_):
    barrier.wait()
    start = time.monotonic()
    status, _ = explore_test.call(url, "GET", "/api/info", timeout=10)
    return status, time.monotonic() - start

  with concurrent.futures.ThreadPoolExecutor(40) as pool:
    results = list(pool.map(one, range(40)))
  assert [s for s, _ in results] == [200] * 40
  assert max(t for _, t in results) < 0.9, results  # below the first SYN retransmit (1 s)


def test_a_kept_alive_connection_answers_request_after_request(short):
  _, url, _ = short
  conn = http.client.HTTPConnection("127.0.0.1", _port(url), timeout=10)
  for _ in range(3):
    conn.request("GET", "/api/info")
    response = conn.getresponse()
    assert response.status == 200 and json.loads(response.read())["categorical"]
  conn.close()


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
                 or "-> 415" in r.getMessage() or "-> 405" in r.getMessage()]
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


def test_the_warm_up_runs_every_signature_an_upload_uses(exported):
  """The first upload after a start took 1.3-1.4 s (later ones 0.15-0.2 s): each signature's
  first call pays TensorFlow's one-time costs. The warm-up now uploads a blank image too."""
  class Recording(_Counting):
    def __init__(self, inner):
      super().__init__(inner)
      self.signatures = []

    def predict(self, signature, inputs):
      self.signatures.append(signature)
      return super().predict(signature, inputs)

  backend = Recording(explorer.LocalBackend(exported.path))
  explorer.Explorer(backend)
  assert {"sample_with_codes", "encode_image_bytes", "sample", "generate",
          "invert"} <= set(backend.signatures), backend.signatures
