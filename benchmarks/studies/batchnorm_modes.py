r"""How far inference-mode codes are from batch-statistics codes after a short ss run: the
numbers behind the tolerance of tests/ss_infogan_test.py's mode comparison.

  python -m benchmarks.studies.batchnorm_modes --workdir=/tmp/bn_modes
  TF_ENABLE_ONEDNN_OPTS=0 python -m benchmarks.studies.batchnorm_modes --workdir=/tmp/bn_modes_eigen

Trains the test's run (shapes_ss.flags, 120 steps of 32 on 2000 images, one device) unless the
workdir has one, then encodes the 1000 evaluation images in inference mode (BatchNorm's running
statistics), with batch statistics (batches of 500), and with the running statistics reset to
their initial values (the bug the test guards against). Prints the accuracies against the shape
and the fraction of predictions that differ from batch statistics.
"""

from __future__ import annotations

import argparse
import io
import json
import os

import numpy as np


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", required=True)
  args = parser.parse_args()
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from absl import flags  # pylint: disable=g-import-not-at-top
  from infogan_tf import config as config_lib, data as data_lib, evaluation, training  # pylint: disable=g-import-not-at-top
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  from benchmarks.throughput import ROOT  # pylint: disable=g-import-not-at-top
  from trainers import flags as trainer_flags  # pylint: disable=g-import-not-at-top

  if not os.path.exists(os.path.join(args.workdir, "config.json")):
    fv = flags.FlagValues()
    trainer_flags.define_flags(fv)
    fv(["prog", f"--flagfile={ROOT}/trainers/flagfiles/shapes_ss.flags",
        f"--workdir={args.workdir}", "--steps=120", "--num_examples=2000", "--batch_size=32",
        "--strategy=one_device", "--log_every=100", "--checkpoint_every=120",
        "--image_every=120", "--steps_per_loop=20"])
    training.train(trainer_flags.config_from_flags(fv), stream=io.StringIO())
  config = config_lib.load_config(args.workdir)
  model = ig.InfoGAN.from_workdir(args.workdir)
  discriminator = model.encoder
  test = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  x, y, f = evaluation.load_arrays(test, model.pixel_range)
  shape = evaluation.column_values(test, y, f, "shape")
  inference = evaluation.encode(model, x)["cat0"]
  batch = evaluation.encode(model, x, batch=500, training=True)["cat0"]
  for v in discriminator.non_trainable_variables:  # running statistics back to mean 0, var 1
    v.assign(tf.zeros_like(v) if "mean" in v.name else tf.ones_like(v))
  reset = evaluation.encode(model, x)["cat0"]
  print(json.dumps({
      "images": len(x), "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
      "accuracy_inference": float(np.mean(inference == shape)),
      "accuracy_batch_statistics": float(np.mean(batch == shape)),
      "differ_from_batch_statistics": float(np.mean(inference != batch)),
      "accuracy_running_statistics_at_init": float(np.mean(reset == shape))}))


if __name__ == "__main__":
  main()
