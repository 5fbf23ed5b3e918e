"""The explorer's HTTP server: the page's static files and its JSON API, one origin.

Python's standard library `http.server` (ThreadingHTTPServer): the API is four routes on
loopback for one user, the model call dominates every request, and a framework would add a
dependency to a package whose users install TensorFlow for everything else.

  GET  /                  the page (static/index.html); GET /static/<file> its script and style
  GET  /api/info          the controls (`Explorer.info`)
  POST /api/grid          {"seed", "count", "categorical": [...], "continuous": [...]} -> images
  POST /api/traversal     {"cat", "cont", "steps", "seed"} -> rows of images
  POST /api/encode?seed=N the raw bytes of an image file -> Q's codes and G's image of them

Bodies are bounded by their Content-Length before a byte is read (a JSON request 64 KB, an
upload `app.MAX_UPLOAD_BYTES`). Every error answers {"error": one line} with a 4xx/5xx status and
logs one line; none ends in a traceback.
"""

from __future__ import annotations

import errno
import http.server
import json
import logging
import os
import sys
import time
import urllib.parse
from typing import Any, Dict, Optional, Tuple

from infogan_tf.explorer import app as app_lib

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".png": "image/png"}
MAX_JSON_BYTES = 64 * 1024
log = logging.getLogger("infogan_tf.explorer")


class Handler(http.server.BaseHTTPRequestHandler):
  """One request; `self.server.explorer` answers the API."""

  server_version = "infogan-tf-explorer"
  protocol_version = "HTTP/1.1"

  def log_message(self, format, *args):  # pylint: disable=redefined-builtin
    log.debug("%s %s", self.address_string(), format % args)

  # ---- routes ------------------------------------------------------------------------------

  def do_GET(self):  # noqa: N802 (http.server's method name)
    path = urllib.parse.urlsplit(self.path).path
    if path in ("/", "/index.html"):
      return self._static("index.html")
    if path.startswith("/static/"):
      return self._static(path[len("/static/"):])
    if path == "/api/info":
      return self._json(200, self.server.explorer.info())
    return self._error(404, f"no page at {path}")

  def do_POST(self):  # noqa: N802
    url = urllib.parse.urlsplit(self.path)
    routes = {"/api/grid": self.server.explorer.grid,
              "/api/traversal": self.server.explorer.traversal}
    t0 = time.perf_counter()
    try:
      if url.path == "/api/encode":
        app_lib.check_content_type(self.headers.get("Content-Type", ""))
        body = self._body(app_lib.MAX_UPLOAD_BYTES, "an upload")
        query = urllib.parse.parse_qs(url.query)
        seed = app_lib.int_param({"seed": _int_or_text(query.get("seed", ["0"])[0])},
                                 "seed", 0, app_lib.MAX_SEED)
        answer = self.server.explorer.encode(body, seed)
      elif url.path in routes:
        answer = routes[url.path](self._json_body())
      else:
        raise app_lib.ExplorerError(f"no API at {url.path}", 404)
    except app_lib.ExplorerError as e:
      return self._error(e.status, str(e))
    except Exception as e:  # pylint: disable=broad-except
      # One line, never a traceback; the page shows the same line.
      return self._error(500, f"internal error ({type(e).__name__}): {str(e).splitlines()[0]}"
                         if str(e) else f"internal error ({type(e).__name__})")
    answer["ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    return self._json(200, answer)

  # ---- bodies ------------------------------------------------------------------------------

  def _body(self, limit: int, what: str) -> bytes:
    """The request body, refused before it is read when its declared size is over `limit`."""
    length = self.headers.get("Content-Length")
    if length is None or not length.isdigit():
      raise app_lib.ExplorerError("the request has no Content-Length", 411)
    if int(length) > limit:
      raise app_lib.ExplorerError(f"{what} of {int(length)} bytes is over the limit of "
                                  f"{limit} bytes", 413)
    return self.rfile.read(int(length))

  def _json_body(self) -> Dict[str, Any]:
    raw = self._body(MAX_JSON_BYTES, "a request")
    try:
      body = json.loads(raw or b"{}")
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
      return self._error(404, f"no file {name}")
    with open(path, "rb") as f:
      self._send(200, f.read(), STATIC_TYPES[ext])

  def _json(self, status: int, payload: Dict[str, Any]):
    self._send(status, json.dumps(payload).encode(), "application/json")

  def _error(self, status: int, message: str):
    log.warning("%s %s -> %d: %s", self.command, urllib.parse.urlsplit(self.path).path,
                status, message)
    # An error may leave an unread body behind: close the connection rather than reuse it.
    self.close_connection = True
    self._send(status, json.dumps({"error": message}).encode(), "application/json",
               close=True)

  def _send(self, status: int, data: bytes, content_type: str, close: bool = False):
    self.send_response(status)
    self.send_header("Content-Type", content_type)
    self.send_header("Content-Length", str(len(data)))
    self.send_header("Cache-Control", "no-store")
    if close:
      self.send_header("Connection", "close")
    self.end_headers()
    self.wfile.write(data)


def _int_or_text(value: str):
  return int(value) if value.lstrip("-").isdigit() else value


class ExplorerServer(http.server.ThreadingHTTPServer):
  """A ThreadingHTTPServer holding the Explorer its handlers answer from."""

  daemon_threads = True
  allow_reuse_address = True  # a restart may rebind at once; a port in use still fails

  def __init__(self, address: Tuple[str, int], explorer: Optional[app_lib.Explorer]):
    super().__init__(address, Handler)
    self.explorer = explorer

  def handle_error(self, request, client_address):
    """One line, not socketserver's traceback; a browser that went away is no error."""
    error = sys.exc_info()[1]
    if isinstance(error, (BrokenPipeError, ConnectionResetError)):
      log.debug("%s went away: %s", client_address[0], error)
      return
    log.warning("request from %s failed: %s: %s", client_address[0], type(error).__name__,
                error)

  @property
  def url(self) -> str:
    host, port = self.server_address[:2]
    return f"http://{host}:{port}/"


def make_server(explorer: Optional[app_lib.Explorer], host: str = "127.0.0.1",
                port: int = 8080) -> ExplorerServer:
  """Binds the server (port 0 = any free port); `explorer` may be set after binding, before
  `serve_forever`.

  Raises:
    OSError: The port is in use or the address cannot be bound.
  """
  return ExplorerServer((host, port), explorer)


def port_in_use_message(error: OSError, host: str, port: int) -> Optional[str]:
  """One line for a bind failure, or None when it is not one."""
  if error.errno == errno.EADDRINUSE:
    return f"port {port} on {host} is in use: pick another with --port"
  if error.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
    return f"cannot listen on {host}:{port}: {error.strerror}"
  return None
