r"""Refine every seed of a selection benchmark, then select again: agreement after refining.

  python -m benchmarks.selection_refined \
      --results=benchmarks/results/selection_<label>.json

For the seeds of a `benchmarks.selection` results file (their workdirs still on disk):
1. `python -m trainers.refine --workdir=<seed>` (self-labelling with its defaults; kept when
   <seed>/refined/refine.json is of the seed's latest checkpoint);
2. `python -m trainers.evaluate --workdir=<seed>/refined --num_samples=2000` (the refined run's
   true scores, with labels or known factors, for judging only);
3. `python -m trainers.select` on the refined runs: every label-free criterion after refining,
   centrality among refined runs being "the agreement with the other runs after refining each".
The refined runs' scores and selection, and what refining and selecting them cost against the
sweep's training time, go to benchmarks/results/selection_refined_<label>.json;
`python -m benchmarks.selection_study` joins it with its source file (docs/selection.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from benchmarks import record
from benchmarks.seeds import ROOT, checkpoint_steps, headline, report_at, run_command

EVAL_SAMPLES = 2000  # L_I / Frechet samples: the headline scores read real images only


def _refined(workdir: str) -> tuple:
  """(refined workdir, refine.json) for a seed, refining it when it is missing or stale."""
  refined = os.path.join(workdir, "refined")
  record_path = os.path.join(refined, "refine.json")
  step = checkpoint_steps(workdir)[-1]
  if os.path.exists(record_path):
    with open(record_path) as f:
      kept = json.load(f)
    if kept["source"]["step"] == step:
      return refined, kept
  run_command([sys.executable, "-m", "trainers.refine", f"--workdir={workdir}"])
  with open(record_path) as f:
    return refined, json.load(f)


def _report(refined: str, seed: int) -> tuple:
  """(report of the refined run, seconds taken: ~0 when kept from an earlier run)."""
  start = time.time()
  report = report_at(refined, checkpoint_steps(refined)[-1], seed,
                     (f"--num_samples={EVAL_SAMPLES}",))
  return report, time.time() - start


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--results", required=True, help="A benchmarks.selection results file.")
  args = parser.parse_args()
  with open(args.results) as f:
    source = json.load(f)
  runs, refine_seconds, eval_seconds = [], [], []
  for run in source["runs"]:
    refined, kept = _refined(run["workdir"])
    report, seconds = _report(refined, run["seed"])
    refine_seconds.append(kept["seconds"])
    eval_seconds.append(seconds)
    runs.append({"seed": run["seed"], "workdir": refined, "step": report["step"],
                 **headline(report)})
    print(json.dumps(runs[-1]), flush=True)
  parent = os.path.dirname(source["runs"][0]["workdir"])
  output = os.path.join(parent, "selection_refined.json")
  _, select_seconds = run_command([sys.executable, "-m", "trainers.select",
                                   f"--workdirs={','.join(r['workdir'] for r in runs)}",
                                   f"--output={output}"])
  with open(output) as f:
    selection = json.load(f)
  sweep = source.get("sweep_seconds")
  cost = sum(refine_seconds) + select_seconds
  result = {
      "label": source["label"] + ", every seed refined",
      "source": os.path.relpath(os.path.abspath(args.results), ROOT),
      "seeds": [r["seed"] for r in runs], "runs": runs,
      "refine_seconds": refine_seconds, "evaluate_seconds": eval_seconds,
      "select_seconds": select_seconds,
      "sweep_seconds": sweep,
      "refine_and_select_share_of_sweep": cost / sweep if sweep else None,
      "selection": {k: selection[k] for k in (
          "pick", "centrality", "similarity", "reason", "workdirs", "parts", "criterion",
          "scores", "noise", "ranking", "tied", "tie") if k in selection}}
  name = os.path.basename(args.results)[len("selection_"):-len(".json")]
  print("wrote", record.write(f"selection_refined_{name}", result))


if __name__ == "__main__":
  main()
