r"""Serving speed of the exported SavedModel (a benchmark, not a test).

Exports the MNIST nets (from --workdir if given, else freshly initialised weights: speed does
not depend on the values), loads the SavedModel with `tf.saved_model.load` (the loader TF
Serving shares) and times single calls of `generate` and `encode` at batch 1 and 64:
latency p50/p99 and throughput (images/s = batch / mean latency). Single-stream: one request
at a time, as a latency-bound client sees it.

  python -m benchmarks.serving [--workdir=workdirs/demo] [--seconds=5]
Outputs: benchmarks/results/serving.json (docs/results.md, rendered).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _export(workdir, export_dir):
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  from infogan_tf.serving import exporter  # pylint: disable=g-import-not-at-top

  if workdir:
    model = ig.InfoGAN.from_workdir(workdir)
  else:
    model = ig.InfoGAN(ig.ExperimentConfig(
        latent=ig.LatentConfig(noise_dim=62, categorical=(10,), continuous=2),
        model=ig.ModelConfig("mnist", (28, 28, 1))))
  return exporter.write_saved_model(model, export_dir).path, model


def time_calls(fn, inputs, seconds, min_calls=50):
  """Latencies (ms) of repeated single calls after a warm-up."""
  for _ in range(10):
    fn(**inputs)
  latencies, t_end = [], time.perf_counter() + seconds
  while time.perf_counter() < t_end or len(latencies) < min_calls:
    t0 = time.perf_counter()
    out = fn(**inputs)
    next(iter(out.values())).numpy()
    latencies.append((time.perf_counter() - t0) * 1000)
  return np.array(latencies)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", default=None)
  parser.add_argument("--seconds", type=float, default=5.0)
  parser.add_argument("--out_json", default=os.path.join(ROOT, "benchmarks", "results",
                                                         "serving.json"))
  args = parser.parse_args()

  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks import record
  from infogan_tf.serving import warmup

  rows = []
  with tempfile.TemporaryDirectory() as tmp:
    path, model = _export(args.workdir, tmp)
    loaded = tf.saved_model.load(path)
    for batch in (1, 64):
      inputs = warmup.example_inputs(model, batch)
      for name in ("generate", "encode"):
        tensors = {k: tf.constant(v) for k, v in inputs[name].items()}
        lat = time_calls(loaded.signatures[name], tensors, args.seconds)
        rows.append({"signature": name, "batch_size": batch, "calls": len(lat),
                     "p50_ms": float(np.percentile(lat, 50)),
                     "p99_ms": float(np.percentile(lat, 99)),
                     "mean_ms": float(lat.mean()),
                     "images_per_sec": batch / (lat.mean() / 1000)})
        print(json.dumps(rows[-1]), flush=True)
  report = {"weights": args.workdir or "freshly initialised", "results": rows}
  print("wrote", record.write(args.out_json, report))

if __name__ == "__main__":
  main()
