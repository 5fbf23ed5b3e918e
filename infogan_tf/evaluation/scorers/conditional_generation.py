"""ss codes: how often the dataset's classifier reads category k in images generated with
c_ss = k (Spurr et al.'s metric), added to the 'semi_supervised' section (and its line)."""

from __future__ import annotations

from typing import List

from typing import Dict

import numpy as np

from infogan_tf.evaluation.arrays import column_values, generate
from infogan_tf.evaluation.context import EvalContext

def score(ctx: EvalContext, report: dict) -> None:
  """ss codes: how often the classifier reads category k in images generated with c_ss = k."""
  ss = ctx.config.semi_supervised
  if not (ss.enabled and ctx.labelled and ctx.has_held_out_images):
    return
  classifier, _ = ctx.classifier()
  same_as_label = [c for c in ss.label_columns
                   if np.array_equal(column_values(ctx.test, ctx.test_y, ctx.test_f, c),
                                     ctx.test_y)]
  generation = conditional_generation_accuracy(
      ctx.model, classifier, max(1, min(1000, ctx.num_samples // 10)), ctx.seed, same_as_label)
  for code, accuracy in generation.items():
    report["semi_supervised"][code]["conditional_generation_accuracy"] = accuracy


def conditional_generation_accuracy(model, classifier, per_class: int, seed: int,
                                    label_columns=("label",)) -> Dict[str, float]:
  """Spurr et al.'s metric: generate with c_ss = k for every k, classify, score == k.

  Only ss codes tied to a column in `label_columns` (columns equal to the class label the
  dataset classifier predicts) are scored.
  """
  out = {}
  config = model.config
  ss = config.semi_supervised
  for c, column in zip(ss.codes, ss.label_columns):
    if column not in label_columns:
      continue
    hits = 0
    k_count = config.latent.categorical[c]
    for k in range(k_count):
      fake = generate(model, per_class, seed + 31 * k, fixed_code=(c, k))
      predicted = np.argmax(classifier.predict(fake, batch_size=1000, verbose=0), axis=-1)
      hits += int(np.sum(predicted == k))
    out[f"cat{c}"] = hits / (per_class * k_count)
  return out


def summary(report: dict) -> List[str]:
  """No lines of its own: the ss line shows the accuracy."""
  return []
