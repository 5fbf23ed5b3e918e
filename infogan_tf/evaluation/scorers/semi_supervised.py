"""'semi_supervised': each ss code's accuracy against its label column, with no matching."""

from __future__ import annotations

from typing import List

from typing import Dict, Optional

import numpy as np

from infogan_tf.evaluation.arrays import column_values, encode
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import clustering

def score(ctx: EvalContext, report: dict) -> None:
  """'semi_supervised': each ss code's accuracy against its label column, no matching (and
  with D's last weights when the run keeps an average)."""
  config = ctx.config
  if not config.semi_supervised.enabled:
    return
  last_codes = None
  if ctx.model.discriminator_average is not None:  # what the average bought: D's last weights
    last_codes = encode(ctx.model, ctx.test_x, discriminator=ctx.model.discriminator)
  report["semi_supervised"] = semi_supervised_scores(
      ctx.model, ctx.test, ctx.test_x, ctx.test_y, ctx.test_f, ctx.codes, last_codes)


def semi_supervised_scores(model, source, images, labels, factors,
                           codes: Dict[str, np.ndarray],
                           last_weights_codes: Optional[Dict[str, np.ndarray]] = None
                           ) -> Dict[str, dict]:
  """No-matching accuracy (inference mode and batch statistics) and clustering scores per ss
  code.

  Args:
    model: The trained InfoGAN (its inference discriminator is scored).
    source: The evaluation ImageSource (for factor names).
    images: [N, H, W, C] evaluation images.
    labels: [N] labels; factors: [N, F].
    codes: `encode(model, images)` (inference mode).
    last_weights_codes: For runs that average D's weights (the inference discriminator is the
      average), `encode` of the same images with D's last weights.

  Returns:
    {'cat<i>': {'column', 'accuracy', 'accuracy_batch_statistics', 'acc', 'nmi', 'ari', ...}}
    and 'accuracy_last_weights' with `last_weights_codes`.
  """
  ss = model.config.semi_supervised
  batch_codes = encode(model, images, batch=500, training=True)
  out = {}
  for c, column in zip(ss.codes, ss.label_columns):
    y = column_values(source, labels, factors, column)
    valid = y >= 0  # images of a folder's unlabelled/ sub-folder have no label
    y, predicted, predicted_bs = y[valid], codes[f"cat{c}"][valid], batch_codes[f"cat{c}"][valid]
    scores = clustering.clustering_scores(predicted, y)
    scores["column"] = column
    scores["num_images"] = int(valid.sum())
    scores["accuracy"] = float(np.mean(predicted == y))
    scores["accuracy_batch_statistics"] = float(np.mean(predicted_bs == y))
    if last_weights_codes is not None:
      scores["accuracy_last_weights"] = float(np.mean(
          last_weights_codes[f"cat{c}"][valid] == y))
    scores["per_class_accuracy"] = [float(np.mean(predicted[y == k] == k))
                                    if np.any(y == k) else None
                                    for k in range(model.spec.categorical[c])]
    out[f"cat{c}"] = scores
  return out


def summary(report: dict) -> List[str]:
  """One line per ss code: accuracy with no matching, Hungarian scores, and what the other
  scorers added to the section (D's last weights, generated-class accuracy)."""
  lines = []
  for code, s in report.get("semi_supervised", {}).items():
    line = (f"  ss {code:3s} ({s['column']}) accuracy, no matching {s['accuracy']:.3f} "
            f"(batch statistics {s['accuracy_batch_statistics']:.3f}); Hungarian ACC "
            f"{s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}")
    if "accuracy_last_weights" in s:
      line += f"; D's last weights instead of their average {s['accuracy_last_weights']:.3f}"
    if "conditional_generation_accuracy" in s:
      line += f"; generated-class accuracy {s['conditional_generation_accuracy']:.3f}"
    lines.append(line)
  return lines
