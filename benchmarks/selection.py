r"""Seeds, then the label-free pick: how good is the run trainers.select keeps?

  python -m benchmarks.selection --flagfile=trainers/flagfiles/shapes_disentangle.flags \
      --seeds=0-4 [--extra="--steps=2000"] [--label=...]

1. `python -m trainers.sweep --flagfile=F --workdir=<base>/<label> --seeds=... --noselect`
   (resumable: rerun the benchmark to continue a sweep);
2. `python -m trainers.evaluate` on each seed (kept when its report is of the latest checkpoint);
3. `python -m trainers.select` on the seeds (labels are never read for the pick).
Then each headline score (with labels or known factors, for judging only) of every seed, their
mean ± sample std, best and worst, and the pick's score and rank go to
benchmarks/results/selection_<label>.json (shown by docs/results.md and docs/selection.md after
`python -m benchmarks.results_page` and `python -m benchmarks.selection_study --render`).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from benchmarks import record
from benchmarks.seeds import (checkpoint_steps, headline, parse_run_arguments, report_at,
                              rerun_command, run_command)

SCORES = ("acc", "nmi", "mig", "factor_vae", "dci")  # higher is better


def _last_step(workdir: str) -> int:
  """The step of workdir's latest kept checkpoint, 0 without one."""
  try:
    return (checkpoint_steps(workdir) or [0])[-1]
  except FileNotFoundError:
    return 0


def _sweep_time(seconds: float, trained_now, seeds) -> str:
  """What the sweep's time covers, for the results line."""
  if list(trained_now) == list(seeds):
    return f"sweep {seconds:.0f} s in all"
  if not trained_now:
    return "every seed trained before this run (sweep time in the earlier run's results)"
  return (f"sweep {seconds:.0f} s for seed(s) {', '.join(map(str, trained_now))} (the others "
          "trained before this run)")


def main():
  args, label, slug, extra = parse_run_arguments(__doc__, "0-4", "selection")
  from infogan_tf.sweeps import SEED_DIR, parse_seeds  # pylint: disable=g-import-not-at-top

  parent = os.path.join(args.base_workdir, slug)
  seeds = parse_seeds(args.seeds)
  before = {seed: _last_step(os.path.join(parent, SEED_DIR.format(seed))) for seed in seeds}
  _, sweep_seconds = run_command([sys.executable, "-m", "trainers.sweep",
                                  f"--flagfile={args.flagfile}", *extra, f"--workdir={parent}",
                                  f"--seeds={args.seeds}", "--noselect"])
  # A resumed benchmark trains only what its workdirs lack: the time is for those seeds.
  trained_now = [seed for seed in seeds
                 if _last_step(os.path.join(parent, SEED_DIR.format(seed))) != before[seed]]
  runs = []
  for seed in seeds:
    workdir = os.path.join(parent, SEED_DIR.format(seed))
    report = report_at(workdir, checkpoint_steps(workdir)[-1], seed)
    row = {"seed": seed, "workdir": workdir, "step": report["step"], **headline(report)}
    runs.append(row)
    print(json.dumps(row), flush=True)
  _, select_seconds = run_command([sys.executable, "-m", "trainers.select",
                                   f"--workdirs={parent}/seed_*",
                                   f"--output={parent}/selection.json"])
  with open(os.path.join(parent, "selection.json")) as f:
    selection = json.load(f)
  pick = next(r for r in runs if r["workdir"] == selection["pick"])
  summary = {}
  for k in [k for k in SCORES if k in runs[0]]:
    values = np.array([r[k] for r in runs])
    mean, std = float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0
    summary[k] = {"mean": mean, "std": std, "best": float(values.max()),
                  "worst": float(values.min()), "pick": pick[k],
                  "pick_rank": int((values > pick[k]).sum()) + 1,
                  "pick_at_least_mean_plus_std": bool(pick[k] >= mean + std)}
  result = {"label": label, "flagfile": args.flagfile, "extra": args.extra, "seeds": seeds,
            "sweep_seconds": sweep_seconds, "trained_now": trained_now,
            "sweep_time": _sweep_time(sweep_seconds, trained_now, seeds),
            "select_seconds": select_seconds, "runs": runs,
            "selection": {k: selection[k] for k in (
                "pick", "centrality", "similarity", "reason", "workdirs", "parts", "criterion",
                "scores", "noise", "ranking", "tied", "tie") if k in selection},
            "summary": summary}
  print("wrote", record.write(f"selection_{slug}", result,
                              rerun_command("selection", args, label)))


if __name__ == "__main__":
  main()
