r"""Which label-free criterion finds the best seed? Rank correlation and regret over settings.

Reads every `benchmarks/results/selection_*.json` (written by `benchmarks.selection`: each
seed's true scores from `trainers.evaluate`, with labels or known factors, beside the
selection's label-free scores) and, for each criterion and each true score, reports per setting
the Spearman rank correlation over the seeds, the regret of the criterion's pick (the best
seed's score minus the pick's), whether the pick is more than one seed-std below the best, and
the mean and worst over the settings. Files from before the per-run criteria hold centrality and
L_I on generated images only; a criterion is compared where it was measured.

  python -m benchmarks.selection_study            # writes benchmarks/results/selection_study.json
  python -m benchmarks.selection_study --render   # and the table in docs/selection.md

Settings with both ACC and MIG (the shapes) count once per true score; a file whose seeds score
exactly as an earlier file's (a change that trained the same runs) counts once, and a superseded
file (`superseded_by`) not at all. Two combinations are scored too, each run's ranks under its
parts averaged (Borda): Q's confident share with the continuous part of centrality (the two
that picked the best ACC and the best MIG seed in the first setting with every criterion), and
every per-run criterion but L_I.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from typing import Dict, List, Optional

import numpy as np

from benchmarks import results_page

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")
DOC = os.path.join(ROOT, "docs", "selection.md")
START, END = "<!-- selection-study-start -->", "<!-- selection-study-end -->"
BASE_SCORES = {"acc": "ACC", "mig": "MIG"}  # higher is better; shape ACC on the shapes
# The same after `trainers.refine` of every seed (a `benchmarks.selection_refined` file).
TRUE_SCORES = {**BASE_SCORES,
               **{f"{k}_refined": f"{v} after refining" for k, v in BASE_SCORES.items()}}
REFINED = "refined_"  # prefix of a criterion scored on the refined runs
# criterion -> what a results file calls it ("scores" of the selection, or a run's own key).
CRITERIA = {
    "centrality": "centrality (ModelCentrality, the default)",
    "categorical_part": "centrality's categorical part alone",
    "continuous_part": "centrality's continuous part alone",
    "confident_share": "Q's confident share on real images (>= 0.99)",
    "mean_confidence": "Q's mean top probability on real images",
    "view_stability": "NMI of Q under 2-pixel shifted views",
    "balance": "entropy of Q's marginal / log k",
    "info_generated": "L_I on generated images",
    # Combinations, from the criteria above (each run's rank under each, averaged: Borda).
    "confidence_and_continuous": "rank mean: confident share and continuous part",
    "borda": "rank mean of every per-run criterion but L_I",
}
CRITERIA.update({REFINED + k: f"{v}, after refining every run" for k, v in list(CRITERIA.items())})
CRITERIA[REFINED + "centrality"] = ("agreement after refining every run (centrality of the "
                                    "refined runs)")
COMBINATIONS = {"confidence_and_continuous": ("confident_share", "continuous_part"),
                "borda": ("confident_share", "mean_confidence", "view_stability", "balance",
                          "categorical_part", "continuous_part")}


def _ranks(values) -> np.ndarray:
  """Rank of each value, 0 = lowest, ties averaged."""
  x = np.asarray(values, np.float64)
  r = np.empty(len(x))
  r[np.argsort(x, kind="stable")] = np.arange(len(x))
  for v in np.unique(x):
    r[x == v] = r[x == v].mean()
  return r


def spearman(a, b) -> float:
  """Spearman's rank correlation (average ranks for ties)."""
  ra, rb = _ranks(a), _ranks(b)
  if ra.std() == 0 or rb.std() == 0:
    return float("nan")
  return float(np.corrcoef(ra, rb)[0, 1])


def _part_centrality(parts: dict, name: str) -> Optional[List[float]]:
  matrix = parts.get(name)
  if matrix is None:
    return None
  m = np.asarray(matrix)
  return ((m.sum(axis=1) - np.diag(m)) / (len(m) - 1)).tolist()


def criteria_of(result: dict) -> Dict[str, List[float]]:
  """{criterion: [per seed, in the order of result['runs']]} that a results file holds."""
  selection, runs = result["selection"], result["runs"]
  order = [r["workdir"] for r in runs]
  workdirs = selection.get("workdirs") or order  # older files: the runs' order
  index = [workdirs.index(w) for w in order]
  out = {"centrality": [selection["centrality"][i] for i in index]}
  for name, part in (("categorical_part", "categorical"), ("continuous_part", "continuous")):
    values = _part_centrality(selection.get("parts", {}), part)
    if values is not None:
      out[name] = [values[i] for i in index]
  for name, values in selection.get("scores", {}).items():
    if name in CRITERIA and name != "centrality":
      out[name] = [values[i] for i in index]
  if "info_generated" not in out and all("L_I_cat0" in r for r in runs):
    out["info_generated"] = [r["L_I_cat0"] for r in runs]  # L_I: the same ranking as L_I / H
  for name, parts in COMBINATIONS.items():
    if all(p in out for p in parts):
      out[name] = np.mean([_ranks(out[p]) for p in parts], axis=0).tolist()
  return out


def _aligned(result: dict, values: List[float], seeds: List[int]) -> List[float]:
  """values (in the order of result['runs']) in the order of `seeds`."""
  by_seed = {r["seed"]: v for r, v in zip(result["runs"], values)}
  return [by_seed[s] for s in seeds]


