r"""Trains one setting over several seeds, one workdir per seed, then picks the run to keep.

  python -m trainers.sweep --flagfile=trainers/flagfiles/shapes_disentangle.flags --seeds=0-4
  python -m trainers.sweep --flagfile=... --workdir=/tmp/sweep --seeds=0,1,2 --noselect

Every trainer flag applies; --workdir is the parent: seed N trains in <workdir>/seed_N with
--seed=N. Rerunning the command resumes each unfinished seed and skips finished ones. With
several GPUs the seeds train side by side, one per GPU (each a `trainers.main` process); on a
CPU or one GPU they train one after another in this process. Then (with three or more seeds)
trainers.select's pick is written to <workdir>/selection.json.

On a cluster, each seed is a task of a job array, on shared storage (docs/cluster.md has a
Kubernetes Indexed Job and a SLURM array, runnable as written):

  python -m trainers.sweep --flagfile=F --workdir=/shared/sweep --seeds=0-4   # in every task
  python -m trainers.sweep --flagfile=F --workdir=/shared/sweep --seeds=0-4 --select_only \
      --wait=7200                                                            # once, after

A task trains only the seed at its index in --seeds (--task_index, else the scheduler's
JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) and selects nothing; --select_only trains nothing
and selects among the seeds' runs, waiting up to --wait seconds for unfinished ones and naming
those still unfinished.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List

from absl import flags

from infogan_tf import hparams, selection
from infogan_tf import sweeps
from infogan_tf.cli import command
from infogan_tf.cli import config_flags
from trainers import flags as trainer_flags

trainer_flags.define_flags()
flags.DEFINE_string("seeds", "0-4", "Seeds to train: a range 0-4 and/or a list 0,3,7.")
flags.DEFINE_bool("select", True, "After training, pick the most central run (3+ seeds).")
flags.DEFINE_integer("select_images", selection.DEFAULT_IMAGES,
                     "Images trainers.select compares the runs on.")
flags.DEFINE_enum("criterion", selection.DEFAULT_CRITERION, selection.CRITERIA,
                  "What the selection ranks the runs by (as trainers.select's --criterion).")
flags.DEFINE_integer("task_index", None, "Train only the seed at this index of --seeds (a job "
                     "array's task; default: JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID when "
                     "the scheduler sets one).", lower_bound=0)
flags.DEFINE_bool("select_only", False, "Train nothing: select among the seeds' runs (after "
                  "the array's tasks).")
flags.DEFINE_float("wait", 0.0, "With --select_only: seconds to wait for seeds still "
                   "training.", lower_bound=0.0)
flags.DEFINE_bool("allow_unfinished", False, "With --select_only: select among the finished "
                  "seeds (at least three) when others are unfinished.")
flags.adopt_module_key_flags(trainer_flags)
flags.adopt_module_key_flags(config_flags)
flags.adopt_module_key_flags(command)
FLAGS = flags.FLAGS
# This command's own flags (not passed on to trainers.main).
SWEEP_FLAGS = ("--seeds", "--select", "--noselect", "--select_images", "--criterion",
               "--task_index",
               "--select_only", "--noselect_only", "--wait", "--allow_unfinished",
               "--noallow_unfinished")


def _train_on_gpus(seeds: List[int], config, gpus: int) -> None:
  """One trainers.main process per GPU at a time, each with this command's flags."""
  argv = [a for a in sys.argv[1:] if not a.startswith(SWEEP_FLAGS)]
  pending, running = list(seeds), []
  while pending or running:
    while pending and len(running) < gpus:
      seed = pending.pop(0)
      device = min(set(range(gpus)) - {d for _, d, _ in running})
      env = dict(os.environ, CUDA_VISIBLE_DEVICES=str(device))
      args = [sys.executable, "-m", "trainers.main", *argv, f"--seed={seed}",
              f"--workdir={sweeps.seed_config(config, seed).train.workdir}"]
      print(f"trainers.sweep: seed {seed} on GPU {device}")
      running.append((seed, device, subprocess.Popen(args, env=env)))
    seed, device, proc = running.pop(0)
    if proc.wait():
      raise RuntimeError(f"seed {seed} (GPU {device}) failed with exit code {proc.returncode}; "
                         "rerun the sweep to resume")


def work() -> int:
  # pylint: disable=g-import-not-at-top
  import tensorflow as tf
  from infogan_tf import training
  # pylint: enable=g-import-not-at-top
  seeds = sweeps.parse_seeds(FLAGS.seeds)
  config = trainer_flags.config_from_flags(FLAGS)
  workdirs = [sweeps.seed_config(config, s).train.workdir for s in seeds]
  task = None if FLAGS.select_only else sweeps.task_index(FLAGS.task_index)
  if task is not None:  # one task of a job array: its seed, and no selection
    seed = sweeps.seed_of_task(seeds, *task)
    print(f"trainers.sweep: task {task[0]} ({task[1]}) of {len(seeds)}: seed {seed} under "
          f"{config.train.workdir}")
    training.train(sweeps.seed_config(config, seed),
                   allow_resume_changes=FLAGS.allow_resume_changes)
    print("trainers.sweep: when every task has finished, select with --select_only")
    return 0
  if not FLAGS.select_only:
    gpus = len(tf.config.list_physical_devices("GPU"))
    print(f"trainers.sweep: seeds {', '.join(map(str, seeds))} under {config.train.workdir}")
    if gpus > 1 and config.train.strategy != "multi_worker":
      _train_on_gpus(seeds, config, gpus)
    else:
      for seed in seeds:
        print(f"trainers.sweep: seed {seed}")
        training.train(sweeps.seed_config(config, seed),
                       allow_resume_changes=FLAGS.allow_resume_changes)
  if (FLAGS.select or FLAGS.select_only) and len(seeds) >= selection.MIN_RUNS:
    runs = sweeps.finished_runs(workdirs, FLAGS.wait, FLAGS.allow_unfinished)
    result = selection.select(runs, FLAGS.select_images, criterion=FLAGS.criterion)
    path = selection.write_selection(result, config.train.workdir)
    hparams.write_sweep(result, config.train.workdir)  # tensorboard --logdir=<the sweep>
    print("\n".join(selection.score_table(result)))
    for line in selection.summary_lines(result):
      print(f"trainers.sweep: {line}")
    print(f"selection: {path}")
  elif FLAGS.select_only:
    raise selection.SelectionError(f"--select_only needs at least {selection.MIN_RUNS} seeds, "
                                   f"got {FLAGS.seeds}")
  return 0


if __name__ == "__main__":
  command.run("trainers.sweep", work, outputs="--workdir")
