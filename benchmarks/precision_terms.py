r"""Where does bfloat16 change the step? Each loss term, Q output and gradient against float64.

The same weights (a run's latest checkpoint), the same real
batch and the same latent codes go through the objective in float64 (the reference), float32
and each other precision asked for (mixed_bfloat16 is emulated where the CPU lacks it: slow,
but a few passes are seconds). For every D term, G term, the Q head's outputs on real and on
generated images (categorical logits, continuous means and raw log-stds), G's images and every
variable's gradient it prints the relative error ||x - x_64|| / ||x_64|| of each precision, so
the parts bfloat16 breaks stand out beside float32's own round-off. A last column is the
yardstick for the gradients: float32 on the next batch and latent sample against this batch's
reference, the change SGD sees from one step to the next anyway.

  python -m benchmarks.precision_terms --workdir=RUN [--seeds=0,1,2] \
      [--precisions=float32,mixed_bfloat16] [--out_json=benchmarks/results/precision_terms.json]

The gradients are those of one D step and one G step at the same weights (G's step does not run
through an updated D), so each precision sees identical inputs at every layer's weights.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from typing import Dict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANOTHER_BATCH = "float32, next batch"  # the yardstick column


def measure(config, weights: Dict, images, latent) -> Dict:
  """{quantity: float64 array} of one precision (config.model.precision) at `weights`."""
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from infogan_tf import objectives
  from infogan_tf.latent import LatentSample
  from infogan_tf.model import InfoGAN
  # pylint: enable=g-import-not-at-top
  model = InfoGAN(config)
  G, D = model.generator, model.discriminator
  variables = {v.path: v for v in G.variables + D.variables}
  for path, value in weights.items():
    variables[path].assign(value.astype(variables[path].dtype))
  dtype = tf.float64 if config.model.precision == "float64" else tf.float32
  latent = LatentSample(tf.constant(latent.noise, dtype),
                        [tf.constant(c) for c in latent.categorical],
                        tf.constant(latent.continuous, dtype))
  real = tf.constant(images, dtype)
  batch = len(images)
  objective = objectives.Objective(config, model.rng, model.pixel_range, batch,
                                   model.discriminator_average, model.family_state, model.step)
  out = {}
  with tf.GradientTape() as g_tape:
    fake = G(model.generator_input(latent), training=True)  # [B, H, W, C]
    with g_tape.stop_recording():
      with tf.GradientTape() as d_tape:
        d_terms, _ = objective.discriminator_terms(D, {"images": real}, tf.stop_gradient(fake),
                                                   latent, {})
        d_loss = tf.add_n(list(d_terms.values()))
      d_grads = d_tape.gradient(d_loss, D.trainable_variables)
    g_terms, _ = objective.generator_terms(D, fake, latent, {})
    g_loss = tf.add_n(list(g_terms.values()))
  g_grads = g_tape.gradient(g_loss, G.trainable_variables)
  out["G(z, c)"] = fake
  for k, v in d_terms.items():
    out[f"term d/{k}"] = v
  for k, v in g_terms.items():
    out[f"term g/{k}"] = v
  for name, x in (("real", real), ("generated", fake)):
    q = D(x, training=False)
    for i, logits in enumerate(q.categorical_logits):
      out[f"Q cat{i} logits ({name})"] = logits
    out[f"Q continuous mean ({name})"] = q.continuous_mean
    out[f"Q continuous raw log-std ({name})"] = q.continuous_log_std
    out[f"D logit ({name})"] = q.logits
  for v, g in zip(D.trainable_variables, d_grads):
    out[f"grad {v.path}"] = g
  for v, g in zip(G.trainable_variables, g_grads):
    out[f"grad {v.path}"] = g
  return {k: np.asarray(tf.cast(v, tf.float64).numpy()) for k, v in out.items()}


def relative_errors(result: Dict, reference: Dict) -> Dict[str, float]:
  import numpy as np  # pylint: disable=g-import-not-at-top
  out = {}
  for k, ref in reference.items():
    den = np.linalg.norm(ref)
    out[k] = float(np.linalg.norm(result[k] - ref) / den) if den > 0 else float(
        np.linalg.norm(result[k]))
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--workdir", required=True, help="A run whose latest checkpoint gives "
                      "the weights and the config.")
  parser.add_argument("--seeds", default="0,1,2", help="One batch and latent sample each.")
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--precisions", default="float32,mixed_bfloat16")
  parser.add_argument("--out_json", default=None)
  args = parser.parse_args()
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from benchmarks import throughput
  from infogan_tf import data as data_lib
  from infogan_tf.model import InfoGAN
  # pylint: enable=g-import-not-at-top
  tf.config.experimental.enable_op_determinism()
  trained = InfoGAN.from_workdir(args.workdir)
  config = trained.config
  weights = {v.path: v.numpy() for v in trained.generator.variables
             + trained.discriminator.variables}
  seeds = [int(s) for s in args.seeds.split(",")]
  pool = next(iter(data_lib.eval_batches(data_lib.load_source(config.data, split="test"),
                                         args.batch * (len(seeds) + 1), trained.pixel_range)))
  pool = pool["image"].numpy()
  precisions = args.precisions.split(",")
  columns = precisions + [ANOTHER_BATCH]
  errors = {p: {} for p in columns}
  start = time.perf_counter()
  for index, seed in enumerate(seeds):
    images = pool[index * args.batch:(index + 1) * args.batch]
    latent = trained.spec.numpy_sample(args.batch, seed=seed)
    at = lambda p: config.replace(model=dataclasses.replace(config.model, precision=p))
    reference = measure(at("float64"), weights, images, latent)
    for p in precisions:
      for k, e in relative_errors(measure(at(p), weights, images, latent), reference).items():
        errors[p].setdefault(k, []).append(e)
    # The yardstick: float32 on the next batch and latent sample (SGD's own step-to-step noise).
    other = measure(at("float32"), weights, pool[(index + 1) * args.batch:][:args.batch],
                    trained.spec.numpy_sample(args.batch, seed=seed + 1))
    for k, e in relative_errors(other, reference).items():
      errors[ANOTHER_BATCH].setdefault(k, []).append(e)
    print(f"seed {seed} done ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
  names = list(errors[precisions[0]])
  width = max(len(n) for n in names)
  print(f"{'quantity':<{width}}  " + "  ".join(f"{p:>20}" for p in columns))
  for n in names:
    print(f"{n:<{width}}  " + "  ".join(f"{float(np.mean(errors[p][n])):20.2e}"
                                         for p in columns))
  if args.out_json:
    with open(args.out_json, "w") as f:
      json.dump({"command": " ".join(["python -m benchmarks.precision_terms"] + sys.argv[1:]),
                 "workdir": args.workdir, "step": int(trained.step.numpy()),
                 "seeds": seeds, "batch": args.batch, "machine": throughput.machine(),
                 "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"),
                 "date": time.strftime("%Y-%m-%d"),
                 "relative_error_vs_float64": {p: {n: {"mean": float(np.mean(v)),
                                                       "max": float(np.max(v))}
                                                   for n, v in errors[p].items()}
                                               for p in columns}}, f, indent=1)
    print(f"wrote {args.out_json}")


if __name__ == "__main__":
  main()
