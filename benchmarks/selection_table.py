r"""Side by side: arms of benchmarks.selection, each with and without the label-free pick.

  python -m benchmarks.selection_table \
      --arm="InfoGAN=benchmarks/results/selection_<label A>.json" \
      --arm="InfoGAN-CR=benchmarks/results/selection_<label B>.json" [--title=...] [--out=...]

Per arm two rows: the seeds (mean ± sample std, best / worst) and the pick (`<arm> + selection`:
its score and rank). On data with known factors, also in how many seeds the codes own the
factors one to one (each factor the top code of a different code, by the FactorVAE score's
majority votes and by DCI's largest importance; read from each seed's eval/report.json). With two
arms: the paired difference per score (second - first) over the seeds both trained, mean ± std,
and in how many of them the second arm scored higher. Printed, and appended to --out when given.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from benchmarks.seeds import ROOT

SCORES = (("mig", "MIG"), ("factor_vae", "FactorVAE"), ("dci", "DCI"), ("acc", "ACC"),
          ("nmi", "NMI"), ("frechet", "Fréchet"))


def distinct_owners(workdir: str) -> dict:
  """{'factor_vae': bool, 'dci': bool}: whether each code's top factor is a different factor."""
  with open(os.path.join(workdir, "eval", "report.json")) as f:
    report = json.load(f)
  out = {}
  for metric, key in (("factor_vae", "dimension_factor"), ("dci", "code_factor")):
    if metric in report:
      owners = report[metric][key]
      out[metric] = len(set(owners)) == len(owners)
  return out


def markdown(arms, title=None) -> str:
  """The table for [(name, results path, results of benchmarks.selection)], as markdown."""
  scores = [(k, h) for k, h in SCORES if all(k in r for _, _, a in arms for r in a["runs"])]
  owners = {name: [distinct_owners(r["workdir"]) for r in a["runs"]] for name, _, a in arms}
  owner_metrics = [m for m in ("factor_vae", "dci") if all(m in o for v in owners.values()
                                                           for o in v)]

  header = "| | " + " | ".join(h for _, h in scores)
  if owner_metrics:
    header += " | seeds whose codes own the factors one to one (" + " / ".join(
        "FactorVAE votes" if m == "factor_vae" else "DCI" for m in owner_metrics) + ")"
  lines = [f"### {title}", ""] if title else []
  lines += [header + " |", "|---" * (1 + len(scores) + bool(owner_metrics)) + "|"]
  for name, _, a in arms:
    runs, pick_dir = a["runs"], a["selection"]["pick"]
    pick = next(r for r in runs if r["workdir"] == pick_dir)
    seeds_cells, pick_cells = [], []
    for k, _ in scores:
      v = np.array([r[k] for r in runs])
      lower_better = k == "frechet"
      rank = int(((v < pick[k]) if lower_better else (v > pick[k])).sum()) + 1
      best, worst = (v.min(), v.max()) if lower_better else (v.max(), v.min())
      seeds_cells.append(f"{v.mean():.3f} ± {v.std(ddof=1):.3f} ({best:.3f} / {worst:.3f})")
      pick_cells.append(f"{pick[k]:.3f} ({rank}/{len(runs)})")
    if owner_metrics:
      o = owners[name]
      seeds_cells.append(" / ".join(f"{sum(x[m] for x in o)} of {len(o)}"
                                    for m in owner_metrics))
      p = o[runs.index(pick)]
      pick_cells.append(" / ".join("yes" if p[m] else "no" for m in owner_metrics))
    lines.append(f"| {name}: {len(runs)} seeds, mean ± std (best / worst) | "
                 + " | ".join(seeds_cells) + " |")
    lines.append(f"| {name} + selection: seed {pick['seed']} (rank) | "
                 + " | ".join(pick_cells) + " |")
  seeds = [{r["seed"] for r in a["runs"]} for _, _, a in arms]
  common = sorted(seeds[0] & seeds[1]) if len(arms) == 2 else []
  if len(common) >= 2:  # the paired difference over the seeds both arms trained
    (a_name, _, a), (b_name, _, b) = arms
    a_by, b_by = ({r["seed"]: r for r in x["runs"]} for x in (a, b))
    cells = []
    for k, _ in scores:
      d = np.array([b_by[s][k] - a_by[s][k] for s in common])
      cells.append(f"{d.mean():+.3f} ± {d.std(ddof=1):.3f} ({int((d > 0).sum())} of {len(d)} "
                   "higher)")
    which = "" if len(common) == len(a["runs"]) == len(b["runs"]) else (
        " (seeds " + ", ".join(map(str, common)) + ")")
    lines.append(f"| {b_name} - {a_name}, paired by seed{which} | " + " | ".join(cells)
                 + (" |" if not owner_metrics else " | |"))
  lines += ["", "Command: `python -m benchmarks.selection_table " + " ".join(
      f"--arm=\"{n}={os.path.relpath(os.path.abspath(p), ROOT)}\"" for n, p, _ in arms) + "`"]
  return "\n".join(lines)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--arm", action="append", required=True,
                      help="NAME=results JSON of benchmarks.selection; repeat per arm.")
  parser.add_argument("--title", default=None)
  parser.add_argument("--out", default=None, help="Append the table here (markdown).")
  args = parser.parse_args()
  arms = []
  for text in args.arm:
    name, sep, path = text.partition("=")
    if not sep or not os.path.exists(path):
      parser.error(f"--arm={text}: want NAME=an existing benchmarks.selection results file")
    with open(path) as f:
      arms.append((name, path, json.load(f)))
  text = markdown(arms, args.title)
  print(text)
  if args.out:
    with open(args.out, "a") as f:
      f.write(text + "\n\n")


if __name__ == "__main__":
  main()
