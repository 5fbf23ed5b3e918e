r"""Is the unsupervised train step the same function in two source trees? (a check, not a test)

Runs the replica step of this tree and of another checkout (e.g. a `git worktree` of an older
commit) for --steps steps on the same fixed images and latent codes, with op determinism on, and
prints how far their losses and the generator's weights drift apart step by step. A control
runs this tree twice more: once as is (determinism: the drift must be 0) and once with the
images scaled by (1 + 1e-7), a float-rounding-sized perturbation. If the two trees agree exactly
at step 0 and then drift like the control does, they compute the same step up to floating-point
rounding (e.g. the order in which loss terms are summed), and GAN training amplifies that as it
amplifies any rounding difference: their runs are draws from the same distribution.

  git worktree add /tmp/before <commit>
  python -m benchmarks.step_ab --other_tree=/tmp/before --steps=30

The child process imports `infogan_tf` from the tree given by PYTHONPATH and uses only what the
paper-faithful MNIST configuration needs, so it works on checkouts from before the step took
batch dicts (it passes a bare image tensor there).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Old metric names -> this tree's.
_RENAMES = {"d_loss": "d/gan", "g_loss": "g/gan", "info_loss": "d/info"}
_COMPARED = ("d/gan", "g/gan", "ce/cat0", "nll/cont0")


def child(steps: int, perturb: float) -> dict:
  """Runs `steps` replica steps in this process; returns the losses and G's weight sums."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  # pylint: disable=g-import-not-at-top
  import inspect
  import numpy as np
  import tensorflow as tf
  from infogan_tf import config as config_lib
  try:
    from infogan_tf.training import step as train_step
  except ImportError:  # a tree from before infogan_tf/training/ (December 2026)
    from infogan_tf import train_step
  from infogan_tf.latent import LatentSpec
  # pylint: enable=g-import-not-at-top
  tf.config.experimental.enable_op_determinism()
  config = config_lib.ExperimentConfig(  # fashion_mnist.flags, on in-memory images
      latent=config_lib.LatentConfig(noise_dim=62, categorical=(10,), continuous=2),
      model=config_lib.ModelConfig("mnist", (28, 28, 1)),
      data=config_lib.DataConfig(name="procedural", image_size=28, channels=1),
      train=config_lib.TrainConfig(workdir="/tmp/unused", steps=steps, batch_size=64, seed=0))
  state = train_step.create_state(config, tf.distribute.get_strategy())
  spec = LatentSpec(config.latent)
  latents = tf.random.Generator.from_seed(123)
  step = train_step.make_replica_step(state, config, 64,
                                      sample_latent=lambda b: spec.sample(latents, b))
  takes_dict = "batch" in inspect.signature(step).parameters
  step = tf.function(step)
  rng = np.random.RandomState(0)
  images = [tf.constant((rng.uniform(0, 1, [64, 28, 28, 1]) * (1 + perturb)).astype(np.float32))
            for _ in range(4)]  # [64, 28, 28, 1] each
  losses = []
  for i in range(steps):
    x = images[i % 4]
    metrics = step({"images": x} if takes_dict else x)
    losses.append({_RENAMES.get(k, k): float(v) for k, v in metrics.items()})
  weights = [float(tf.reduce_sum(tf.abs(v))) for v in state.generator.trainable_variables]
  return {"losses": losses, "generator_abs_sums": weights}


def _run(root: str, steps: int, perturb: float = 0.0) -> dict:
  env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--_child",
                         f"--steps={steps}", f"--perturb={perturb}"],
                        cwd=root, env=env, capture_output=True, text=True, timeout=1800)
  if proc.returncode:
    raise SystemExit(f"the step in {root} failed:\n{proc.stderr.strip()[-2000:]}")
  return json.loads(proc.stdout.strip().splitlines()[-1])


def drift(a: dict, b: dict) -> list:
  """Per step, the largest relative difference of the compared losses."""
  rows = []
  for la, lb in zip(a["losses"], b["losses"]):
    rows.append(max(abs(la[k] - lb[k]) / max(abs(la[k]), 1e-12) for k in _COMPARED))
  return rows


def weight_drift(a: dict, b: dict) -> float:
  """Relative difference of the generators' total absolute weight after the last step."""
  x, y = sum(a["generator_abs_sums"]), sum(b["generator_abs_sums"])
  return abs(x - y) / max(abs(x), 1e-12)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--other_tree", help="The other checkout's root folder.")
  parser.add_argument("--steps", type=int, default=30)
  parser.add_argument("--out_json", default=None, help="Also write the drifts here.")
  parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
  parser.add_argument("--perturb", type=float, default=0.0, help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args._child:
    print(json.dumps(child(args.steps, args.perturb)))
    return
  if not args.other_tree or not os.path.isdir(os.path.join(args.other_tree, "infogan_tf")):
    raise SystemExit("--other_tree must be a checkout of infogan_tf (a folder with infogan_tf/)")
  this = _run(ROOT, args.steps)
  runs = {"this tree again": _run(ROOT, args.steps),
          "this tree, images x (1 + 1e-7)": _run(ROOT, args.steps, 1e-7),
          f"other tree ({os.path.abspath(args.other_tree)})": _run(
              os.path.abspath(args.other_tree), args.steps)}
  marks = sorted({0, 1, 2, 5, 10, args.steps - 1} & set(range(args.steps)))
  print("largest relative difference from this tree's run (losses at steps "
        f"{', '.join(map(str, marks))}; generator weights after step {args.steps - 1}):")
  report = {}
  for name, run in runs.items():
    d = drift(this, run)
    report[name] = {"loss_drift": d, "generator_weight_drift": weight_drift(this, run)}
    print(f"  {name}: " + "  ".join(f"{d[i]:.1e}" for i in marks)
          + f"  | weights {report[name]['generator_weight_drift']:.1e}")
  if args.out_json:
    from benchmarks import record  # pylint: disable=g-import-not-at-top
    record.write(args.out_json, report)


if __name__ == "__main__":
  main()
