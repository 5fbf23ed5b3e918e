r"""Train and evaluate one flagfile over several seeds; write the results file.

  python -m benchmarks.seeds --flagfile=trainers/flagfiles/fashion_mnist.flags --seeds=0,1,2 \
      [--extra="--steps=3000"] [--label="paper nets"]

Each seed trains with `python -m trainers.main --flagfile=F --seed=S --workdir=<base>/seed<S>`
(plus --extra) and is evaluated with `python -m trainers.evaluate`. The mean and spread (sample
std) of every headline number, the exact commands, the machine, steps and wall-clock times go
to benchmarks/results/seeds_<label>.json (docs/results.md shows it after
`python -m benchmarks.results_page`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

import numpy as np

from benchmarks import record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_command(cmd):
  """Runs a repo CLI in a subprocess (quiet TF); returns (CompletedProcess, seconds).

  Raises:
    RuntimeError: With the end of stderr, when the command fails.
  """
  env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  t0 = time.time()
  proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
  if proc.returncode:
    raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
  return proc, time.time() - t0


def checkpoint_steps(workdir: str):
  """The steps of the checkpoints kept in workdir/checkpoints, ascending."""
  names = os.listdir(os.path.join(workdir, "checkpoints"))
  return sorted(int(m.group(1)) for m in map(re.compile(r"ckpt-(\d+)\.index$").match, names) if m)


def report_at(workdir: str, step: int, seed: int, extra=()) -> dict:
  """The evaluation report of workdir's checkpoint at `step`, evaluated on first use (with the
  `extra` trainers.evaluate flags): the latest checkpoint's in <workdir>/eval
  (trainers.evaluate's default), an earlier one's in <workdir>/eval_steps/<step>."""
  if step == checkpoint_steps(workdir)[-1]:
    output_dir, flags = os.path.join(workdir, "eval"), []
  else:
    output_dir = os.path.join(workdir, "eval_steps", str(step))
    flags = [f"--checkpoint={os.path.join(workdir, 'checkpoints', f'ckpt-{step}')}",
             f"--output_dir={output_dir}"]
  path = os.path.join(output_dir, "report.json")
  fresh = False
  if os.path.exists(path):
    with open(path) as f:
      fresh = json.load(f)["step"] == step
  if not fresh:
    run_command([sys.executable, "-m", "trainers.evaluate", f"--workdir={workdir}", *flags,
                 f"--seed={seed}", *extra])
  with open(path) as f:
    return json.load(f)


def headline(report: dict) -> dict:
  row = {}
  if "clustering" in report and "cat0" in report["clustering"]:
    c = report["clustering"]["cat0"]
    row.update({"acc": c["acc"], "nmi": c["nmi"], "ari": c["ari"]})
  if "cat0" in report["info"]:
    row["L_I_cat0"] = report["info"]["cat0"]["L_I"]
  for k, v in report.get("probe", {}).items():
    row[k] = v
  if "frechet" in report:
    row["frechet"] = report["frechet"]["distance"]
  if "mig" in report:
    row["mig"] = report["mig"]["mig"]
  if "factor_vae" in report:
    row["factor_vae"] = report["factor_vae"]["score"]
  if "dci" in report:
    row["dci"] = report["dci"]["disentanglement"]
  return row


def rerun_command(module: str, args, label: str, *flags: str) -> str:
  """The command that reruns a seed benchmark (`benchmarks.<module>`) as it was called."""
  return (f"python -m benchmarks.{module} --flagfile={os.path.relpath(args.flagfile, ROOT)} "
          + "".join(f"{flag} " for flag in flags)
          + f"--seeds={args.seeds}" + (f" --extra=\"{args.extra}\"" if args.extra else "")
          + (f" --label=\"{label}\"" if args.label else ""))


def parse_run_arguments(doc: str, seeds: str, workdirs: str):
  """The seed benchmarks' shared arguments -> (args, label, slug of the label, extra flags)."""
  parser = argparse.ArgumentParser(description=doc.splitlines()[0])
  parser.add_argument("--flagfile", required=True)
  parser.add_argument("--seeds", default=seeds)
  parser.add_argument("--extra", default="", help="Extra trainer flags, quoted.")
  parser.add_argument("--label", default=None)
  parser.add_argument("--base_workdir", default=os.path.join(ROOT, "workdirs", workdirs))
  args = parser.parse_args()
  label = args.label or os.path.splitext(os.path.basename(args.flagfile))[0]
  slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
  return args, label, slug, shlex.split(args.extra)


def main():
  args, label, slug, extra = parse_run_arguments(__doc__, "0,1,2", "seeds")
  runs = []
  for seed in [int(s) for s in args.seeds.split(",")]:
    workdir = os.path.join(args.base_workdir, slug, f"seed{seed}")
    train_cmd = [sys.executable, "-m", "trainers.main", f"--flagfile={args.flagfile}",
                 f"--seed={seed}", f"--workdir={workdir}", *extra]
    proc, train_seconds = run_command(train_cmd)
    ips = re.search(r"(\d+) images/s", proc.stderr.strip().splitlines()[-1])
    _, eval_seconds = run_command([sys.executable, "-m", "trainers.evaluate",
                                   f"--workdir={workdir}", f"--seed={seed}"])
    with open(os.path.join(workdir, "eval", "report.json")) as f:
      report = json.load(f)
    runs.append({"seed": seed, "workdir": workdir, "train_seconds": train_seconds,
                 "eval_seconds": eval_seconds, "step": report["step"],
                 "images_per_sec": float(ips.group(1)) if ips else None,
                 **headline(report)})
    print(json.dumps(runs[-1]), flush=True)

  keys = [k for k in runs[0] if k not in ("seed", "workdir", "step", "images_per_sec")]
  summary = {k: {"mean": float(np.mean([r[k] for r in runs])),
                 "std": float(np.std([r[k] for r in runs], ddof=1)) if len(runs) > 1 else 0.0}
             for k in keys}
  result = {"label": label, "flagfile": args.flagfile, "extra": args.extra, "runs": runs,
            "summary": summary}
  print("wrote", record.write(f"seeds_{slug}", result, rerun_command("seeds", args, label)))


if __name__ == "__main__":
  main()
