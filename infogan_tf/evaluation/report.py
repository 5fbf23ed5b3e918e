"""`evaluate(workdir)`: the scorers over one checkpoint, the report written (report.json,
traversal PNGs, TensorBoard scalars, the embedding projector), and `summary_table`."""

from __future__ import annotations

import json
import os
import tempfile
import time
from typing import Dict, Optional, Sequence

from infogan_tf import data as data_lib
from infogan_tf import traced_graphs, visualize, workdirs
from infogan_tf.evaluation.arrays import drop_rows, encode, load_arrays
from infogan_tf.evaluation.context import EVAL_SPLIT, EvalContext, evaluates_on_training_images
from infogan_tf.evaluation.scorers import SCORERS
from infogan_tf.metrics import dci as dci_metric
from infogan_tf.model import InfoGAN
from infogan_tf.training import summaries

EVAL_SUBDIR = "eval"
REPORT_FILENAME = "report.json"
PROJECTOR_IMAGES = 2000  # evaluation images shown in TensorBoard's embedding projector


def _check_writable(directory: str) -> None:
  """Creates `directory` and a scratch file in it, or raises the OSError that stops it (with
  `directory` as its filename)."""
  try:
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
      pass
  except OSError as e:
    raise OSError(e.errno, e.strerror, directory) from e


@traced_graphs.releasing
def evaluate(workdir: str, num_samples: int = 10000, classifier_dir: Optional[str] = None,
             probe_fractions: Sequence[float] = (0.01, 0.1), max_train_examples: int = 60000,
             checkpoint: Optional[str] = None, seed: int = 0, write: bool = True,
             output_dir: Optional[str] = None, projector_images: int = PROJECTOR_IMAGES,
             agreement: Optional[dict] = None, dci_boosted_trees: bool = False) -> dict:
  """Evaluates the latest (or given) checkpoint of a workdir; writes eval/report.json.

  Args:
    workdir: A run, its refined/ run, or a selection.json (its pick; the selection's
      agreement is then used unless `agreement` is given).
    num_samples: Generated samples for L_I and the Fréchet distance.
    classifier_dir: Where the Fréchet feature classifiers are saved/reused.
    probe_fractions: Label fractions for the linear probe.
    max_train_examples: Cap on train images encoded for the probe.
    checkpoint: A checkpoint prefix (default latest).
    seed: Seed for samples and probe subsets.
    write: Write report.json, traversal PNGs and TensorBoard events into `output_dir`.
    output_dir: Where to write (default workdir/eval); checked for writability before any
      work, so a read-only workdir fails at once rather than after the evaluation.
    projector_images: With `write`, the first this many evaluation images go to TensorBoard's
      embedding projector (Q's trunk features, thumbnails, label / Q's category / confidence /
      factors as metadata; 0 = none).
    agreement: When the workdir is a selection's pick, the selection's 'agreement'
      (`infogan_tf.selection.agreement`): on labelled data the report then has, per code, the
      pick's accuracy on the images every run agreed on beside its accuracy on all of them.
    dci_boosted_trees: On data with known factors, also DCI with disentanglement_lib's
      importance model (gradient-boosted trees; needs scikit-learn, the `[dci]` extra), the
      number published DCI figures compare with; 'dci' (lasso) is always computed.

  Returns:
    The report dict.

  Raises:
    OSError: `output_dir` cannot be written (read-only, no permission, a file in the way).
    ImportError: `dci_boosted_trees` without scikit-learn (said before any work).
  """
  t0 = time.time()
  missing = dci_metric.boosted_trees_missing() if dci_boosted_trees else None
  if missing:
    raise ImportError(missing)
  resolved = workdirs.resolve(workdir)
  workdir = resolved.run
  if agreement is None and resolved.selection is not None:
    agreement = resolved.selection.get("agreement")
  out_dir = output_dir or os.path.join(workdir, EVAL_SUBDIR)
  if write:
    _check_writable(out_dir)
  model = InfoGAN.from_workdir(workdir, checkpoint)
  config, ckpt, spec, pixel_range = model.config, model.checkpoint_path, model.spec, \
      model.pixel_range
  averaged = model.discriminator_average is not None
  generator = model.generator
  split = EVAL_SPLIT
  test = data_lib.load_source(config.data, split=split, seed=0)
  test_x, test_y, test_f = load_arrays(test, pixel_range)
  num_loaded = len(test_x)
  labelled_indices = data_lib.labelled.load_indices(workdir)
  if labelled_indices is not None and evaluates_on_training_images(config, split):
    test_x, test_y, test_f = drop_rows(labelled_indices, test_x, test_y, test_f)
  ctx = EvalContext(workdir, model, ckpt, test, test_x, test_y, test_f,
                    encode(model, test_x), num_samples, seed,
                    classifier_dir, tuple(probe_fractions), max_train_examples, agreement,
                    dci_boosted_trees=dci_boosted_trees)
  report = {"workdir": workdir, "checkpoint": ckpt, "step": int(ckpt.rsplit("-", 1)[-1]),
            "dataset": config.data.name, "split": split, "num_test": int(len(test_x)),
            "excluded_labelled": num_loaded - len(test_x),
            "discriminator_weights": "moving average" if averaged else "last"}
  for scorer in SCORERS:
    scorer.score(ctx, report)
  ss = config.semi_supervised
  report["seconds"] = time.time() - t0
  if write:
    grids = visualize.display_traversal_grids(generator, spec, pixel_range, seed=seed)
    for c, column in zip(ss.codes, ss.label_columns):  # rows of an ss code are named classes
      names = (test.class_names if column == "label" and test.class_names
               else [f"{column}={k}" for k in range(spec.categorical[c])])
      for name in [n for n in grids if n.split("_")[0] == f"cat{c}"]:
        grids[name] = visualize.label_rows(grids[name], names, spec.categorical[c])
    for name, grid in grids.items():
      visualize.write_png(os.path.join(out_dir, f"traversal_{name}.png"), grid)
    report["traversals"] = sorted(f"traversal_{n}.png" for n in grids)
    if projector_images:
      count = min(projector_images, len(ctx.test_x))
      summaries.write_projector(out_dir, ctx.codes["features"][:count],
                                data_lib.from_pixel_range(ctx.test_x[:count], pixel_range),
                                projector_columns(ctx, count))
      report["projector_images"] = count
    with open(os.path.join(out_dir, REPORT_FILENAME), "w") as f:
      json.dump(report, f, indent=2, default=float)
    # TensorBoard run 'eval' beside 'train' (by default), at the checkpoint's step.
    writer = summaries.SummaryWriter(os.path.dirname(os.path.abspath(out_dir)),
                                     run=os.path.basename(os.path.abspath(out_dir)), jsonl=False)
    writer.scalars(report["step"], summaries.report_scalars(report))
    writer.images(report["step"], grids)
    writer.close()
  return report


