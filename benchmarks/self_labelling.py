r"""Self-labelling over seeds: every run before and after `trainers.refine`, and the label-free
pick before and after, with what it cost against training.

  python -m benchmarks.self_labelling --workdirs='/work/runs/fashion/seed_*' \
      --label="Fashion-MNIST, fashion_mnist.flags, 3000 steps x 64" \
      [--variant="q head only=--layers=q_head"] [--variant=...] [--quick]

For each run (trained workdirs, e.g. of `trainers.sweep --noselect`) and each variant (the
defaults, or `name=refine flags`): `python -m trainers.refine --workdir=RUN
--output_dir=RUN/refined[_<variant>] <flags>`, then `python -m trainers.evaluate` of the run and
of the refined workdir (reports reused when they are of the latest checkpoint). `--quick`
evaluates with 2000 samples and no linear probe (for screening settings). The pick is
`trainers.select` over the runs (labels are never read, by the pick or by refining). Writes
benchmarks/results/self_labelling_<label>.json and prints the table.

Refining's seconds come from refine.json; a run's training seconds from its metrics.jsonl
(steps x batch / images per second over every logged interval), so both exclude start-up.
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

from benchmarks.seeds import ROOT, checkpoint_steps, headline, run_command

SCORES = ("acc", "nmi", "mig", "factor_vae", "dci", "frechet")


def train_seconds(workdir: str) -> float:
  """Training time from metrics.jsonl: each logged interval's images over its images/s."""
  with open(os.path.join(workdir, "config.json")) as f:
    batch = json.load(f)["train"]["batch_size"]
  seconds, last = 0.0, 0
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    for line in f:
      row = json.loads(line)
      if row.get("perf/images_per_sec"):
        seconds += (row["step"] - last) * batch / row["perf/images_per_sec"]
      last = row["step"]
  return seconds


def evaluate(workdir: str, quick: bool) -> dict:
  """trainers.evaluate's report of workdir's latest checkpoint (reused when it is of that
  step; a refined workdir written anew has no report inside it)."""
  output_dir = os.path.join(workdir, "eval_quick" if quick else "eval")
  path = os.path.join(output_dir, "report.json")
  if os.path.exists(path):
    with open(path) as f:
      report = json.load(f)
    if report["step"] == checkpoint_steps(workdir)[-1]:
      return report
  flags = ["--num_samples=2000", "--probe_fractions=", "--projector_images=0"] if quick else []
  run_command([sys.executable, "-m", "trainers.evaluate", f"--workdir={workdir}",
               f"--output_dir={output_dir}", *flags])
  with open(path) as f:
    return json.load(f)


def scores(report: dict) -> dict:
  """The headline scores, and L_I per code as exported and with batch statistics."""
  row = {k: v for k, v in headline(report).items() if k in SCORES}
  for code, s in report["info"].items():
    row[f"L_I_{code}"] = s["L_I"]
    if "L_I_batch_statistics" in s:
      row[f"L_I_{code}_batch_statistics"] = s["L_I_batch_statistics"]
  return row


def summary(values) -> dict:
  values = np.asarray(values, float)
  return {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1
          else 0.0, "best": float(values.max()), "worst": float(values.min())}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdirs", required=True, help="A glob or comma list of runs.")
  parser.add_argument("--label", required=True)
  parser.add_argument("--variant", action="append", default=[],
                      help="name=refine flags (repeatable); default: the defaults only.")
  parser.add_argument("--quick", action="store_true")
  args = parser.parse_args()
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top

  runs = sorted({w for pattern in args.workdirs.split(",") for w in glob.glob(pattern)
                 if os.path.exists(os.path.join(w, "config.json"))})
  variants = {"defaults": []}
  for spec in args.variant:
    name, _, flags = spec.partition("=")
    variants[name] = flags.split()
  selection_path = os.path.join(os.path.dirname(runs[0]), "selection.json")
  run_command([sys.executable, "-m", "trainers.select", f"--workdirs={','.join(runs)}",
               f"--output={selection_path}"])
  with open(selection_path) as f:
    pick = json.load(f)["pick"]
  results = {"label": args.label, "date": time.strftime("%Y-%m-%d"),
             "machine": throughput.machine_line(throughput.machine()),
             "command": "python -m benchmarks.self_labelling " + " ".join(
                 f"'{a}'" if " " in a else a for a in sys.argv[1:]),
             "quick": args.quick, "pick": pick, "runs": {}}
  for run in runs:
    entry = {"train_seconds": round(train_seconds(run), 1),
             "before": scores(evaluate(run, args.quick)), "after": {}}
    for name, flags in variants.items():
      slug = "" if name == "defaults" else "_" + re.sub(r"[^a-z0-9]+", "_", name.lower())
      refined = os.path.join(run, f"refined{slug}")
      run_command([sys.executable, "-m", "trainers.refine", f"--workdir={run}",
                   f"--output_dir={refined}", *flags])
      with open(os.path.join(refined, "refine.json")) as f:
        record = json.load(f)
      entry["after"][name] = {**scores(evaluate(refined, args.quick)),
                              "refine_seconds": record["seconds"],
                              "confident": record["rounds"][0]["confident"],
                              "images": record["rounds"][0]["images"]}
      print(run, name, json.dumps(entry["after"][name]), flush=True)
    results["runs"][run] = entry
  keys = list(next(iter(results["runs"].values()))["before"])
  results["summary"] = {"before": {k: summary([e["before"][k] for e in results["runs"].values()])
                                   for k in keys}}
  for name in variants:
    after = [e["after"][name] for e in results["runs"].values()]
    before = [e["before"] for e in results["runs"].values()]
    results["summary"][name] = {
        k: {**summary([a[k] for a in after]),
            "paired_difference": summary([a[k] - b[k] for a, b in zip(after, before)]),
            "runs_up": int(sum(a[k] > b[k] for a, b in zip(after, before)))}
        for k in keys}
    results["summary"][name]["cost"] = summary(
        [e["after"][name]["refine_seconds"] / e["train_seconds"]
         for e in results["runs"].values()])
  slug = re.sub(r"[^a-z0-9]+", "_", args.label.lower()).strip("_")
  path = os.path.join(ROOT, "benchmarks", "results", f"self_labelling_{slug}.json")
  with open(path, "w") as f:
    json.dump(results, f, indent=1)
  for name in variants:
    print(f"\n{name}:")
    for k in keys:
      s, b = results["summary"][name][k], results["summary"]["before"][k]
      d = s["paired_difference"]
      print(f"  {k:28s} before {b['mean']:.3f} ± {b['std']:.3f}  after {s['mean']:.3f} ± "
            f"{s['std']:.3f}  paired {d['mean']:+.3f} ± {d['std']:.3f}  up in {s['runs_up']}"
            f"/{len(runs)}; pick {results['runs'][pick]['before'][k]:.3f} -> "
            f"{results['runs'][pick]['after'][name][k]:.3f}")
    c = results["summary"][name]["cost"]
    print(f"  refine time / training time: {c['mean']:.3f} (worst {c['best']:.3f})")
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
