r"""Scores over training steps: every kept checkpoint of every seed, for one or more arms.

  python -m benchmarks.checkpoint_curve \
      --arm="InfoGAN=workdirs/selection/<label A>/seed_*" \
      --arm="InfoGAN-CR=workdirs/selection/<label B>/seed_*" \
      --label="..." [--scores=mig,factor_vae,dci,acc]

Each kept checkpoint `ckpt-N` of each workdir is evaluated once with `python -m trainers.evaluate
--checkpoint=... --output_dir=<workdir>/eval_steps/N` (the latest reuses <workdir>/eval when its
report is of that step; rerunning skips what is done). Per arm and step: the mean ± sample std of
each score over the seeds. With two arms of the same seeds, also their paired difference (B - A)
per step — for runs that are identical until a late option starts (`--in_order` images, the same
seed), the difference is that option's effect on each seed. Results go to
benchmarks/results/curve_<label>.json; the tables are printed.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import time

import numpy as np

from benchmarks import record

from benchmarks.seeds import ROOT, checkpoint_steps, headline, report_at
from benchmarks.selection_table import SCORES

HEADERS = dict(SCORES)  # score key -> its column name


def parse_args():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--arm", action="append", required=True,
                      help="NAME=GLOB of workdirs (one per seed); repeat for each arm.")
  parser.add_argument("--label", required=True)
  parser.add_argument("--scores", default="mig,factor_vae,dci,acc")
  args = parser.parse_args()
  arms = []
  for text in args.arm:
    name, sep, pattern = text.partition("=")
    workdirs = sorted(glob.glob(pattern))
    if not sep or not workdirs:
      parser.error(f"--arm={text}: want NAME=GLOB matching at least one workdir")
    arms.append((name, pattern, workdirs))
  return args, arms


def main():
  args, arms = parse_args()
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top
  scores = args.scores.split(",")
  t0 = time.time()
  result = {"label": args.label, "date": time.strftime("%Y-%m-%d"),
            "machine": throughput.machine(), "arms": {}}
  for name, pattern, workdirs in arms:
    runs = []
    for workdir in workdirs:
      with open(os.path.join(workdir, "config.json")) as f:
        seed = json.load(f)["train"]["seed"]
      for step in checkpoint_steps(workdir):
        row = {"seed": seed, "step": step, **headline(report_at(workdir, step, seed))}
        runs.append(row)
        print(name, json.dumps(row), flush=True)
    result["arms"][name] = {"workdirs": pattern, "runs": runs}
  result["seconds"] = time.time() - t0

  def table(runs):  # {step: {score: {seed: value}}}
    out = {}
    for r in runs:
      for k in scores:
        if k in r:
          out.setdefault(r["step"], {}).setdefault(k, {})[r["seed"]] = r[k]
    return out

  def cell(by_seed):
    values = np.asarray(list(by_seed.values()))
    std = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{values.mean():.3f} ± {std:.3f}"

  names = list(result["arms"])
  tables = {n: table(result["arms"][n]["runs"]) for n in names}
  steps = sorted(set().union(*[set(t) for t in tables.values()]))
  present = [k for k in scores if any(k in t.get(s, {}) for t in tables.values() for s in steps)]
  lines = [f"## {args.label}", "",
           "`python -m benchmarks.checkpoint_curve " + " ".join(
               f"--arm=\"{n}={os.path.relpath(p, ROOT)}\"" for n, p, _ in arms)
           + f" --label=\"{args.label}\" --scores={args.scores}`", "",
           f"{throughput.machine_line(result['machine'])}; {result['date']}; "
           f"{result['seconds']:.0f} s. Mean ± std over seeds at each kept checkpoint.", "",
           "| step | " + " | ".join(f"{n}: {HEADERS.get(k, k)}" for n in names for k in present)
           + " |",
           "|---" * (1 + len(names) * len(present)) + "|"]
  for step in steps:
    cells = [cell(tables[n][step][k]) if k in tables[n].get(step, {}) else ""
             for n in names for k in present]
    lines.append(f"| {step} | " + " | ".join(cells) + " |")
  seeds = [sorted({r["seed"] for r in result["arms"][n]["runs"]}) for n in names]
  if len(names) == 2 and seeds[0] == seeds[1]:
    a, b = tables[names[0]], tables[names[1]]
    paired = {}
    lines += ["", f"Paired difference ({names[1]} - {names[0]}, the same seeds), mean ± std, "
              "and how many seeds it raised:", "",
              "| step | " + " | ".join(HEADERS.get(k, k) for k in present) + " |",
              "|---" * (1 + len(present)) + "|"]
    for step in steps:
      cells = []
      for k in present:
        both = sorted(set(a.get(step, {}).get(k, {})) & set(b.get(step, {}).get(k, {})))
        if both:
          d = np.asarray([b[step][k][s] - a[step][k][s] for s in both])
          paired.setdefault(str(step), {})[k] = d.tolist()
          std = d.std(ddof=1) if len(d) > 1 else 0.0
          cells.append(f"{d.mean():+.3f} ± {std:.3f} ({int((d > 0).sum())}/{len(d)})")
        else:
          cells.append("")
      lines.append(f"| {step} | " + " | ".join(cells) + " |")
    result["paired_difference"] = paired
  slug = re.sub(r"[^a-z0-9]+", "_", args.label.lower()).strip("_")
  out_json = record.write(f"curve_{slug}", result)
  lines += ["", f"Results: `{os.path.relpath(out_json, ROOT)}`."]
  print("\n".join(lines))


if __name__ == "__main__":
  main()
