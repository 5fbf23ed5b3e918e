"""The explorer's HTTP server: the page's static files and its JSON API, one origin.

Python's standard library `http.server` (ThreadingHTTPServer): the API is four routes on
loopback for one user, the model call dominates every request, and a framework would add a
dependency to a package whose users install TensorFlow for everything else.

  GET  /                  the page (static/index.html); GET /static/<file> its script and style
  GET  /api/info          the controls (`Explorer.info`)
  POST /api/grid          {"seed", "count", "categorical": [...], "continuous": [...]} -> images
  POST /api/traversal     {"cat", "cont", "steps", "seed"} -> rows of images
  POST /api/encode?seed=N the raw bytes of an image file -> Q's codes and G's image of them,
                          and the image's inversion (its noise, codes and reconstruction)
  POST /api/edit          {"noise": [...], "categorical": [...], "continuous": [...]} -> image

Any web page the user visits can send requests to a server on localhost, and with DNS
rebinding read the answers. So, as notebook and dashboard servers do:
- every request must name one of the server's own hosts (`Host`: localhost, 127.0.0.1, [::1],
  the address it listens on, and `allowed_hosts`), else 403;
- the API answers only its own page: a request whose `Origin` is another origin, or whose
  `Sec-Fetch-Site` says another site, is refused (403);
- JSON routes take only `application/json` and the upload only an image type or
  `application/octet-stream`: the types a page on another origin cannot send without the
  browser first asking (CORS preflight), which this server never grants.
Bodies are bounded by their Content-Length before a byte is read (a JSON request 64 KB, an
upload `app.MAX_UPLOAD_BYTES`); every connection has a read timeout, a request must arrive
whole within `REQUEST_SECONDS`, and at most `MAX_CONNECTIONS` are open at once. Every error
answers {"error": one line} with a 4xx/5xx status and logs one line (control characters
escaped, values quoted to `app.QUOTE_CHARS`); none ends in a traceback.
"""

from __future__ import annotations

import errno
import http.server
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterable, Optional, Tuple