def projector_columns(ctx: EvalContext, count: int) -> Dict[str, list]:
  """The projector's metadata of the first `count` evaluation images: the class, Q's category
  and its confidence per categorical code, and the known factors."""
  columns = {}
  if (ctx.test_y[:count] >= 0).any():
    names = ctx.test.class_names
    columns["label"] = [(names[y] if names else str(y)) if y >= 0 else "-"
                        for y in ctx.test_y[:count].tolist()]
  for i in range(len(ctx.spec.categorical)):
    probs = ctx.codes[f"cat{i}_probs"][:count]  # [count, k_i]
    columns[f"Q cat{i}"] = probs.argmax(axis=1).tolist()
    columns[f"Q cat{i} confidence"] = [f"{p:.3f}" for p in probs.max(axis=1)]
  for j, name in enumerate(ctx.test.factor_names):
    columns[name] = [f"{v:.3g}" for v in ctx.test_f[:count, j]]
  if not columns:
    columns["index"] = list(range(count))
  return columns


def summary_table(report: dict) -> str:
  """A plain-text table of the headline numbers: a header line, then each scorer's lines."""
  lines = [f"{report['dataset']} ({report['split']}, {report['num_test']} images), "
           f"step {report['step']}"]
  for scorer in SCORERS:
    lines.extend(scorer.summary(report))
  return "\n".join(lines)