def _with_refined(result: dict, refined: Optional[dict]):
  """({criterion: [per seed]}, {true score: [per seed]}) of a setting; with its refined file
  (the same seeds, each refined) the criteria of the refined runs and their true scores too."""
  found = criteria_of(result)
  true = {k: [r[k] for r in result["runs"]] for k in BASE_SCORES
          if all(k in r for r in result["runs"])}
  seeds = [r["seed"] for r in result["runs"]]
  if refined is not None and sorted(r["seed"] for r in refined["runs"]) == sorted(seeds):
    for name, values in criteria_of(refined).items():
      found[REFINED + name] = _aligned(refined, values, seeds)
    for key in BASE_SCORES:
      if all(key in r for r in refined["runs"]):
        true[f"{key}_refined"] = _aligned(refined, [r[key] for r in refined["runs"]], seeds)
  return found, true


def study(paths: List[str]) -> dict:
  results = {}
  for path in sorted(paths):
    with open(path) as f:
      results[os.path.relpath(path, ROOT)] = json.load(f)
  refined_of = {r["source"]: (n, r) for n, r in results.items() if "source" in r}
  settings = []
  for name_of_file, result in results.items():
    if len(result.get("runs", [])) < 3 or "superseded_by" in result or "source" in result:
      continue  # a refined file counts with its source
    refined_file, refined = refined_of.get(name_of_file, (None, None))
    found, trues = _with_refined(result, refined)
    for key, values in trues.items():
      true = np.array(values)
      if any(t["true_score"] == key and t["true"] == true.tolist() for t in settings):
        continue  # the same runs' scores to the last digit (a change that trained the same)
      std = float(true.std(ddof=1))
      rows = {}
      for name, values in found.items():
        pick = int(np.argmax(values))
        regret = float(true.max() - true[pick])
        rows[name] = {"spearman": spearman(values, true), "regret": regret,
                      "pick_seed": result["runs"][pick]["seed"],
                      "pick_rank": int((true > true[pick]).sum()) + 1,
                      "more_than_one_std_below_best": bool(regret > std)}
      setting = {"label": result["label"], "file": name_of_file,
                 "true_score": key, "seeds": [r["seed"] for r in result["runs"]],
                 "true": true.tolist(), "std": std, "best": float(true.max()),
                 "machine": result.get("machine", {}).get("cpu", ""),
                 "date": result.get("date", ""), "criteria": rows}
      if refined is not None:
        setting["refined_file"] = refined_file
        setting["refine_and_select_share_of_sweep"] = refined.get(
            "refine_and_select_share_of_sweep")
      settings.append(setting)
  summary = {}
  for name in CRITERIA:
    for key in TRUE_SCORES:
      rows = [s["criteria"][name] for s in settings
              if s["true_score"] == key and name in s["criteria"]]
      if not rows:
        continue
      rhos = [r["spearman"] for r in rows if not np.isnan(r["spearman"])]
      summary.setdefault(name, {})[key] = {
          "settings": len(rows),
          "spearman_mean": float(np.mean(rhos)) if rhos else None,
          "spearman_worst": float(np.min(rhos)) if rhos else None,
          "regret_mean": float(np.mean([r["regret"] for r in rows])),
          "regret_worst": float(np.max([r["regret"] for r in rows])),
          "settings_more_than_one_std_below": int(sum(r["more_than_one_std_below_best"]
                                                      for r in rows))}
  return {"date": time.strftime("%Y-%m-%d"), "command": "python -m benchmarks.selection_study",
          "settings": settings, "summary": summary}


def table(out: dict) -> List[str]:
  """The summary (a row per criterion, a column per true score) and the per-setting picks."""
  keys = [k for k in TRUE_SCORES if any(k in by_key for by_key in out["summary"].values())]
  lines = ["Each cell: regret mean / worst over the settings; picks more than one seed-std "
           "below the best, of the settings; Spearman mean (worst).", "",
           "| criterion | " + " | ".join(TRUE_SCORES[k] for k in keys) + " |",
           "|---|" + "---|" * len(keys)]
  for name, by_key in out["summary"].items():
    cells = []
    for key in keys:
      s = by_key.get(key)
      if s is None:
        cells.append("-")
        continue
      rho = ("" if s["spearman_mean"] is None else
             f"; ρ {s['spearman_mean']:+.2f} ({s['spearman_worst']:+.2f})")
      cells.append(f"{s['regret_mean']:.3f} / {s['regret_worst']:.3f}; "
                   f"{s['settings_more_than_one_std_below']} of {s['settings']}{rho}")
    lines.append(f"| {CRITERIA[name]} | " + " | ".join(cells) + " |")
  lines += ["", "Per setting (true score: each seed's, the seed-std; each criterion's pick: "
            "seed, rank, regret):", ""]
  for s in out["settings"]:
    picks = "; ".join(f"{name} seed {r['pick_seed']} (#{r['pick_rank']}, {r['regret']:.3f})"
                      for name, r in s["criteria"].items())
    true = ", ".join(f"{v:.3f}" for v in s["true"])
    lines.append(f"- {s['label']} ({TRUE_SCORES[s['true_score']]}: {true}; std "
                 f"{s['std']:.3f}; {s['machine']}, {s['date']}; `{s['file']}`): {picks}")
  return lines


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--render", action="store_true", help=f"Also rewrite the table in {DOC}.")
  args = parser.parse_args()
  paths = [p for p in glob.glob(os.path.join(RESULTS, "selection_*.json"))
           if not p.endswith("selection_study.json")]
  out = study(paths)
  path = os.path.join(RESULTS, "selection_study.json")
  with open(path, "w") as f:
    json.dump(out, f, indent=1)
  lines = table(out)
  print("\n".join(lines))
  print(f"wrote {path}")
  if args.render:
    with open(DOC) as f:
      text = f.read()
    text = results_page.splice(text, "\n".join(["", *lines, ""]), START, END)
    with open(DOC, "w") as f:
      f.write(text)
    print(f"rendered {DOC}")


if __name__ == "__main__":
  main()