from infogan_tf.explorer import app as app_lib

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".png": "image/png"}
MAX_JSON_BYTES = 64 * 1024
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# A connection's socket reads and writes each time out after SOCKET_SECONDS; a request (its
# line, headers and body, and the idle time before it on a kept-alive connection) must arrive
# within REQUEST_SECONDS, however slowly its bytes drip.
SOCKET_SECONDS = 10.0
REQUEST_SECONDS = 30.0
# Browsers open at most 6 connections per host; more at once is not the page.
MAX_CONNECTIONS = 32
# Security headers of every answer: no framing by other sites, no content sniffing; the page
# loads only its own script and style, and images from its own answers (data: URLs).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data: blob:; "
                                "frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
}
log = logging.getLogger("infogan_tf.explorer")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
  """`text` with control characters (terminal escape sequences) written as \\xNN."""
  return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def host_name(host_header: str) -> str:
  """The name in a Host header, without its port, lower case ('[::1]:8080' -> '::1')."""
  host = host_header.strip().lower()
  if host.startswith("["):
    return host[1:].split("]", 1)[0]
  return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Handler(http.server.BaseHTTPRequestHandler):
  """One connection's requests; `self.server.explorer` answers the API."""

  server_version = "infogan-tf-explorer"
  protocol_version = "HTTP/1.1"
  timeout = SOCKET_SECONDS  # socketserver applies it to every read and write of the socket

  def setup(self):
    super().setup()
    self.server.watchdog.add(self.connection)

  def finish(self):
    try:
      super().finish()
    finally:
      self.server.watchdog.remove(self.connection)

  def handle_one_request(self):
    # The clock runs from the wait for the request line to the last byte of the body.
    self.server.watchdog.start(self.connection, REQUEST_SECONDS)
    super().handle_one_request()

  def log_message(self, format, *args):  # pylint: disable=redefined-builtin
    log.debug("%s %s", self.address_string(), printable(format % args))

  # ---- routes ------------------------------------------------------------------------------

  def do_GET(self):  # noqa: N802 (http.server's method name)
    path = urllib.parse.urlsplit(self.path).path
    try:
      self._check_sender(api=path.startswith("/api/"))
    except app_lib.ExplorerError as e:
      return self._error(e.status, str(e))
    self.server.watchdog.stop(self.connection)  # a GET has no body: the request is complete
    if path in ("/", "/index.html"):
      return self._static("index.html")
    if path.startswith("/static/"):
      return self._static(path[len("/static/"):])
    if path == "/api/info":
      return self._json(200, self.server.explorer.info())
    return self._error(404, f"no page at {app_lib.clipped(path)}")

  def do_POST(self):  # noqa: N802
    url = urllib.parse.urlsplit(self.path)
    routes = {"/api/grid": self.server.explorer.grid,
              "/api/traversal": self.server.explorer.traversal,
              "/api/edit": self.server.explorer.edit}
    t0 = time.perf_counter()
    try:
      self._check_sender(api=True)
      if url.path == "/api/encode":
        app_lib.check_upload_type(self.headers.get("Content-Type"))
        body = self._body(app_lib.MAX_UPLOAD_BYTES, "an upload")
        query = urllib.parse.parse_qs(url.query)
        seed = app_lib.int_param({"seed": app_lib.int_text(query.get("seed", ["0"])[0])},
                                 "seed", 0, app_lib.MAX_SEED)
        answer = self.server.explorer.encode(body, seed)
      elif url.path in routes:
        answer = routes[url.path](self._json_body())
      else:
        raise app_lib.ExplorerError(f"no API at {app_lib.clipped(url.path)}", 404)
    except app_lib.ExplorerError as e:
      return self._error(e.status, str(e))
    except Exception as e:  # pylint: disable=broad-except
      # One line, never a traceback; the page shows the same line.
      return self._error(500, f"internal error ({type(e).__name__}): {str(e).splitlines()[0]}"
                         if str(e) else f"internal error ({type(e).__name__})")
    answer["ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    return self._json(200, answer)

  # ---- who may ask -------------------------------------------------------------------------

  def _check_sender(self, api: bool) -> None:
    """Refuses (403) a request for another host name (DNS rebinding) and, for the API, one sent
    by a page of another origin.

    Raises:
      ExplorerError: 403 with the reason.
    """
    host = self.headers.get("Host")
    if host is None or host_name(host) not in self.server.allowed_hosts:
      raise app_lib.ExplorerError(
          f"this explorer answers only to the host names {', '.join(self.server.host_list)} "
          f"(got Host {app_lib.quoted(host)}; start it with --allowed_hosts to add one)", 403)
    if not api:
      return
    origin = self.headers.get("Origin")
    if origin is not None and origin not in self.server.origins(host):
      raise app_lib.ExplorerError(
          f"requests from other origins are refused (Origin {app_lib.quoted(origin)})", 403)
    site = self.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
      raise app_lib.ExplorerError(
          f"requests from other sites are refused (Sec-Fetch-Site {app_lib.quoted(site)})", 403)

  # ---- bodies ------------------------------------------------------------------------------

  def _body(self, limit: int, what: str) -> bytes:
    """The request body, refused before it is read when its declared size is over `limit`."""
    length = self.headers.get("Content-Length")
    if length is None or not re.fullmatch(r"[0-9]{1,15}", length.strip()):
      raise app_lib.ExplorerError("the request has no valid Content-Length", 411)
    size = int(length)
    if size > limit:
      raise app_lib.ExplorerError(f"{what} of {size} bytes is over the limit of "
                                  f"{limit} bytes", 413)
    body = self.rfile.read(size)
    if len(body) < size:
      raise app_lib.ExplorerError(f"the body ended after {len(body)} of {size} bytes", 400)
    self.server.watchdog.stop(self.connection)  # the request is complete
    return body

  def _json_body(self) -> Dict[str, Any]:
    app_lib.check_json_type(self.headers.get("Content-Type"))
    raw = self._body(MAX_JSON_BYTES, "a request")
    try:
      body = json.loads(raw or b"{}")
    except RecursionError as e:
      raise app_lib.ExplorerError("the request is not JSON the explorer reads: nested too "
                                  "deeply") from e
    except ValueError as e:
      raise app_lib.ExplorerError(f"the request is not JSON: {e}") from e
    if not isinstance(body, dict):
      raise app_lib.ExplorerError("the request must be a JSON object")
    return body

  # ---- answers -----------------------------------------------------------------------------

  def _static(self, name: str):
    path = os.path.join(STATIC_DIR, name)
    ext = os.path.splitext(name)[1]
    # Only the package's own static files: no sub-folders, no '..'.
    if "/" in name or "\\" in name or ext not in STATIC_TYPES or not os.path.isfile(path):
      return self._error(404, f"no file {app_lib.clipped(name)}")
    with open(path, "rb") as f:
      self._send(200, f.read(), STATIC_TYPES[ext])

  def _json(self, status: int, payload: Dict[str, Any]):
    self._send(status, json.dumps(payload).encode(), "application/json")

  def _error(self, status: int, message: str):
    path = app_lib.clipped(urllib.parse.urlsplit(self.path).path)
    log.warning("%s %s -> %d: %s", self.command, printable(path), status, printable(message))
    # An error may leave an unread body behind: close the connection rather than reuse it.
    self.close_connection = True
    self._send(status, json.dumps({"error": message}).encode(), "application/json",
               close=True)

  def _send(self, status: int, data: bytes, content_type: str, close: bool = False):
    self.send_response(status)
    self.send_header("Content-Type", content_type)
    self.send_header("Content-Length", str(len(data)))
    self.send_header("Cache-Control", "no-store")
    for name, value in SECURITY_HEADERS.items():
      self.send_header(name, value)
    if close:
      self.send_header("Connection", "close")
    self.end_headers()
    self.wfile.write(data)


class Watchdog:
  """Closes connections whose request has not arrived whole by its deadline.

  A socket timeout bounds each read, not a request whose bytes drip in just under it; so each
  connection's current deadline is kept here, and a thread shuts down the sockets past theirs
  (the blocked read then ends and the handler closes the connection).
  """

  def __init__(self, period: float = 0.5):
    self._deadlines: Dict[socket.socket, Optional[float]] = {}
    self._lock = threading.Lock()
    self._stopped = threading.Event()
    self._period = period
    self._thread = threading.Thread(target=self._run, name="explorer-watchdog", daemon=True)
    self._thread.start()

  def __len__(self) -> int:
    with self._lock:
      return len(self._deadlines)

  def add(self, conn: socket.socket) -> None:
    with self._lock:
      self._deadlines[conn] = None

  def remove(self, conn: socket.socket) -> None:
    with self._lock:
      self._deadlines.pop(conn, None)

  def start(self, conn: socket.socket, seconds: float) -> None:
    with self._lock:
      if conn in self._deadlines:
        self._deadlines[conn] = time.monotonic() + seconds

  def stop(self, conn: socket.socket) -> None:
    with self._lock:
      if conn in self._deadlines:
        self._deadlines[conn] = None

  def close(self) -> None:
    self._stopped.set()
    self._thread.join(timeout=5)

  def _run(self):
    while not self._stopped.wait(self._period):
      now = time.monotonic()
      with self._lock:
        late = [c for c, t in self._deadlines.items() if t is not None and t < now]
        for conn in late:
          self._deadlines[conn] = None
      for conn in late:
        log.warning("closed a connection whose request did not arrive within %g s",
                    REQUEST_SECONDS)
        try:
          conn.shutdown(socket.SHUT_RDWR)
        except OSError:
          pass


class ExplorerServer(http.server.ThreadingHTTPServer):
  """A ThreadingHTTPServer holding the Explorer its handlers answer from.

  Args:
    address: (host, port) to listen on.
    explorer: What answers the API (may be set after binding, before `serve_forever`).
    allowed_hosts: Host names accepted besides LOCAL_HOSTS and the listening address ('*'
      turns the Host check off).
  """

  daemon_threads = True
  allow_reuse_address = True  # a restart may rebind at once; a port in use still fails

  def __init__(self, address: Tuple[str, int], explorer: Optional[app_lib.Explorer],
               allowed_hosts: Iterable[str] = ()):
    self.watchdog = Watchdog()  # first: a failed bind calls server_close, which stops it
    super().__init__(address, Handler)
    self.explorer = explorer
    names = [*LOCAL_HOSTS, address[0], *allowed_hosts]
    self.host_list = tuple(dict.fromkeys(host_name(n) if n.startswith("[") else n.lower()
                                         for n in names if n not in ("", "0.0.0.0", "::")))
    self.allowed_hosts = _AnyHost() if "*" in self.host_list else frozenset(self.host_list)
    self._last_refusal = 0.0

  def origins(self, host_header: str) -> Tuple[str, ...]:
    """The page's own origins for a request that reached this server as `host_header`."""
    port = self.server_address[1]
    names = {host_name(host_header), *self.host_list} - {"*"}
    return tuple(f"http://{f'[{n}]' if ':' in n else n}:{port}" for n in names)

  def process_request(self, request, client_address):
    """Starts the connection's thread, or closes it at once when MAX_CONNECTIONS are open."""
    if len(self.watchdog) >= MAX_CONNECTIONS:
      now = time.monotonic()
      if now - self._last_refusal > 1.0:  # one line a second at most, not one per connection
        log.warning("refused a connection from %s: %d connections are open",
                    client_address[0], MAX_CONNECTIONS)
        self._last_refusal = now
      self.shutdown_request(request)
      return
    super().process_request(request, client_address)

  def server_close(self):
    super().server_close()
    self.watchdog.close()

  def handle_error(self, request, client_address):
    """One line, not socketserver's traceback; a browser that went away is no error."""
    error = sys.exc_info()[1]
    if isinstance(error, (BrokenPipeError, ConnectionResetError, TimeoutError)):
      log.debug("%s went away: %s", client_address[0], error)
      return
    log.warning("request from %s failed: %s: %s", client_address[0], type(error).__name__,
                printable(str(error)))

  @property
  def url(self) -> str:
    host, port = self.server_address[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class _AnyHost:
  """`allowed_hosts` with '*': every Host name."""

  def __contains__(self, name) -> bool:
    return True


def make_server(explorer: Optional[app_lib.Explorer], host: str = "127.0.0.1",
                port: int = 8080, allowed_hosts: Iterable[str] = ()) -> ExplorerServer:
  """Binds the server (port 0 = any free port); `explorer` may be set after binding, before
  `serve_forever`.

  Raises:
    OSError: The port is in use or the address cannot be bound.
  """
  return ExplorerServer((host, port), explorer, allowed_hosts)


def port_in_use_message(error: OSError, host: str, port: int) -> Optional[str]:
  """One line for a bind failure, or None when it is not one."""
  if error.errno == errno.EADDRINUSE:
    return f"port {port} on {host} is in use: pick another with --port"
  if error.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
    return f"cannot listen on {host}:{port}: {error.strerror}"
  return None
