r"""Exports a training workdir as a TF Serving SavedModel.

  python -m export.main --workdir=workdirs/demo --export_dir=/tmp/models/infogan
  python -m export.main --workdir=workdirs/demo --export_dir=/tmp/models/infogan --version=7 \
      --checkpoint=workdirs/demo/checkpoints/ckpt-1000

Writes export_dir/<version>/ (next free integer by default) and export_dir/models.config.
"""

from __future__ import annotations

import sys

from absl import flags

from infogan_tf.cli import command
from infogan_tf.serving import signatures

flags.DEFINE_string("workdir", None, "Training workdir (config.json + checkpoints/), or a "
                    "selection (selection.json, or the folder holding it, from trainers.select): "
                    "its pick.")
flags.DEFINE_string("export_dir", None, "Model base path; versions go in <export_dir>/<N>/.")
flags.DEFINE_integer("version", None, "Integer version (default: next free).")
flags.DEFINE_string("checkpoint", None, "Checkpoint prefix (default: the latest).")
flags.DEFINE_string("model_name", signatures.DEFAULT_MODEL_NAME,
                    "Model name for warmup and models.config.")
flags.DEFINE_string("serving_base_path", None,
                    "base_path for models.config: where the server sees export_dir "
                    "(e.g. /models/infogan in the tensorflow/serving container).")
command.define_flags()
flags.adopt_module_key_flags(command)  # --help lists --debug and --verbose
FLAGS = flags.FLAGS


def work() -> int:
  from infogan_tf import workdirs  # pylint: disable=g-import-not-at-top
  from infogan_tf.serving import exporter  # pylint: disable=g-import-not-at-top

  if not FLAGS.workdir or not FLAGS.export_dir:
    print("export.main: --workdir and --export_dir are required", file=sys.stderr)
    return 2
  resolved = workdirs.resolve(FLAGS.workdir)
  if resolved.describe():
    print(f"export.main: {resolved.describe()}")
  result = exporter.export_workdir(FLAGS.workdir, FLAGS.export_dir, FLAGS.version,
                                   FLAGS.checkpoint, FLAGS.model_name, FLAGS.serving_base_path)
  print(f"export.main: wrote {result.path} from {result.checkpoint}; signatures: "
        f"{', '.join(result.signatures)}")
  return 0


if __name__ == "__main__":
  command.run("export.main", work, outputs="--export_dir")
