r"""Does a sweep's label-free ranking part-way through training already name its final pick?

  python -m benchmarks.pruning --workdirs='/work/runs/shapes/seed_*' --score=mig \
      --label="procedural shapes, shapes_disentangle.flags, 2000 steps x 64"

The runs (one per seed, e.g. of `trainers.sweep --noselect`) must keep checkpoints part-way
(e.g. `--checkpoint_every=500 --keep_checkpoints=4` for 2000 steps). For every kept step, and
the last, `selection.select` ranks the runs by centrality as `trainers.select` would at that
point; each run's final score (`--score`, from `trainers.evaluate` of its last checkpoint, labels
used only here, to judge the ranking) says what each early ranking would have kept: its pick
(trained on alone, the rest stopped there) and whether its `--keep` most central runs include
the final pick (successive halving's survivors). Writes benchmarks/results/pruning_<label>.json
and prints the table.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time

import numpy as np

from benchmarks.seeds import ROOT, checkpoint_steps, headline, report_at


def spearman(a, b) -> float:
  """Spearman's rank correlation of two equally long sequences (no ties expected)."""
  ra = np.argsort(np.argsort(a))
  rb = np.argsort(np.argsort(b))
  return float(np.corrcoef(ra, rb)[0, 1])


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdirs", required=True, help="A glob or comma list of runs.")
  parser.add_argument("--label", required=True)
  parser.add_argument("--score", default="acc", help="A headline score: acc, nmi, mig, ...")
  parser.add_argument("--keep", type=int, default=2)
  parser.add_argument("--num_images", type=int, default=2000)
  args = parser.parse_args()
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top
  from infogan_tf import selection  # pylint: disable=g-import-not-at-top

  runs = sorted({w for pattern in args.workdirs.split(",") for w in glob.glob(pattern)
                 if os.path.exists(os.path.join(w, "config.json"))})
  steps = sorted(set.intersection(*(set(checkpoint_steps(w)) for w in runs)))
  final_step = steps[-1]
  final = {w: headline(report_at(w, final_step, 0))[args.score] for w in runs}
  values = np.array([final[w] for w in runs])
  best, std = float(values.max()), float(values.std(ddof=1))
  rankings = {}
  for step in steps:
    t0 = time.time()
    chosen = selection.select(runs, args.num_images, log=lambda _: None, step=step)
    rankings[step] = {"centrality": chosen["centrality"], "pick": chosen["pick"],
                      "similarity": chosen["similarity"], "seconds": time.time() - t0}
  final_rank = np.array(rankings[final_step]["centrality"])
  final_pick = rankings[final_step]["pick"]
  rows = []
  for step in steps:
    early = np.array(rankings[step]["centrality"])
    order = [runs[i] for i in np.argsort(-early, kind="stable")]
    fraction = step / final_step
    rows.append({
        "step": step, "fraction": fraction, "order": order,
        "centrality": dict(zip(runs, early.tolist())),
        "spearman_with_final_ranking": spearman(early, final_rank),
        "early_pick": order[0], "early_pick_final_score": final[order[0]],
        "final_pick_in_top_keep": final_pick in order[:args.keep],
        "early_pick_within_one_std_of_final_pick": final[order[0]] >= final[final_pick] - std,
        "compute_saved_keeping_the_pick": 1 - (len(runs) * fraction + 1 - fraction) / len(runs),
        "compute_saved_keeping_top_keep": (1 - (len(runs) * fraction + args.keep * (1 - fraction))
                                           / len(runs)),
    })
  results = {"label": args.label, "date": time.strftime("%Y-%m-%d"),
             "machine": throughput.machine_line(throughput.machine()),
             "command": "python -m benchmarks.pruning " + " ".join(
                 f"'{a}'" if " " in a else a for a in sys.argv[1:]),
             "score": args.score, "keep": args.keep, "final_scores": final,
             "final_pick": final_pick, "final_pick_score": final[final_pick],
             "best_seed_score": best, "std": std, "mean": float(values.mean()), "rows": rows}
  slug = re.sub(r"[^a-z0-9]+", "_", args.label.lower()).strip("_")
  path = os.path.join(ROOT, "benchmarks", "results", f"pruning_{slug}.json")
  with open(path, "w") as f:
    json.dump(results, f, indent=1)
  name = {w: os.path.basename(w) for w in runs}
  print(f"final {args.score}: " + ", ".join(f"{name[w]} {final[w]:.3f}" for w in runs)
        + f"; mean {values.mean():.3f} ± {std:.3f}; final pick {name[final_pick]}")
  print("| step | ranking (most central first) | Spearman with final | early pick's "
        f"{args.score} | within 1 std of the final pick | final pick in top {args.keep} | "
        f"compute saved (keep 1 / {args.keep}) |")
  print("|---|---|---|---|---|---|---|")
  for r in rows:
    print(f"| {r['step']} ({r['fraction']:.2f}) | {', '.join(name[w] for w in r['order'])} | "
          f"{r['spearman_with_final_ranking']:+.2f} | {r['early_pick_final_score']:.3f} | "
          f"{'yes' if r['early_pick_within_one_std_of_final_pick'] else 'no'} | "
          f"{'yes' if r['final_pick_in_top_keep'] else 'no'} | "
          f"{r['compute_saved_keeping_the_pick']:.0%} / "
          f"{r['compute_saved_keeping_top_keep']:.0%} |")
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
