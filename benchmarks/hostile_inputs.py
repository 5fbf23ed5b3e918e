r"""What hostile image files and requests cost: before the checks (TensorFlow's decoder on the
raw bytes) and now (the checked decoder, and the explorer over a real export).

  python -m benchmarks.hostile_inputs [--large] [--model_dir=/tmp/models/infogan]

1. Decoders: each file of tests/image_bombs.py is decoded in a fresh process, once by
   `tf.io.decode_image(data, expand_animations=False)` and the conversion to grey (what
   `encode_image_bytes` ran after its old header check, which these files pass) and once by
   `image_files.decode_checked(data, 1, size=(28, 28))` (what it runs now): the peak RSS above
   the process's RSS before the call (VmHWM, reset through /proc/self/clear_refs) and the time.
   `--large` adds the issue's largest cases (an 8000x8000 GIF frame, a 16000x16000 WebP: ~5 GB
   and ~25 s unchecked).
2. With --model_dir (an export of a 28x28 grey model, e.g. of demo.flags): `export.explore` in
   its own process; each file posted to /api/encode (the server's peak RSS above its baseline),
   requests from other hosts and origins, and 300 grid requests from 10 clients at once (errors,
   RSS before and after).
Writes benchmarks/results/hostile_inputs.json and prints the tables.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import http.client
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "hostile_inputs.json")


def _files(large: bool) -> dict:
  from tests import image_bombs  # pylint: disable=g-import-not-at-top
  files = {name: build for name, (build, _) in image_bombs.BOMBS.items()}
  if large:
    files["gif frame 8000x8000 on a 28x28 screen"] = functools.partial(
        image_bombs.gif_frame_larger_than_screen, 8000)
    files["lossless webp 16000x16000"] = functools.partial(image_bombs.webp, 16000)
  return files


def _status(pid: str, field: str) -> float:
  with open(f"/proc/{pid}/status") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) / 1024  # KiB -> MiB
  raise KeyError(field)


def _reset_peak(pid: str) -> None:
  with open(f"/proc/{pid}/clear_refs", "w") as f:
    f.write("5")


def child(name: str, mode: str, large: bool) -> dict:
  """Decodes one file in this process: {mib, ms, outcome}."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf.data import image_files  # pylint: disable=g-import-not-at-top

  if mode == "unchecked":  # the decode encode_image_bytes ran after its old header check
    fn = tf.function(lambda d: image_files.to_channels(
        tf.io.decode_image(d, channels=0, expand_animations=False), 1),
                     input_signature=[tf.TensorSpec([], tf.string)])
  else:
    fn = tf.function(lambda d: image_files.decode_checked(d, 1, size=(28, 28),
                                                          what="image_bytes"),
                     input_signature=[tf.TensorSpec([], tf.string)])
  fn(tf.io.encode_png(tf.zeros([28, 28, 1], tf.uint8)))  # traced and warm
  data = tf.constant(_files(large)[name]())
  _reset_peak("self")
  start_rss, t0 = _status("self", "VmRSS"), time.perf_counter()
  try:
    outcome = "decoded {}".format("x".join(map(str, fn(data).shape.as_list())))
  except tf.errors.InvalidArgumentError as e:
    outcome = "refused: " + e.message.split("assertion failed: ")[-1].split("\n")[0][:160]
  return {"mib": round(_status("self", "VmHWM") - start_rss, 1),
          "ms": round((time.perf_counter() - t0) * 1000.0, 1), "outcome": outcome}


