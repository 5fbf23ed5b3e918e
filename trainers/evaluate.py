r"""Evaluates a trained workdir and writes <workdir>/eval/report.json (+ traversal PNGs).

  python -m trainers.evaluate --workdir=workdirs/fashion_mnist
  python -m trainers.evaluate --workdir=/read/only/run --output_dir=/tmp/run_eval
"""

from __future__ import annotations

import os
import sys

from absl import flags

from infogan_tf import evaluation
from infogan_tf.cli import command

flags.DEFINE_string("workdir", None, "Training workdir to evaluate, or a selection "
                    "(selection.json, or the folder holding it, from trainers.select): its pick.")
flags.DEFINE_string("checkpoint", None, "Checkpoint prefix (default: latest).")
flags.DEFINE_integer("num_samples", 10000, "Generated samples for L_I and Frechet distance.")
flags.DEFINE_string("classifier_dir", None,
                    "Where Frechet feature classifiers are saved and reused "
                    "(default ~/.cache/infogan_tf/classifiers).")
flags.DEFINE_list("probe_fractions", ["0.01", "0.1"], "Label fractions for the linear probe.")
flags.DEFINE_integer("seed", 0, "Seed for samples and probe subsets.")
flags.DEFINE_string("output_dir", None,
                    "Where report.json, traversal PNGs and TensorBoard events go (default "
                    "<workdir>/eval); for a workdir you cannot write to.")
flags.DEFINE_integer("projector_images", evaluation.PROJECTOR_IMAGES,
                     "Evaluation images shown in TensorBoard's embedding projector (Q's "
                     "features, thumbnails, label, Q's category and confidence; 0 = none).",
                     lower_bound=0)
flags.DEFINE_boolean("dci_boosted_trees", False,
                     "On data with known factors, also DCI with disentanglement_lib's "
                     "gradient-boosted trees, comparable with published DCI (needs "
                     "scikit-learn: pip install \"infogan_tf[dci]\"; about a minute on 4000 "
                     "images on 2 cores). DCI (lasso) is always computed.")
command.define_flags()
flags.adopt_module_key_flags(command)  # --help lists --debug and --verbose
FLAGS = flags.FLAGS


def work() -> int:
  from infogan_tf import workdirs  # pylint: disable=g-import-not-at-top

  if not FLAGS.workdir:
    print("trainers.evaluate: --workdir is required", file=sys.stderr)
    return 2
  try:
    fractions = [float(f) for f in FLAGS.probe_fractions]
  except ValueError:
    print("trainers.evaluate: --probe_fractions must be numbers", file=sys.stderr)
    return 2
  from infogan_tf.metrics import dci  # pylint: disable=g-import-not-at-top
  missing = dci.boosted_trees_missing() if FLAGS.dci_boosted_trees else None
  if missing:
    print(f"trainers.evaluate: --dci_boosted_trees: {missing}", file=sys.stderr)
    return 2
  resolved = workdirs.resolve(FLAGS.workdir)
  if resolved.describe():
    print(f"trainers.evaluate: {resolved.describe()}")
  output_dir = FLAGS.output_dir or os.path.join(resolved.run, evaluation.EVAL_SUBDIR)
  report = evaluation.evaluate(FLAGS.workdir, FLAGS.num_samples, FLAGS.classifier_dir,
                               fractions, checkpoint=FLAGS.checkpoint, seed=FLAGS.seed,
                               output_dir=output_dir,
                               projector_images=FLAGS.projector_images,
                               dci_boosted_trees=FLAGS.dci_boosted_trees)
  print(evaluation.summary_table(report))
  print(f"report: {os.path.join(output_dir, evaluation.REPORT_FILENAME)}")
  if report.get("projector_images"):
    print(f"embedding projector ({report['projector_images']} images): tensorboard "
          f"--logdir={os.path.dirname(os.path.abspath(output_dir))}, PROJECTOR tab")
  return 0


if __name__ == "__main__":
  command.run("trainers.evaluate", work, outputs="--output_dir")
