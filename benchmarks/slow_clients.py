r"""The explorer under slow, idle and bursty clients: can a legitimate user still get in?

  python -m benchmarks.slow_clients --model_dir=/tmp/models/infogan/1 [--label=after]

Starts `python -m export.explore` on the export in its own process (this tree's code) and
measures, from this process over loopback:
1. drip: 40 connections dripping a header line and 40 dripping body bytes every 3 s (each
   reconnecting when closed), then 12 legitimate requests (GET /api/info and POST /api/grid
   alternately, 5 s timeout each): how many succeed and how long each takes;
2. short body: a POST whose body stops short of its Content-Length: the status, the answer's
   first bytes and the time to it;
3. burst: 40 simultaneous GET /api/info: p50 and max latency;
4. big headers: 16 requests of ~6 MB of headers each (95 lines of 65000 bytes): the statuses
   and the server's RSS growth (VmRSS after minus before, peak VmHWM minus the RSS before, MiB);
5. first upload: the time of the first /api/encode after the server is up, and of the next 3.
Writes benchmarks/results/slow_clients_<label>.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = json.dumps({"categorical": [1], "continuous": [0.0, 0.0], "count": 4}).encode()


def _status(pid: int, field: str) -> float:
  with open(f"/proc/{pid}/status") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) / 1024  # KiB -> MiB
  raise KeyError(field)


def _request(port, method, path, body=None, headers=None, timeout=5.0):
  conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
  try:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.read()
    return response.status
  finally:
    conn.close()


def _drip(port: int, stop: threading.Event, body: bool, period: float) -> None:
  head = (b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          b"Content-Length: 100000\r\n\r\n" if body
          else b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n")
  while not stop.is_set():
    try:
      with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head)
        while not stop.wait(period):
          s.sendall(b"x" if body else b"X-Drip: x\r\n")
    except OSError:
      stop.wait(0.1)


def drip(port: int, period: float = 3.0) -> dict:
  stop = threading.Event()
  threads = [threading.Thread(target=_drip, args=(port, stop, i % 2 == 1, period), daemon=True)
             for i in range(80)]
  for t in threads:
    t.start()
  time.sleep(2.0)
  results = []
  for i in range(12):
    start = time.monotonic()
    try:
      if i % 2:
        status = _request(port, "POST", "/api/grid", GRID, {"Content-Type": "application/json"})
      else:
        status = _request(port, "GET", "/api/info")
    except (OSError, http.client.HTTPException) as e:
      status = type(e).__name__
    results.append({"status": status, "seconds": round(time.monotonic() - start, 3)})
  stop.set()
  for t in threads:
    t.join(timeout=10)
  ok = [r for r in results if r["status"] == 200]
  return {"succeeded": len(ok), "of": len(results),
          "max_seconds_ok": max((r["seconds"] for r in ok), default=None), "requests": results}


def short_body(port: int) -> dict:
  with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
    start = time.monotonic()
    s.sendall(b"POST /api/grid HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
              b"\r\nContent-Length: 1000\r\n\r\n{\"count\":")
    answer = b""
    try:
      while chunk := s.recv(65536):
        answer += chunk
    except OSError:
      pass
  status = re.match(rb"HTTP/1\.[01] (\d+)", answer)
  return {"status": int(status.group(1)) if status else None,
          "seconds": round(time.monotonic() - start, 2),
          "body": answer.split(b"\r\n\r\n", 1)[-1][:160].decode(errors="replace")}


def burst(port: int) -> dict:
  barrier = threading.Barrier(40)

  def one(_):
    barrier.wait()
    start = time.monotonic()
    try:
      status = _request(port, "GET", "/api/info", timeout=10)
    except (OSError, http.client.HTTPException) as e:
      status = type(e).__name__
    return status, time.monotonic() - start

  with concurrent.futures.ThreadPoolExecutor(40) as pool:
    results = list(pool.map(one, range(40)))
  times = [t for _, t in results]
  return {"ok": sum(s == 200 for s, _ in results), "of": 40,
          "p50_seconds": round(statistics.median(times), 3), "max_seconds": round(max(times), 3)}


def big_headers(port: int, pid: int) -> dict:
  # 95 lines of 65000 bytes: under http.server's limits (100 headers, 64 KiB a line)
  head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (b"X-Big: " + b"a" * 65000 + b"\r\n") * 95
  before = _status(pid, "VmRSS")
  with open(f"/proc/{pid}/clear_refs", "w") as f:
    f.write("5")

  def send(_):
    try:
      with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
          s.sendall(head + b"\r\n")
        except OSError:
          pass
        answer = s.recv(100)
      found = re.match(rb"HTTP/1\.[01] (\d+)", answer)
      return int(found.group(1)) if found else None
    except OSError as e:
      return type(e).__name__

  with concurrent.futures.ThreadPoolExecutor(16) as pool:
    statuses = list(pool.map(send, range(16)))
  time.sleep(1.0)
  return {"statuses": statuses, "rss_growth_mib": round(_status(pid, "VmRSS") - before, 1),
          "peak_growth_mib": round(_status(pid, "VmHWM") - before, 1)}


def first_upload(port: int) -> dict:
  import numpy as np  # pylint: disable=g-import-not-at-top
  import zlib  # pylint: disable=g-import-not-at-top
  import struct  # pylint: disable=g-import-not-at-top

  def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

  pixels = (np.arange(28 * 28) % 251).astype(np.uint8).reshape(28, 28)
  raw = b"".join(b"\0" + row.tobytes() for row in pixels)
  png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0))
         + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
  times = []
  for _ in range(4):
    start = time.monotonic()
    status = _request(port, "POST", "/api/encode", png, {"Content-Type": "image/png"}, 60)
    times.append(round(time.monotonic() - start, 3))
    assert status == 200, status
  return {"first_seconds": times[0], "next_seconds": times[1:]}


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--model_dir", required=True)
  parser.add_argument("--label", default="after")
  args = parser.parse_args()
  proc = subprocess.Popen([sys.executable, "-m", "export.explore",
                           f"--model_dir={args.model_dir}", "--port=0"], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
  try:
    line = proc.stdout.readline()
    port = int(re.search(r":(\d+)/", line).group(1))
    results = {"first_upload": first_upload(port)}
    print("first upload", results["first_upload"], flush=True)
    for name, fn in [("short_body", short_body), ("burst", burst), ("drip", drip)]:
      results[name] = fn(port)
      print(name, {k: v for k, v in results[name].items() if k != "requests"}, flush=True)
    results["big_headers"] = big_headers(port, proc.pid)
    print("big_headers", results["big_headers"], flush=True)
  finally:
    proc.kill()
  from benchmarks import serving_budgets  # pylint: disable=g-import-not-at-top
  serving_budgets.write_results("slow_clients", args.label,
                                {"label": args.label, "model_dir": args.model_dir,
                                 "results": results})


if __name__ == "__main__":
  main()