def decoders(large: bool) -> dict:
  results = {}
  for name in _files(large):
    results[name] = {}
    for mode in ("unchecked", "checked"):
      proc = subprocess.run(
          [sys.executable, "-m", "benchmarks.hostile_inputs", f"--child={name}",
           f"--mode={mode}"] + (["--large"] if large else []),
          cwd=ROOT, capture_output=True, text=True,
          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
      if proc.returncode != 0:
        raise RuntimeError(f"{name} ({mode}) failed: {proc.stderr[-2000:]}")
      results[name][mode] = json.loads(proc.stdout.strip().splitlines()[-1])
      print(f"{name:55s} {mode:9s} {results[name][mode]}", flush=True)
  return results


def image_files_png() -> bytes:
  """A valid 28x28 grey PNG."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return tf.io.encode_png(tf.zeros([28, 28, 1], tf.uint8)).numpy()


def _request(port, method, path, body=b"", headers=None, timeout=60):
  conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
  conn.request(method, path, body=body, headers=headers or {})
  response = conn.getresponse()
  payload = response.read()
  conn.close()
  return response.status, payload


def explorer(model_dir: str, large: bool) -> dict:
  proc = subprocess.Popen([sys.executable, "-m", "export.explore", f"--model_dir={model_dir}",
                           "--port=0"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
  try:
    line = proc.stdout.readline()
    port = int(line.split(" at ")[1].split()[0].rstrip("/").rsplit(":", 1)[1])
    pid = str(proc.pid)
    grid = json.dumps({"categorical": [0], "continuous": [0.0, 0.0], "count": 16}).encode()
    json_type = {"Content-Type": "application/json"}
    _request(port, "POST", "/api/grid", grid, json_type)
    blank = image_files_png()  # the encode route's first call pays its one-time costs
    _request(port, "POST", "/api/encode", blank, {"Content-Type": "image/png"})
    out = {"uploads": {}, "senders": {}}
    for name, build in _files(large).items():
      data = build()
      _reset_peak(pid)
      start, t0 = _status(pid, "VmRSS"), time.perf_counter()
      status, payload = _request(port, "POST", "/api/encode", data,
                                 {"Content-Type": "application/octet-stream"})
      out["uploads"][name] = {
          "status": status, "ms": round((time.perf_counter() - t0) * 1000.0, 1),
          "mib": round(_status(pid, "VmHWM") - start, 1),
          "answer": json.loads(payload).get("error", "codes")[:160]}
      print(f"explorer upload {name:40s} {out['uploads'][name]}", flush=True)
    for name, headers in {"Host of a rebinding page": {"Host": "attacker.example"},
                          "Origin of another site": {"Origin": "http://attacker.example"},
                          "another local origin": {"Origin": "http://127.0.0.1:1"},
                          "text/plain body": {"Content-Type": "text/plain"}}.items():
      headers = {**json_type, **headers}
      status, payload = _request(port, "POST", "/api/grid", grid, headers)
      out["senders"][name] = {"status": status, "answer": json.loads(payload).get("error")}
    rss_before = _status(pid, "VmRSS")

    def one(_):
      return _request(port, "POST", "/api/grid", grid, json_type)[0]

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
      t0 = time.perf_counter()
      statuses = list(pool.map(one, range(300)))
    out["concurrent"] = {"requests": 300, "clients": 10,
                         "errors": sum(s != 200 for s in statuses),
                         "seconds": round(time.perf_counter() - t0, 1),
                         "rss_before_mib": round(rss_before),
                         "rss_after_mib": round(_status(pid, "VmRSS"))}
    print("explorer concurrency", out["concurrent"], flush=True)
    return out
  finally:
    proc.terminate()
    proc.wait(timeout=60)


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--large", action="store_true")
  parser.add_argument("--model_dir", default=None)
  parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
  parser.add_argument("--mode", default="checked", help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    print(json.dumps(child(args.child, args.mode, args.large)))
    return
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top
  command = " ".join(["python -m benchmarks.hostile_inputs", *sys.argv[1:]])
  results = {"command": command, "machine": throughput.machine_line(throughput.machine()),
             "date": time.strftime("%Y-%m-%d"), "decoders": decoders(args.large)}
  if args.model_dir:
    results["explorer"] = explorer(args.model_dir, args.large)
  os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
  with open(RESULTS, "w") as f:
    json.dump(results, f, indent=1)
  print(f"wrote {RESULTS}")


if __name__ == "__main__":
  main()
