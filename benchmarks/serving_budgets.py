r"""What one request costs each signature of an export: time and peak memory against its size.

  python -m benchmarks.serving_budgets --model_dir=/tmp/models/infogan/1 [--label=demo_28x28]
      [--cases=generate:64,generate:8192,...] [--repeats=1]

Each case runs in a fresh process (so an earlier, larger call's freed memory cannot hide this
one's): the export is loaded with `tf.saved_model.load`, every signature the case calls is run
once at batch 1 (traced and warm), the peak RSS is reset (/proc/self/clear_refs), then the case's
request runs once: the peak RSS above the RSS before it (VmHWM - VmRSS, MiB) and the wall time.
A request the signature refuses is recorded with its first line; refusals cost nothing
proportional to the request (that is what the caps are for).

Cases are `signature:batch` or, for invert_with_settings, `invert_with_settings:B/S/R` (batch,
steps, restarts). The default list covers each signature at its cap and beyond it, and
the issue's probe sizes (generate 8192 and 16384, invert 256 at the defaults,
invert_with_settings 256/1000/64). Writes benchmarks/results/serving_budgets_<label>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CASES = (
    "generate:64,generate:256,generate:512,generate:1024,generate:8192,generate:16384,"
    "sample:256,sample:512,sample:1024,sample_with_codes:1024,"
    "encode:256,encode:1024,encode:2048,encode:8192,encode_image_bytes:256,"
    "encode_image_bytes:1024,encode_image_bytes:2048,"
    "invert:16,invert:64,invert:256,invert_with_settings:64/50/16,"
    "invert_with_settings:256/1000/64,invert_with_settings:1/1000/64,"
    "invert_with_settings:64/200/16,invert_with_settings:32/50/64")


def _status(field: str) -> float:
  with open("/proc/self/status") as f:
    for line in f:
      if line.startswith(field + ":"):
        return int(line.split()[1]) / 1024  # KiB -> MiB
  raise KeyError(field)


def _inputs(model, signature: str, size: str):
  """The request of a case: inputs drawn from the export itself (its `sample`)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  one = model.signatures["sample"](count=tf.constant(1), seed=tf.constant(0, tf.int64))
  image = one["images"].numpy()  # [1, H, W, C]
  if signature == "invert_with_settings":
    batch, steps, restarts = (int(v) for v in size.split("/"))
    return {"images": np.repeat(image, batch, 0), "steps": np.int32(steps),
            "restarts": np.int32(restarts), "seed": np.int64(0)}
  batch = int(size)
  if signature in ("sample", "sample_with_codes"):
    inputs = {"count": np.int32(batch), "seed": np.int64(0)}
    if signature == "sample_with_codes":
      if "categorical" in one:
        inputs["categorical"] = np.full(one["categorical"].shape[1:], -1, np.int32)
      if "continuous" in one:
        inputs["continuous"] = np.full(one["continuous"].shape[1:], np.nan, np.float32)
    return inputs
  if signature == "generate":
    return {k: np.repeat(one[k].numpy(), batch, 0)
            for k in ("noise", "categorical", "continuous") if k in one}
  if signature == "encode_image_bytes":
    png = tf.io.encode_png(tf.cast(image[0] * 255, tf.uint8)).numpy()
    return {"image_bytes": np.array([png] * batch, object)}
  return {"images": np.repeat(image, batch, 0)}  # encode, invert


def child(model_dir: str, case: str) -> dict:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  signature, size = case.split(":")
  model = tf.saved_model.load(model_dir)
  fn = model.signatures[signature]
  small = "1/0/1" if signature == "invert_with_settings" else "1"
  warm = _inputs(model, signature, small)
  specs = fn.structured_input_signature[1]
  tensors = lambda inputs: {k: tf.constant(v, specs[k].dtype) for k, v in inputs.items()}
  fn(**tensors(warm))  # traced and warm
  inputs = tensors(_inputs(model, signature, size))  # the request's own bytes: not counted
  with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets VmHWM to the current RSS
  start, t0 = _status("VmRSS"), time.perf_counter()
  try:
    fn(**inputs)
    outcome = "answered"
  except tf.errors.InvalidArgumentError as e:
    outcome = "refused: " + e.message.split("assertion failed: ")[-1].split("\n")[0][:160]
  return {"case": case, "seconds": round(time.perf_counter() - t0, 3),
          "peak_mib": round(_status("VmHWM") - start, 1), "outcome": outcome}


def write_results(prefix: str, label: str, out: dict) -> str:
  """Writes `out` (stamped by `benchmarks.record`) to
  benchmarks/results/<prefix>_<label as a slug>.json; returns the path."""
  from benchmarks import record  # pylint: disable=g-import-not-at-top
  slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
  path = record.write(f"{prefix}_{slug}", out)
  print(f"wrote {path}")
  return path


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--model_dir", required=True)
  parser.add_argument("--cases", default=DEFAULT_CASES)
  parser.add_argument("--label", default="demo_28x28")
  parser.add_argument("--repeats", type=int, default=1)
  parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    print(json.dumps(child(args.model_dir, args.child)))
    return
  results = []
  for case in args.cases.split(","):
    for _ in range(args.repeats):
      proc = subprocess.run([sys.executable, "-m", "benchmarks.serving_budgets",
                             f"--model_dir={args.model_dir}", f"--child={case}"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
      if proc.returncode != 0:
        raise RuntimeError(f"{case} failed: {proc.stderr[-2000:]}")
      row = json.loads(proc.stdout.strip().splitlines()[-1])
      results.append(row)
      print(f"{case:34s} {row['seconds']:8.2f} s {row['peak_mib']:8.1f} MiB  {row['outcome']}",
            flush=True)
  write_results("serving_budgets", args.label,
                {"model_dir": args.model_dir, "label": args.label, "results": results})


if __name__ == "__main__":
  main()
