r"""The ablation table of docs/results.md ("Changes against their baseline"), from seeds files.

`benchmarks.results_page` renders it. Every `benchmarks/results/seeds_*.json` written by
`python -m benchmarks.seeds` becomes one row: its extra trainer flags (the ablated change),
seeds, ACC / NMI (and MIG on data with known factors) mean ± std, the change in mean ACC against
the baseline (the run without extra flags on the same flagfile and the most seeds, from the
same CPU when there is one), the CPU's vector extension and the train wall-clock per seed;
nothing is measured here.
"""

from __future__ import annotations

import glob
import json
import os
from typing import List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_results(results_dir: str) -> List[dict]:
  rows = []
  for path in sorted(glob.glob(os.path.join(results_dir, "seeds_*.json"))):
    with open(path) as f:
      result = json.load(f)
    if "acc" in result["summary"]:
      result["file"] = os.path.relpath(path, ROOT)
      rows.append(result)
  return rows


def _isa(row: dict) -> str:
  return row["machine"].get("isa", "?")


def _baseline(rows: List[dict], flagfile: str, isa: str):
  """The flagfile's run without extra flags with the most seeds, from the same CPU if any.

  Runs are not bit-identical across CPUs (oneDNN's kernels differ by vector extension), so a
  change is measured against the baseline that ran where it ran whenever there is one.
  """
  plain = [r for r in rows if r["flagfile"] == flagfile and not r["extra"].strip()]
  same_cpu = [r for r in plain if _isa(r) == isa]
  return max(same_cpu or plain, key=lambda r: len(r["runs"]), default=None)


def table(rows: List[dict]) -> str:
  """Markdown table, one row per result file, best mean ACC first within each flagfile."""
  lines = ["| flagfile | change (extra trainer flags) | seeds | ACC | NMI | MIG "
           "| ΔACC vs baseline | CPU | train s/seed | results |",
           "|---|---|---|---|---|---|---|---|---|---|"]
  for flagfile in sorted({r["flagfile"] for r in rows}):
    group = sorted((r for r in rows if r["flagfile"] == flagfile),
                   key=lambda r: -r["summary"]["acc"]["mean"])
    for r in group:
      s = r["summary"]
      base = _baseline(rows, flagfile, _isa(r))
      fmt = lambda k: ("-" if k not in s else
                       f"{s[k]['mean']:.3f} ± {s[k]['std']:.3f}" if len(r["runs"]) > 1
                       else f"{s[k]['mean']:.3f}")
      if r is base:
        delta = "baseline"
      elif base is not None:
        delta = f"{s['acc']['mean'] - base['summary']['acc']['mean']:+.3f}"
      else:
        delta = "-"
      change = f"`{r['extra'].strip()}`" if r["extra"].strip() else "(none: the flagfile as is)"
      lines.append(
          f"| {os.path.basename(flagfile)} | {change} | {len(r['runs'])} | {fmt('acc')} | "
          f"{fmt('nmi')} | {fmt('mig')} | {delta} | {_isa(r)} | "
          f"{s['train_seconds']['mean']:.0f} | `{r['file']}` |")
  return "\n".join(lines)
