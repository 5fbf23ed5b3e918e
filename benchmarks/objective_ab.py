r"""Do two source trees compute the same loss terms? (a check, not a test)

Builds the models (seeded), one batch and one latent sample, and evaluates the objective's D
and G terms and logs in this tree and in another checkout, for three configurations: the
paper's unsupervised InfoGAN; ss-InfoGAN with the pseudo-label term and extra images; and the
same with the IIC extension and Q_ss on generated images (every term the package has). With op
determinism on, a refactoring that only moves code must give the same numbers bit for bit.

  git worktree add /tmp/before <commit>
  python -m benchmarks.objective_ab --other_tree=/tmp/before \
      --out_json=benchmarks/results/objective_ab.json

Works on trees whose `objectives.Objective(config, rng, pixel_range, global_batch=...)` takes a
batch dict (2026-11 on).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = ("unsupervised", "ss_pseudo_labels", "every_term")


def child() -> dict:
  """{config: {metric: value}} of this process's tree (PYTHONPATH)."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  # pylint: disable=g-import-not-at-top
  import keras
  import numpy as np
  import tensorflow as tf
  from infogan_tf import config as config_lib
  from infogan_tf import objectives
  from infogan_tf.latent import LatentSpec
  from infogan_tf.models import build_models
  from tests import helpers
  tf.config.experimental.enable_op_determinism()
  results = {}
  for name in CONFIGS:
    if name == "unsupervised":
      config = helpers.tiny_config()
    else:
      config = helpers.with_parts(helpers.tiny_ss_config(),
                                  latent=dict(categorical=(4, 3), continuous=2))
      every = name == "every_term"
      if every:
        config = helpers.with_parts(config, loss=dict(real_info_weight=1.0))
      ss = config.semi_supervised
      config = config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
          **{**ss.__dict__, "q_ss_on_generated": every, "consistency_threshold": 0.1,
             "consistency_extra_images": 4}))
    keras.utils.set_random_seed(0)
    generator, discriminator = build_models(config)
    spec = LatentSpec(config.latent)
    rng = tf.random.Generator.from_seed(1)
    objective = objectives.Objective(config, rng, (0.0, 1.0), global_batch=6)
    rs = np.random.RandomState(0)
    batch = {"images": rs.rand(6, 28, 28, 1), "labelled_images": rs.rand(4, 28, 28, 1),
             "extra_images": rs.rand(4, 28, 28, 1)}
    batch = {k: tf.constant(v, tf.float32) for k, v in batch.items()}
    batch["labels"] = tf.constant([[0], [1], [2], [3]], tf.int32)
    if name == "unsupervised":
      batch = {"images": batch["images"]}
    latent = spec.sample(rng, 6)
    fake = generator(spec.generator_input(latent), training=True)
    d_terms, d_logs = objective.discriminator_terms(discriminator, batch, tf.stop_gradient(fake),
                                                    latent)
    g_terms, g_logs = objective.generator_terms(discriminator, fake, latent)
    values = {**{f"d/{k}": v for k, v in d_terms.items()},
              **{f"g/{k}": v for k, v in g_terms.items()}, **d_logs, **g_logs,
              "d_loss": tf.add_n(list(d_terms.values())),
              "g_loss": tf.add_n(list(g_terms.values()))}
    results[name] = {k: float(v) for k, v in values.items()}
  return results


def _run(root: str) -> dict:
  env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3")
  # This file as a script: sys.path then starts with benchmarks/, and infogan_tf and tests come
  # from `root` (PYTHONPATH), whichever tree that is.
  proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--_child"], cwd=root,
                        env=env, capture_output=True, text=True, check=False)
  if proc.returncode:
    raise SystemExit(f"the child in {root} failed:\n{proc.stderr[-3000:]}")
  return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--other_tree", help="The other checkout's root folder.")
  parser.add_argument("--out_json", default=None, help="Also write the comparison here.")
  parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args._child:  # pylint: disable=protected-access
    print(json.dumps(child()))
    return
  if not args.other_tree or not os.path.isdir(os.path.join(args.other_tree, "infogan_tf")):
    raise SystemExit("--other_tree must be a checkout of infogan_tf (a folder with infogan_tf/)")
  this, other = _run(ROOT), _run(os.path.abspath(args.other_tree))
  report = {}
  for name in CONFIGS:
    a, b = this[name], other[name]
    report[name] = {"names_equal": sorted(a) == sorted(b), "metrics": len(a),
                    "max_abs_difference": max(abs(a[k] - b[k]) for k in set(a) & set(b)),
                    "this": a, "other": b}
    print(f"{name}: {len(a)} terms and logs, same names: {sorted(a) == sorted(b)}, "
          f"largest difference {report[name]['max_abs_difference']:.3g}")
  if args.out_json:
    commit = lambda root: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                         capture_output=True, text=True).stdout.strip()
    report = {"this": commit(ROOT), "other": commit(os.path.abspath(args.other_tree)),
              **report}
    from benchmarks import record  # pylint: disable=g-import-not-at-top
    record.write(args.out_json, report)


if __name__ == "__main__":
  main()
