r"""Why the evaluator's L_I differs from the one training logs: L_I per code on generated samples
with G and D each in inference mode (BatchNorm's running statistics, as exported) or in training
mode (each batch's own statistics, as the train step runs them), and the continuous codes'
negative log-likelihood split into its terms.

  python -m benchmarks.studies.info_modes --workdir=/work/runs/fashion/seed_0 [--samples=4096]

For a learned standard deviation, NLL = log(sigma) + (c - mu)^2 / (2 sigma^2) + log(2 pi) / 2:
the 'spread' term (log sigma) says how sure Q is, the 'miss' term how far its mean is from the
code that made the image, in units of its own sigma. Prints a JSON object per mode; writes
benchmarks/results/info_modes_<parent>_<run>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def measure(generator, discriminator, config, samples: int, batch: int, g_training: bool,
            d_training: bool, seed: int = 0) -> dict:
  """L_I per code and the continuous NLL terms over `samples` generated images."""
  from infogan_tf import posterior  # pylint: disable=g-import-not-at-top
  from infogan_tf.latent import LatentSpec  # pylint: disable=g-import-not-at-top

  spec = LatentSpec(config.latent)
  fixed_std = config.loss.continuous_std
  statistics = generator.non_trainable_variables + discriminator.non_trainable_variables
  saved = [v.numpy() for v in statistics]
  ce = np.zeros(len(spec.categorical))
  spread, miss, means, stds, codes = [], [], [], [], []
  for start in range(0, samples, batch):
    sample = spec.numpy_sample(batch, seed + start)
    images = generator(spec.generator_input(sample), training=g_training)
    q = posterior.decode(discriminator(images, training=d_training), fixed_std)
    for i, (probs, c) in enumerate(zip(q.categorical_probs, sample.categorical)):
      ce[i] += float(-np.sum(np.log(np.take_along_axis(probs.numpy(), c[:, None], 1) + 1e-12)))
    if spec.num_continuous:
      mu, sigma = q.continuous_mean.numpy(), q.continuous_std.numpy()  # [B, C]
      spread.append(np.log(sigma))
      miss.append((sample.continuous - mu) ** 2 / (2 * sigma ** 2))
      means.append(mu)
      stds.append(sigma)
      codes.append(sample.continuous)
  for v, value in zip(statistics, saved):
    v.assign(value)  # training-mode passes moved the running statistics: put them back
  n = (samples // batch) * batch
  out = {}
  for i, h in enumerate(spec.categorical_entropies()):
    out[f"cat{i}"] = {"L_I": h - ce[i] / n, "H": h}
  if spec.num_continuous:
    spread, miss = np.concatenate(spread), np.concatenate(miss)
    means, stds, codes = np.concatenate(means), np.concatenate(stds), np.concatenate(codes)
    h = spec.continuous_entropy()
    for j in range(spec.num_continuous):
      nll = spread[:, j] + miss[:, j] + 0.5 * math.log(2 * math.pi)
      slope, offset = np.polyfit(codes[:, j], means[:, j], 1)
      out[f"cont{j}"] = {
          "L_I": h - float(nll.mean()), "H": h,
          "log_sigma": float(spread[:, j].mean()), "miss": float(miss[:, j].mean()),
          "sigma_median": float(np.median(stds[:, j])),
          "mean_vs_code": {"slope": float(slope), "offset": float(offset),
                           "corr": float(np.corrcoef(codes[:, j], means[:, j])[0, 1]),
                           "rmse": float(np.sqrt(np.mean((means[:, j] - codes[:, j]) ** 2)))}}
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", required=True)
  parser.add_argument("--checkpoint", default=None)
  parser.add_argument("--samples", type=int, default=4096)
  args = parser.parse_args()
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf.training import checkpointing  # pylint: disable=g-import-not-at-top

  config = config_lib.load_config(args.workdir)
  generator, discriminator, checkpoint = checkpointing.restore_trained_models(
      config, args.workdir, args.checkpoint)
  batch = config.train.batch_size
  results = {"workdir": args.workdir, "checkpoint": str(checkpoint), "samples": args.samples,
             "batch": batch, "modes": {}}
  for g_training, d_training in [(True, True), (False, False), (False, True), (True, False)]:
    name = f"G {'batch' if g_training else 'running'} statistics, D " \
           f"{'batch' if d_training else 'running'} statistics"
    results["modes"][name] = measure(generator, discriminator, config, args.samples, batch,
                                     g_training, d_training)
    print(name, json.dumps(results["modes"][name]), flush=True)
  run = "_".join(os.path.normpath(os.path.abspath(args.workdir)).split(os.sep)[-2:])
  path = os.path.join(ROOT, "benchmarks", "results", f"info_modes_{run}.json")
  with open(path, "w") as f:
    json.dump(results, f, indent=1)
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
