r"""What keeping the input pipeline in order costs: batches/s of the training pipeline in order
(`--in_order`, the default) and out of order, alternately in one process, against what the
train step consumes.

  python -m benchmarks.studies.pipeline_order [--dataset=fashion_mnist] [--batch=64] [--rounds=5]

Writes benchmarks/results/pipeline_order.json. The step consumes ~16 batches/s of 64 MNIST-size
images at ~1000 images/s (docs/results.md): a pipeline many times faster than that in both
settings cannot slow training.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import tensorflow as tf

from benchmarks import throughput
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib


def batches_per_second(dataset: tf.data.Dataset, seconds: float) -> float:
  it = iter(dataset)
  for _ in range(20):  # fill the cache, warm the prefetch
    next(it)
  n, t0 = 0, time.perf_counter()
  while time.perf_counter() - t0 < seconds:
    next(it)
    n += 1
  return n / (time.perf_counter() - t0)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--dataset", default="fashion_mnist")
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--rounds", type=int, default=5)
  parser.add_argument("--seconds", type=float, default=3.0)
  args = parser.parse_args()
  name = args.dataset
  if name == "fashion_mnist" and not os.path.isdir("/usr/share/datasets/fashion-mnist"):
    name = "procedural"
  data = config_lib.DataConfig(name=name, image_size=28, num_examples=20000)
  source = data_lib.load_source(data)
  strategy = tf.distribute.get_strategy()
  rates = {True: [], False: []}
  for _ in range(args.rounds):
    for ordered in (False, True):
      ds = data_lib.distributed_train_dataset(strategy, source, args.batch, (-1.0, 1.0), 0,
                                              data.shuffle_buffer, in_order=ordered)
      rates[ordered].append(batches_per_second(ds, args.seconds))
  ratios = [a / b for a, b in zip(rates[True], rates[False])]
  result = {"date": time.strftime("%Y-%m-%d"), "machine": throughput.machine(),
            "dataset": name, "batch": args.batch, "batches_per_sec_ordered": rates[True],
            "batches_per_sec_unordered": rates[False], "ratios_ordered_over_unordered": ratios,
            "median_ratio": sorted(ratios)[len(ratios) // 2]}
  out = os.path.join(throughput.ROOT, "benchmarks", "results", "pipeline_order.json")
  with open(out, "w") as f:
    json.dump(result, f, indent=2)
  print(json.dumps(result))


if __name__ == "__main__":
  main()
