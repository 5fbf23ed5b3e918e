r"""Two arms of `benchmarks.seeds` over the same seeds, compared seed by seed.

  # the arms (each trains and evaluates every seed):
  python -m benchmarks.seeds --flagfile=trainers/flagfiles/shapes_disentangle.flags \
      --seeds=0,1,2,3,4 --label="shapes float32"
  python -m benchmarks.seeds --flagfile=trainers/flagfiles/shapes_disentangle.flags \
      --seeds=0,1,2,3,4 --extra="--precision=mixed_bfloat16" --label="shapes mixed_bfloat16"
  # the comparison:
  python -m benchmarks.paired_seeds --a=benchmarks/results/seeds_shapes_float32.json \
      --b=benchmarks/results/seeds_shapes_mixed_bfloat16.json --out=<results JSON>

For every headline number both arms have: the paired difference b - a (mean ± std over the
seeds), the seeds' spread (the sample std of arm a), and whether the mean difference lies within
that spread (|mean difference| <= spread): the rule docs/performance.md uses to decide whether
arm b may replace arm a by default. Training wall time is compared as the ratio a / b.
"""

from __future__ import annotations

import argparse
import json
from typing import Dict, List

import numpy as np

SKIPPED = ("seed", "workdir", "step", "images_per_sec", "eval_seconds")


def compare(a_runs: List[dict], b_runs: List[dict]) -> Dict[str, dict]:
  """{metric: {'a', 'b' per seed, 'difference': {'mean', 'std'}, 'spread', 'within_spread'}}
  over the seeds both arms ran, in seed order; 'train_seconds' gets 'speedup' (a / b) instead."""
  a_by, b_by = {r["seed"]: r for r in a_runs}, {r["seed"]: r for r in b_runs}
  seeds = sorted(set(a_by) & set(b_by))
  if len(seeds) < 2:
    raise ValueError(f"need at least 2 seeds in both arms, got {seeds}")
  out = {}
  for key in [k for k in a_by[seeds[0]] if k not in SKIPPED and k in b_by[seeds[0]]]:
    a = np.array([a_by[s][key] for s in seeds], float)
    b = np.array([b_by[s][key] for s in seeds], float)
    row = {"seeds": seeds, "a": a.tolist(), "b": b.tolist()}
    if key == "train_seconds":
      row["speedup"] = (a / b).tolist()
    else:
      diff = b - a
      spread = float(np.std(a, ddof=1))
      row.update({"difference": {"mean": float(diff.mean()), "std": float(diff.std(ddof=1))},
                  "spread": spread, "within_spread": bool(abs(diff.mean()) <= spread)})
    out[key] = row
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--a", required=True, help="The reference arm's seeds_*.json.")
  parser.add_argument("--b", required=True, help="The other arm's seeds_*.json.")
  parser.add_argument("--out", default=None, help="Also write the comparison here (JSON).")
  args = parser.parse_args()
  with open(args.a) as f:
    a = json.load(f)
  with open(args.b) as f:
    b = json.load(f)
  table = compare(a["runs"], b["runs"])
  print(f"a = {a['label']}, b = {b['label']}; seeds {table[next(iter(table))]['seeds']}")
  print("| metric | a mean | b - a (mean ± std over seeds) | a's spread | within |")
  print("|---|---|---|---|---|")
  for key, row in table.items():
    if key == "train_seconds":
      print(f"| training wall time | {np.mean(row['a']):.0f} s | speedup a/b "
            f"{np.mean(row['speedup']):.2f}x | | |")
      continue
    d = row["difference"]
    print(f"| {key} | {np.mean(row['a']):.3f} | {d['mean']:+.3f} ± {d['std']:.3f} | "
          f"{row['spread']:.3f} | {'yes' if row['within_spread'] else 'NO'} |")
  if args.out:
    from benchmarks import record  # pylint: disable=g-import-not-at-top
    record.write(args.out, {"a": args.a, "b": args.b, "metrics": table}, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
  main()
