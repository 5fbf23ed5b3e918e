r"""Picks the run to keep among seeds of one setting, without labels (the most central run).

  python -m trainers.select --workdirs='workdirs/sweep/seed_*'
  python -m trainers.select --workdirs=runs/a,runs/b,runs/c --output=/tmp/selection.json
  python -m trainers.select --workdirs='/shared/sweep/seed_*' --wait=7200   # after a job array

Scores every pair of runs by how much their codes agree (continuous codes: the FactorVAE score of
one run's encoder on the other's generated codes; categorical codes: NMI of their Q assignments
on the same real images) and names the run with the highest mean similarity. Writes
selection.json (default: in the runs' common parent folder), which trainers.evaluate and
export.main accept as --workdir.
"""

from __future__ import annotations

import os
import sys

from absl import flags

from infogan_tf import hparams, selection
from infogan_tf import sweeps
from infogan_tf.cli import command

flags.DEFINE_list("workdirs", None, "Training workdirs of one setting (paths or glob patterns, "
                  "comma-separated); at least three.")
flags.DEFINE_string("output", None, "Where selection.json goes (a file or a folder; default: "
                    "the runs' common parent folder).")
flags.DEFINE_integer("num_images", selection.DEFAULT_IMAGES,
                     "Real images, and generated images per run, to ""compare the runs' codes on.")
flags.DEFINE_integer("seed", 0, "Seed of the generated codes, the views and the FactorVAE "
                     "votes.")
flags.DEFINE_enum("criterion", selection.DEFAULT_CRITERION, selection.CRITERIA,
                  "What the runs are ranked by (docs/selection.md compares them); every one is "
                  "scored and written to selection.json.")
flags.DEFINE_float("wait", 0.0, "Seconds to wait for runs still training (e.g. the other "
                   "tasks of a cluster job array) before selecting; 0 = do not wait.",
                   lower_bound=0.0)
flags.DEFINE_bool("allow_unfinished", False, "Select among the finished runs (at least three) "
                  "when others are still unfinished, naming those left out.")
command.define_flags()
flags.adopt_module_key_flags(command)  # --help lists --debug and --verbose
FLAGS = flags.FLAGS


def work() -> int:
  if not FLAGS.workdirs:
    print("trainers.select: --workdirs is required", file=sys.stderr)
    return 2
  if FLAGS.num_images < 100:
    print("trainers.select: --num_images must be at least 100", file=sys.stderr)
    return 2
  workdirs = sweeps.finished_runs(sweeps.expand_workdirs(FLAGS.workdirs), FLAGS.wait,
                                     FLAGS.allow_unfinished)
  result = selection.select(workdirs, FLAGS.num_images, FLAGS.seed, criterion=FLAGS.criterion)
  path = selection.write_selection(result, FLAGS.output)
  hparams.write_sweep(result, os.path.commonpath([os.path.abspath(w) for w in workdirs]))
  print("\n".join(selection.score_table(result)))
  for line in selection.summary_lines(result):
    print(f"trainers.select: {line}")
  print(f"selection: {path} (pass it as --workdir to trainers.evaluate or export.main)")
  return 0


if __name__ == "__main__":
  command.run("trainers.select", work, outputs="--output")
