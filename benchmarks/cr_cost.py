"""What InfoGAN-CR's contrastive term costs per train step: interleaved timing in one process.

  python -m benchmarks.cr_cost [--rounds=8] [--steps=20] [--batch=64]

Builds train loops on the same in-memory images (MNIST nets, Cat(10) + 2 continuous codes, the
paper's MNIST settings): InfoGAN, and InfoGAN-CR with the separate pair classifier and with a
head on D's trunk at each `--pair_fractions`; then times `--steps` steps of each in turn,
`--rounds` times (A B C A B C ...), so drifts of the machine's speed hit all alike. Reports
each round's seconds per step and the ratios to InfoGAN within the round (median, min, max),
and writes benchmarks/results/cr_cost.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "cr_cost.json")


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--rounds", type=int, default=8)
  parser.add_argument("--steps", type=int, default=20)
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--pair_fractions", default="0.5,0.25",
                      help="cr_pair_fraction values to time (comma-separated).")
  parser.add_argument("--out", default=RESULTS)
  args = parser.parse_args()
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from infogan_tf import config as config_lib
  from infogan_tf.training import step as train_step
  # pylint: enable=g-import-not-at-top

  base = config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=62, categorical=(10,), continuous=2),
      model=config_lib.ModelConfig("mnist", (28, 28, 1)),
      data=config_lib.DataConfig(name="procedural", image_size=28, channels=1),
      train=config_lib.TrainConfig(workdir="/tmp/unused", batch_size=args.batch, seed=0,
                                   strategy="one_device"))
  variants = {"infogan": base}
  for fraction in args.pair_fractions.split(","):
    for classifier in ("separate", "trunk"):
      variants[f"cr_{classifier}_pairs{fraction}"] = base.replace(loss=config_lib.LossConfig(
          cr_weight=2.0, cr_classifier=classifier, cr_pair_fraction=float(fraction)))
  strategy = tf.distribute.get_strategy()
  images = np.random.RandomState(0).uniform(-1, 1, [args.batch, 28, 28, 1]).astype(np.float32)
  dataset = tf.data.Dataset.from_tensors({"images": tf.constant(images)}).repeat()
  loops = {}
  for name, config in variants.items():
    state = train_step.create_state(config.validate(), strategy)
    loop = train_step.make_train_loop(state, config, strategy)
    iterator = iter(dataset)
    loop(iterator, 2)  # trace and warm up
    loops[name] = (loop, iterator)
  seconds = {name: [] for name in loops}
  for _ in range(args.rounds):
    for name, (loop, iterator) in loops.items():
      start = time.perf_counter()
      loop(iterator, args.steps)
      seconds[name].append((time.perf_counter() - start) / args.steps)
  ratios = {name: [s / b for s, b in zip(seconds[name], seconds["infogan"])]
            for name in loops if name != "infogan"}
  report = {
      "command": f"python -m benchmarks.cr_cost --rounds={args.rounds} --steps={args.steps} "
                 f"--batch={args.batch} --pair_fractions={args.pair_fractions}",
      "tensorflow": tf.__version__,
      "seconds_per_step": seconds,
      "ratio_to_infogan": {name: {"median": statistics.median(r), "min": min(r), "max": max(r)}
                           for name, r in ratios.items()},
  }
  from benchmarks import record  # pylint: disable=g-import-not-at-top
  record.write(args.out, report, indent=1)
  for name, r in report["ratio_to_infogan"].items():
    print(f"{name}: {r['median']:.3f} x InfoGAN's step time (rounds {r['min']:.3f}-"
          f"{r['max']:.3f})")
  print(f"InfoGAN: {statistics.median(seconds['infogan']) * 1000:.1f} ms/step (median)")


if __name__ == "__main__":
  main()
