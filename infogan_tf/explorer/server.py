"""The explorer's HTTP server: the page's static files and its JSON API, one origin.

  GET  /                  the page (static/index.html); GET /static/<file> its script and style
  GET  /api/info          the controls (`Explorer.info`)
  POST /api/grid          {"seed", "count", "categorical": [...], "continuous": [...]} -> images
  POST /api/traversal     {"cat", "cont", "steps", "seed"} -> rows of images
  POST /api/encode?seed=N the raw bytes of an image file -> Q's codes and G's image of them,
                          and the image's inversion (its noise, codes and reconstruction)
  POST /api/edit          {"noise": [...], "categorical": [...], "continuous": [...]} -> image

Connections are read by one asyncio event loop (the standard library: no dependency), and
only a request that has arrived whole goes to a small pool of threads that call the model. A
client that drips its bytes, or never sends them, so holds no thread, and the slots it holds
are given to newcomers: `Limits` bounds each connection's head, body and answer by their own
deadlines, the head's size, and the bodies buffered at once; at `Limits.max_connections` a new
connection closes the one that has waited longest for its request (the slow and idle ones), so
dripping clients cannot lock the page out (docs/reliability.md, "No request ties it up").

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
upload `app.MAX_UPLOAD_BYTES`). Every error, of the API or not (414, 431, 405, 408, 503),
answers {"error": one line} as JSON with the security headers and logs one line (control
characters escaped, values quoted to `app.QUOTE_CHARS`); none ends in a traceback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import errno
import json
import logging
import os
import re
import signal
import socket
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

from infogan_tf.explorer import app as app_lib

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".png": "image/png"}
MAX_JSON_BYTES = 64 * 1024
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
METHODS = ("GET", "POST")
# After an answer that closes the connection, what the client still sends is read and dropped
# for at most this long and this much (`ExplorerServer._close`).
LINGER_SECONDS = 1.0
LINGER_BYTES = 2 * 1024 * 1024
# Security headers of every answer: no framing by other sites, no content sniffing; the page
# loads only its own script and style, and images from its own answers (data: URLs).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data: blob:; "
                                "frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
}
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required",
           413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
           431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
           505: "HTTP Version Not Supported"}
log = logging.getLogger("infogan_tf.explorer")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclasses.dataclass(frozen=True)
class Limits:
  """What one connection may cost the server.

  Attributes:
    head_seconds: The request line and headers must arrive within this long of the connection
      starting to wait for them (on a kept-alive connection, the idle time counts): a browser
      sends them in one packet.
    body_seconds: The body must arrive within this long after its head (an upload is at most
      1 MiB, on loopback or a LAN).
    write_seconds: A client must take the answer within this long.
    max_connections: Open connections at once (browsers open at most 6 per host). A new one
      beyond it closes the open connection that has waited longest for its request (a
      browser's request arrives within milliseconds of its connection, so the one closed is a
      slow or idle client's); when every one is being answered, the newcomer gets 503.
    max_line_bytes: The request line and each header line (414 / 431 beyond).
    max_head_bytes: The request line and headers together (431 beyond).
    max_headers: Header lines (431 beyond).
    body_budget_bytes: Request bodies buffered at once, being read or waiting for the model;
      a body that would go over it gets 503 before a byte of it is read.
    workers: Threads calling the model for complete requests.
  """

  head_seconds: float = 10.0
  body_seconds: float = 10.0
  write_seconds: float = 10.0
  max_connections: int = 128
  max_line_bytes: int = 8 * 1024
  max_head_bytes: int = 16 * 1024
  max_headers: int = 64
  body_budget_bytes: int = 32 * 1024 * 1024
  workers: int = 4

  @property
  def backlog(self) -> int:
    """The listen backlog: every connection the server may hold can be waiting to be
    accepted (a backlog of 5 made 40 simultaneous requests wait up to 2 s on SYN retries)."""
    return self.max_connections


class HttpError(Exception):
  """A request the server answers with `status` and a one-line JSON error, then closes."""

  def __init__(self, message: str, status: int = 400, headers: Optional[Dict] = None):
    super().__init__(message)
    self.status = status
    self.headers = headers or {}


def printable(text: str) -> str:
  """`text` with control characters (terminal escape sequences) written as \\xNN."""
  return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def host_name(host_header: str) -> str:
  """The name in a Host header, without its port, lower case ('[::1]:8080' -> '::1')."""
  host = host_header.strip().lower()
  if host.startswith("["):
    return host[1:].split("]", 1)[0]
  return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclasses.dataclass
class Request:
  """One request as parsed from its head (the body is read after the cheap checks)."""

  method: str
  target: str
  version: str
  headers: Dict[str, str]  # lower-case names
  body: bytes = b""
  reserved: int = 0  # bytes of the server's body budget this request holds

  @property
  def path(self) -> str:
    return urllib.parse.urlsplit(self.target).path

  @property
  def query(self) -> str:
    return urllib.parse.urlsplit(self.target).query

  @property
  def keep_alive(self) -> bool:
    return (self.version == "HTTP/1.1"
            and self.headers.get("connection", "").strip().lower() != "close")


@dataclasses.dataclass
class Response:
  status: int
  body: bytes
  content_type: str = "application/json"
  headers: Dict[str, str] = dataclasses.field(default_factory=dict)
  close: bool = False

  def to_bytes(self) -> bytes:
    lines = [f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Error')}",
             f"Content-Type: {self.content_type}", f"Content-Length: {len(self.body)}",
             "Cache-Control: no-store", "Server: infogan-tf-explorer",
             *(f"{k}: {v}" for k, v in {**SECURITY_HEADERS, **self.headers}.items())]
    if self.close:
      lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def json_response(status: int, payload: Dict[str, Any], **kwargs) -> Response:
  return Response(status, json.dumps(payload).encode(), **kwargs)


def error_response(request: Optional[Request], status: int, message: str,
                   headers: Optional[Dict] = None) -> Response:
  """{"error": message}, logged in one line; the connection closes after it (an error may leave
  an unread body behind)."""
  what = (f"{request.method} {app_lib.clipped(request.path)}" if request is not None
          else "a request")
  log.warning("%s -> %d: %s", printable(what), status, printable(message))
  return json_response(status, {"error": message}, headers=headers or {}, close=True)


class _Connection:
  """One open connection: whether it waits for a request (and since when) or is answered."""

  def __init__(self, writer: asyncio.StreamWriter):
    self.writer = writer
    self.waiting_since: Optional[float] = time.monotonic()

  def close(self) -> None:
    self.writer.transport.abort()


class ExplorerServer:
  """The explorer's server, bound when made; `serve_forever` runs it (in any thread),
  `shutdown` (from another thread) stops it, `server_close` releases the port.

  Args:
    address: (host, port) to listen on (port 0: any free port).
    explorer: What answers the API (may be set after binding, before `serve_forever`).
    allowed_hosts: Host names accepted besides LOCAL_HOSTS and the listening address ('*'
      turns the Host check off).
    limits: What one connection may cost (`Limits`).

  Raises:
    OSError: The port is in use or the address cannot be bound.
  """

  def __init__(self, address: Tuple[str, int], explorer: Optional[app_lib.Explorer],
               allowed_hosts: Iterable[str] = (), limits: Limits = Limits()):
    self.limits = limits
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    self.socket = socket.create_server(address, family=family, backlog=limits.backlog,
                                       reuse_port=False)
    self.server_address = self.socket.getsockname()
    self.explorer = explorer
    names = [*LOCAL_HOSTS, address[0], *allowed_hosts]
    self.host_list = tuple(dict.fromkeys(host_name(n) if n.startswith("[") else n.lower()
                                         for n in names if n not in ("", "0.0.0.0", "::")))
    self.allowed_hosts = _AnyHost() if "*" in self.host_list else frozenset(self.host_list)
    self._connections: Dict[int, _Connection] = {}
    self._body_bytes = 0  # bodies being read or waiting for the model
    self._pool = concurrent.futures.ThreadPoolExecutor(limits.workers,
                                                       thread_name_prefix="explorer")
    self._loop: Optional[asyncio.AbstractEventLoop] = None
    self._stop: Optional[asyncio.Event] = None
    self._stopped = threading.Event()
    self._last_log: Dict[str, float] = {}

  @property
  def url(self) -> str:
    host, port = self.server_address[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

  @property
  def open_connections(self) -> int:
    return len(self._connections)

  # ---- running ---------------------------------------------------------------------------

  def serve_forever(self) -> None:
    """Answers requests until `shutdown` (or KeyboardInterrupt, which it raises)."""
    self._stopped.clear()
    loop = asyncio.new_event_loop()
    self._loop = loop
    interrupted = []
    # Ctrl-C stops the loop between callbacks, as asyncio.run does (a KeyboardInterrupt raised
    # inside a connection's task would be logged with its traceback), then is raised here.
    # Only where Python's own handler is installed: an ignored SIGINT stays ignored.
    catch = (threading.current_thread() is threading.main_thread()
             and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if catch:
      loop.add_signal_handler(signal.SIGINT, lambda: (interrupted.append(True),
                                                      self._stop and self._stop.set()))
    try:
      loop.run_until_complete(self._serve())
      if interrupted:
        raise KeyboardInterrupt
    finally:
      if catch:
        loop.remove_signal_handler(signal.SIGINT)
      for task in asyncio.all_tasks(loop):
        task.cancel()
      for conn in list(self._connections.values()):
        conn.close()
      try:
        loop.run_until_complete(asyncio.sleep(0))  # the cancelled tasks end
      except BaseException:  # pylint: disable=broad-except
        pass
      loop.close()
      self._loop = None
      self._stopped.set()

  async def _serve(self) -> None:
    self._stop = asyncio.Event()
    server = await asyncio.start_server(self._connection, sock=self.socket,
                                        limit=self.limits.max_line_bytes,
                                        backlog=self.limits.backlog)
    try:
      await self._stop.wait()
    finally:
      server.close()  # the listening socket; open connections are closed by serve_forever

  def shutdown(self) -> None:
    """Stops `serve_forever` (running in another thread) and waits until it has returned."""
    loop = self._loop
    if loop is None:
      return
    try:
      loop.call_soon_threadsafe(lambda: self._stop and self._stop.set())
    except RuntimeError:  # the loop closed meanwhile
      return
    self._stopped.wait()

  def server_close(self) -> None:
    """Releases the port and the model threads."""
    self.socket.close()
    self._pool.shutdown(wait=False, cancel_futures=True)

  # ---- connections -----------------------------------------------------------------------

  def _admit(self, conn: _Connection) -> bool:
    """Makes room for `conn`: at the cap, the open connection that has waited longest for its
    request is closed; False when every open connection is being answered."""
    if len(self._connections) < self.limits.max_connections:
      return True
    waiting = [c for c in self._connections.values() if c.waiting_since is not None]
    if not waiting:  # every slot is being answered
      return False
    oldest = min(waiting, key=lambda c: c.waiting_since)
    self._log_once("evict", "closed the connection that had waited longest for its request "
                   f"({time.monotonic() - oldest.waiting_since:.1f} s): "
                   f"{self.limits.max_connections} connections are open")
    self._connections.pop(id(oldest), None)
    oldest.close()
    return True

  def _log_once(self, kind: str, message: str) -> None:
    """One line a second at most of a kind, not one per connection."""
    now = time.monotonic()
    if now - self._last_log.get(kind, 0.0) > 1.0:
      log.warning("%s", message)
      self._last_log[kind] = now

  async def _connection(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
    conn = _Connection(writer)
    # drain() then waits until the whole answer is with the kernel: the write deadline bounds
    # a client that does not read it.
    writer.transport.set_write_buffer_limits(0)
    if not self._admit(conn):
      self._log_once("busy", f"refused a connection: all {self.limits.max_connections} "
                     "open connections are being answered")
      if await self._write(writer, error_response(
          None, 503, "the explorer is busy answering other requests: try again")):
        await self._close(reader, writer)
      return
    self._connections[id(conn)] = conn
    try:
      while True:
        conn.waiting_since = time.monotonic()
        response, request = await self._next(conn, reader)
        if response is None:
          return  # the client closed an idle connection, or it was evicted
        conn.waiting_since = None  # (an error answer before the request was whole)
        if request is not None and not response.close and not request.keep_alive:
          response.close = True
        if not await self._write(writer, response) or response.close:
          return
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
      return  # the client went away
    finally:
      conn.waiting_since = time.monotonic()  # evictable while it closes
      await self._close(reader, writer)
      self._connections.pop(id(conn), None)

  async def _close(self, reader, writer) -> None:
    """Ends a connection without losing its answer: the answer is with the kernel (drained),
    the server's side is shut, and what the client still sends (a body an error left unread)
    is read and dropped for at most LINGER_SECONDS, since closing a socket with unread bytes
    makes Linux reset it and the client could lose the answer."""
    transport = writer.transport
    if transport.is_closing():
      return
    try:
      if writer.can_write_eof():
        writer.write_eof()
      async with asyncio.timeout(LINGER_SECONDS):
        dropped = 0
        while dropped < LINGER_BYTES and (chunk := await reader.read(65536)):
          dropped += len(chunk)
    except (TimeoutError, ConnectionError, OSError):
      pass
    finally:
      transport.abort()

  async def _write(self, writer: asyncio.StreamWriter, response: Response) -> bool:
    writer.write(response.to_bytes())
    try:
      async with asyncio.timeout(self.limits.write_seconds):
        await writer.drain()
      return True
    except (TimeoutError, ConnectionError, OSError):
      log.debug("a client did not take its answer within %g s", self.limits.write_seconds)
      writer.transport.abort()
      return False

  async def _next(self, conn: _Connection, reader) -> Tuple[Optional[Response], Optional[Request]]:
    """The answer to the connection's next request: (None, None) when it closed while idle."""
    request = None
    try:
      request = await self._read_head(reader)
      if request is None:
        return None, None
      self._check(request)
      if request.method == "POST":
        await self._read_body(reader, request)
      elif request.headers.get("content-length", "0").strip() not in ("", "0"):
        raise HttpError("a GET request has no body", 400)
      conn.waiting_since = None  # the request is whole: it is answered, never evicted
      if request.method == "GET" and not request.path.startswith("/api/"):
        return self._static(request), request  # the package's own small files
      loop = asyncio.get_running_loop()
      try:
        return await loop.run_in_executor(self._pool, self._answer, request), request
      finally:
        self._release_body(request)
    except (HttpError, app_lib.ExplorerError) as e:
      return error_response(request, e.status, str(e), getattr(e, "headers", None)), request

  # ---- reading ---------------------------------------------------------------------------

  async def _read_head(self, reader) -> Optional[Request]:
    limits = self.limits
    received = 0
    try:
      async with asyncio.timeout(limits.head_seconds):
        first = b"\n"
        while first in (b"\r", b"\n"):  # empty lines before a request are ignored
          first = await reader.read(1)
          if not first:
            return None  # closed while idle
          received += 1
        line = first + await self._line(reader, 414, "the request line")
        received += len(line)
        headers: Dict[str, str] = {}
        count = 0
        while True:
          header = await self._line(reader, 431, "a header line")
          received += len(header)
          if not header.endswith(b"\n"):
            raise HttpError("the request ended inside its headers", 400)
          if header in (b"\r\n", b"\n"):
            break
          count += 1
          if count > limits.max_headers or received > limits.max_head_bytes:
            raise HttpError(f"the request's headers are over the limit of {limits.max_headers} "
                            f"lines and {limits.max_head_bytes} bytes", 431)
          self._add_header(headers, header)
    except TimeoutError:
      if not received:
        return None  # an idle connection: closed without an answer, as servers do
      raise HttpError(f"the request's headers did not arrive within {limits.head_seconds:g} s",
                      408) from None
    return self._parse_line(line, headers)

  async def _line(self, reader, status: int, what: str) -> bytes:
    try:
      return await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
      raise HttpError(f"{what} is over the limit of {self.limits.max_line_bytes} bytes",
                      status) from None
    except asyncio.IncompleteReadError as e:
      return e.partial

  @staticmethod
  def _add_header(headers: Dict[str, str], raw: bytes) -> None:
    text = raw.decode("latin-1").rstrip("\r\n")
    name, colon, value = text.partition(":")
    if not colon or not _TOKEN.fullmatch(name):
      raise HttpError(f"a header line is malformed: {app_lib.quoted(text)}", 400)
    key, value = name.lower(), value.strip(" \t")
    if key in headers:
      if key in ("host", "content-length", "content-type", "origin"):
        raise HttpError(f"the request has two {name} headers", 400)
      headers[key] += ", " + value
    else:
      headers[key] = value

  @staticmethod
  def _parse_line(line: bytes, headers: Dict[str, str]) -> Request:
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3 or not parts[1]:
      raise HttpError(f"the request line is malformed: {app_lib.quoted(line.decode('latin-1'))}",
                      400)
    method, target, version = parts
    if not re.fullmatch(r"HTTP/1\.[01]", version):
      raise HttpError(f"HTTP version {app_lib.quoted(version)} is not supported: use HTTP/1.1",
                      505)
    request = Request(method, target, version, headers)
    if method not in METHODS:
      raise HttpError(f"method {app_lib.quoted(method)} is not allowed: the explorer answers "
                      "GET and POST", 405 if _TOKEN.fullmatch(method) else 400,
                      {"Allow": ", ".join(METHODS)})
    return request

  def _check(self, request: Request) -> None:
    """Everything that needs no body: who asks, the route, the body's type and size."""
    api = request.path.startswith("/api/")
    self._check_sender(request, api)
    if "transfer-encoding" in request.headers:
      raise HttpError("bodies sent with Transfer-Encoding are not accepted: send a "
                      "Content-Length", 501)
    if request.method != "POST":
      return
    if request.path == "/api/encode":
      app_lib.check_upload_type(request.headers.get("content-type"))
    elif request.path in ("/api/grid", "/api/traversal", "/api/edit"):
      app_lib.check_json_type(request.headers.get("content-type"))
    else:
      raise HttpError(f"no API at {app_lib.clipped(request.path)}", 404)

  def _check_sender(self, request: Request, api: bool) -> None:
    """Refuses (403) a request for another host name (DNS rebinding) and, for the API, one sent
    by a page of another origin."""
    host = request.headers.get("host")
    if host is None or host_name(host) not in self.allowed_hosts:
      raise HttpError(
          f"this explorer answers only to the host names {', '.join(self.host_list)} "
          f"(got Host {app_lib.quoted(host)}; start it with --allowed_hosts to add one)", 403)
    if not api:
      return
    origin = request.headers.get("origin")
    if origin is not None and origin not in self.origins(host):
      raise HttpError(
          f"requests from other origins are refused (Origin {app_lib.quoted(origin)})", 403)
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
      raise HttpError(
          f"requests from other sites are refused (Sec-Fetch-Site {app_lib.quoted(site)})", 403)

  def origins(self, host_header: str) -> Tuple[str, ...]:
    """The page's own origins for a request that reached this server as `host_header`."""
    port = self.server_address[1]
    names = {host_name(host_header), *self.host_list} - {"*"}
    return tuple(f"http://{f'[{n}]' if ':' in n else n}:{port}" for n in names)

  async def _read_body(self, reader, request: Request) -> None:
    """The body, refused before it is read when its declared size is over the route's limit
    or the server's body budget; a body shorter than declared (it ended, or did not arrive in
    time) is a 400 and the connection closes (no leftover bytes read as another request)."""
    length = request.headers.get("content-length")
    if length is None or not re.fullmatch(r"[0-9]{1,15}", length.strip()):
      raise HttpError("the request has no valid Content-Length", 411)
    size = int(length)
    limit, what = ((app_lib.MAX_UPLOAD_BYTES, "an upload") if request.path == "/api/encode"
                   else (MAX_JSON_BYTES, "a request"))
    if size > limit:
      raise HttpError(f"{what} of {size} bytes is over the limit of {limit} bytes", 413)
    if self._body_bytes + size > self.limits.body_budget_bytes:
      raise HttpError("the explorer is busy reading other requests: try again", 503)
    self._body_bytes += size
    request.reserved = size
    body = bytearray()
    try:
      async with asyncio.timeout(self.limits.body_seconds):
        while len(body) < size:
          chunk = await reader.read(min(65536, size - len(body)))
          if not chunk:
            break
          body += chunk
    except TimeoutError:
      self._release_body(request)
      raise HttpError(f"the body did not arrive within {self.limits.body_seconds:g} s "
                      f"({len(body)} of {size} bytes)", 400) from None
    if len(body) < size:
      self._release_body(request)
      raise HttpError(f"the body ended after {len(body)} of {size} bytes", 400)
    request.body = bytes(body)

  def _release_body(self, request: Request) -> None:
    self._body_bytes -= request.reserved
    request.reserved = 0

  # ---- answering -------------------------------------------------------------------------

  def _static(self, request: Request) -> Response:
    path = request.path
    name = "index.html" if path in ("/", "/index.html") else (
        path[len("/static/"):] if path.startswith("/static/") else None)
    if name is None:
      return error_response(request, 404, f"no page at {app_lib.clipped(path)}")
    file = os.path.join(STATIC_DIR, name)
    ext = os.path.splitext(name)[1]
    # Only the package's own static files: no sub-folders, no '..'.
    if "/" in name or "\\" in name or ext not in STATIC_TYPES or not os.path.isfile(file):
      return error_response(request, 404, f"no file {app_lib.clipped(name)}")
    with open(file, "rb") as f:
      return Response(200, f.read(), STATIC_TYPES[ext])

  def _answer(self, request: Request) -> Response:
    """An API request, whole and checked for its sender, type and size (a model thread)."""
    explorer = self.explorer
    t0 = time.perf_counter()
    try:
      if request.method == "GET":
        if request.path == "/api/info":
          return json_response(200, explorer.info())
        raise app_lib.ExplorerError(f"no API at {app_lib.clipped(request.path)}", 404)
      routes: Dict[str, Callable] = {"/api/grid": explorer.grid,
                                     "/api/traversal": explorer.traversal,
                                     "/api/edit": explorer.edit}
      if request.path == "/api/encode":
        query = urllib.parse.parse_qs(request.query)
        seed = app_lib.int_param({"seed": app_lib.int_text(query.get("seed", ["0"])[0])},
                                 "seed", 0, app_lib.MAX_SEED)
        answer = explorer.encode(request.body, seed)
      else:
        answer = routes[request.path](_json_body(request.body))
    except app_lib.ExplorerError as e:
      return error_response(request, e.status, str(e))
    except Exception as e:  # pylint: disable=broad-except
      # One line, never a traceback; the page shows the same line.
      first = str(e).splitlines()[0] if str(e) else ""
      return error_response(request, 500, f"internal error ({type(e).__name__})"
                            + (f": {app_lib.clipped(first)}" if first else ""))
    answer["ms"] = round((time.perf_counter() - t0) * 1000.0, 1)
    log.debug("%s %s -> 200", request.method, printable(app_lib.clipped(request.path)))
    return json_response(200, answer)


def _json_body(raw: bytes) -> Dict[str, Any]:
  try:
    body = json.loads(raw or b"{}")
  except RecursionError as e:
    raise app_lib.ExplorerError("the request is not JSON the explorer reads: nested too "
                                "deeply") from e
  except ValueError as e:
    if "integer string conversion" in str(e):  # Python's cap on int digits (4300)
      raise app_lib.ExplorerError("the request is not JSON the explorer reads: a number of "
                                  "more than 4300 digits") from e
    raise app_lib.ExplorerError(f"the request is not JSON: {app_lib.clipped(str(e))}") from e
  if not isinstance(body, dict):
    raise app_lib.ExplorerError("the request must be a JSON object")
  return body


class _AnyHost:
  """`allowed_hosts` with '*': every Host name."""

  def __contains__(self, name) -> bool:
    return True


def make_server(explorer: Optional[app_lib.Explorer], host: str = "127.0.0.1",
                port: int = 8080, allowed_hosts: Iterable[str] = (),
                limits: Limits = Limits()) -> ExplorerServer:
  """Binds the server (port 0 = any free port); `explorer` may be set after binding, before
  `serve_forever`.

  Raises:
    OSError: The port is in use or the address cannot be bound.
  """
  return ExplorerServer((host, port), explorer, allowed_hosts, limits)


def port_in_use_message(error: OSError, host: str, port: int) -> Optional[str]:
  """One line for a bind failure, or None when it is not one."""
  if error.errno == errno.EADDRINUSE:
    return f"port {port} on {host} is in use: pick another with --port"
  if error.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
    return f"cannot listen on {host}:{port}: {error.strerror}"
  return None
