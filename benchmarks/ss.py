r"""ss-InfoGAN against its two baselines on the same labelled images, over several seeds.

  python -m benchmarks.ss --flagfile=trainers/flagfiles/fashion_mnist_ss.flags \
      --labels_per_class=10 --seeds=0,1,2 [--extra="--steps=3000"] [--label=...]

Per seed S (the labelled subset is drawn with --label_seed=S, the same for all three):
  1. ss-InfoGAN: `python -m trainers.main --flagfile=F --seed=S --label_seed=S
     --labels_per_class=N` then `python -m trainers.evaluate`: c_ss accuracy with no matching
     in inference mode (as exported) and with batch statistics, Hungarian ACC/NMI, class-
     conditional generation accuracy, Fréchet distance.
  2. Baseline (a): the same trunk + Q head trained on the labelled images only, same
     augmentation, labelled batch and steps (`benchmarks.supervised.train_labelled_only`).
  3. Baseline (b): a linear probe on an unsupervised InfoGAN's trunk features (trained with
     --unsupervised_flagfile and seed S, reused across label budgets), fitted on the same
     labelled images (`benchmarks.supervised.probe_on_labelled`). That unsupervised run's own
     categorical-code accuracy (Hungarian ACC) is reported too: the unsupervised mode measured
     with the same code.
Results: benchmarks/results/ss_<label>.json (docs/results.md, rendered). A rerun reuses
every workdir that has its evaluation report, and the baselines' results stored beside it
(<workdir>/eval/labelled_only.json, probe_unsupervised.json). With --reuse_results, a seed whose
workdir is gone but whose row is in that results file keeps the recorded row (with the date it
was measured on), so a seed can be added to an earlier run without retraining the others.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time

import numpy as np

from benchmarks import record, seeds
from benchmarks.seeds import ROOT, run_command


def _train(flagfile, workdir, seed, extra):
  """Trains (or resumes) and evaluates a workdir; a workdir with a report is reused.

  Returns:
    (wall-clock seconds of this call's training, or None when reused; the trainer's mean
    images/s over the training steps, from metrics.jsonl).
  """
  seconds = None
  if not os.path.exists(os.path.join(workdir, "eval", "report.json")):
    _, seconds = run_command([sys.executable, "-m", "trainers.main", f"--flagfile={flagfile}",
                              f"--seed={seed}", f"--workdir={workdir}", *extra])
    run_command([sys.executable, "-m", "trainers.evaluate", f"--workdir={workdir}",
                 f"--seed={seed}"])
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    speeds = [json.loads(line).get("perf/images_per_sec", 0) for line in f if line.strip()]
  speeds = [v for v in speeds if isinstance(v, (int, float)) and v > 0]
  return seconds, (float(np.mean(speeds)) if speeds else None)


def _cached(path: str, compute):
  """compute() -> dict, stored at `path` (with its wall-clock seconds) and reused from there."""
  if os.path.exists(path):
    with open(path) as f:
      return json.load(f)
  t0 = time.time()
  result = dict(compute(), seconds=time.time() - t0)
  with open(path, "w") as f:
    json.dump(result, f, indent=2)
  return result


def config_batch(workdir: str) -> int:
  with open(os.path.join(workdir, "config.json")) as f:
    return json.load(f)["train"]["batch_size"]


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--flagfile", required=True)
  parser.add_argument("--unsupervised_flagfile",
                      default="trainers/flagfiles/fashion_mnist.flags")
  parser.add_argument("--labels_per_class", type=int, required=True)
  parser.add_argument("--seeds", default="0,1,2")
  parser.add_argument("--extra", default="", help="Extra ss trainer flags, quoted.")
  parser.add_argument("--label", default=None)
  parser.add_argument("--reuse_results", action="store_true",
                      help="Keep recorded rows of seeds whose workdir is gone.")
  parser.add_argument("--skip_probe", action="store_true", help="Skip baseline (b).")
  parser.add_argument("--base_workdir", default=os.path.join(ROOT, "workdirs", "ss"))
  args = parser.parse_args()
  import infogan_tf  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from benchmarks import supervised  # pylint: disable=g-import-not-at-top

  name = os.path.splitext(os.path.basename(args.flagfile))[0]
  label = args.label or f"{name} {args.labels_per_class} per class"
  slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
  extra = shlex.split(args.extra)
  results_path = os.path.join(ROOT, "benchmarks", "results", f"ss_{slug}.json")
  recorded = recorded_rows(results_path) if args.reuse_results else {}
  runs = []
  for seed in [int(s) for s in args.seeds.split(",")]:
    workdir = os.path.join(args.base_workdir, slug, f"seed{seed}")
    if seed in recorded and not os.path.exists(os.path.join(workdir, "eval", "report.json")):
      runs.append(recorded[seed])
      print(json.dumps(dict(recorded[seed], reused=True)), flush=True)
      continue
    ss_flags = [f"--label_seed={seed}", f"--labels_per_class={args.labels_per_class}", *extra]
    train_seconds, images_per_sec = _train(args.flagfile, workdir, seed, ss_flags)
    with open(os.path.join(workdir, "eval", "report.json")) as f:
      report = json.load(f)
    ss = report["semi_supervised"]["cat0"]
    with open(os.path.join(workdir, "labelled.json")) as f:
      num_labelled = json.load(f)["num_labelled"]
    steps = report["step"]
    row = {"seed": seed, "date": time.strftime("%Y-%m-%d"), "workdir": workdir,
           "train_seconds": train_seconds,
           "images_per_sec": images_per_sec, "step": steps, "num_labelled": num_labelled,
           # Training time at the logged speed: comparable even for reused or resumed runs.
           "train_minutes_at_logged_speed": (steps * config_batch(workdir) / images_per_sec / 60
                                             if images_per_sec else None),
           "accuracy": ss["accuracy"],
           "accuracy_batch_statistics": ss["accuracy_batch_statistics"],
           "hungarian_acc": ss["acc"], "nmi": ss["nmi"],
           "generation_accuracy": ss.get("conditional_generation_accuracy"),
           "frechet": report.get("frechet", {}).get("distance")}
    config = config_lib.load_config(workdir)
    baseline = _cached(os.path.join(workdir, "eval", "labelled_only.json"),
                       lambda: supervised.train_labelled_only(config, workdir=workdir))
    row["labelled_only"] = baseline["accuracy"]["cat0"]
    row["labelled_only_seconds"] = baseline["seconds"]
    if not args.skip_probe:
      unsup = os.path.join(args.base_workdir, "unsupervised", f"seed{seed}")
      row["unsupervised_seconds"] = _train(args.unsupervised_flagfile, unsup, seed, [])[0]
      with open(os.path.join(unsup, "eval", "report.json")) as f:
        row["unsupervised_acc"] = json.load(f)["clustering"]["cat0"]["acc"]
      probe = _cached(os.path.join(workdir, "eval", "probe_unsupervised.json"),
                      lambda: supervised.probe_on_labelled(unsup, config))
      row["probe_unsupervised"] = probe["accuracy"]
    runs.append(row)
    print(json.dumps(row), flush=True)

  keys = [k for k in runs[0] if all(isinstance(r.get(k), float) for r in runs)]
  summary = {k: {"mean": float(np.mean([r[k] for r in runs])),
                 "std": float(np.std([r[k] for r in runs], ddof=1)) if len(runs) > 1 else 0.0}
             for k in keys}
  result = {"label": label, "flagfile": args.flagfile, "extra": args.extra,
            "labels_per_class": args.labels_per_class, "date": dates(runs), "runs": runs,
            "summary": summary}
  command = seeds.rerun_command("ss", args, label,
                                f"--labels_per_class={args.labels_per_class}")
  print("wrote", record.write(results_path, result, command))


def dates(runs: list[dict]) -> str:
  """When each seed was measured: one date, or one per seed when they differ."""
  found = [r.get("date") for r in runs]
  if len(set(found)) == 1:
    return str(found[0])
  return "measured " + ", ".join(f"seed {r['seed']} on {r.get('date')}" for r in runs)


def recorded_rows(path: str) -> dict[int, dict]:
  """Per-seed rows of an earlier results file, each with the date it was measured on."""
  if not os.path.exists(path):
    return {}
  with open(path) as f:
    result = json.load(f)
  return {r["seed"]: dict(r, date=r.get("date", result["date"])) for r in result["runs"]}


if __name__ == "__main__":
  main()
