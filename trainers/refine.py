r"""Sharpens a trained run's categorical codes on its own confident predictions (self-labelling)
and writes the result beside the run, which stays as it was.

  python -m trainers.refine --workdir=workdirs/fashion_mnist
  python -m trainers.refine --workdir=workdirs/sweep/selection.json   # the pick of a sweep
  python -m trainers.evaluate --workdir=workdirs/fashion_mnist/refined
  python -m export.main --workdir=workdirs/fashion_mnist/refined --export_dir=/tmp/models/x

Every setting has a measured default (docs/self_labelling.md); `--help` lists them.
"""

from __future__ import annotations

import sys

from absl import flags

from infogan_tf import self_labelling
from infogan_tf.cli import command, config_flags

flags.DEFINE_string("workdir", None, "The trained run, or a selection (selection.json, or the "
                    "folder holding it): its pick.")
flags.DEFINE_string("output_dir", None, "Where the refined workdir goes (default "
                    "<run>/refined; replaced if it exists).")
config_flags.define_settings_flags(self_labelling.RefineConfig)
command.define_flags()
flags.adopt_module_key_flags(command)  # --help lists --debug and --verbose
FLAGS = flags.FLAGS


def work() -> int:
  if not FLAGS.workdir:
    print("trainers.refine: --workdir is required", file=sys.stderr)
    return 2
  settings = config_flags.settings_from_flags(self_labelling.RefineConfig).validate()
  result = self_labelling.refine(FLAGS.workdir, settings, FLAGS.output_dir, stream=sys.stdout)
  print(f"refined: {result.workdir} (pass it as --workdir to trainers.evaluate or export.main)")
  return 0


if __name__ == "__main__":
  command.run("trainers.refine", work, outputs="--output_dir")
