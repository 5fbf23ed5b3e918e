"""'agreement': a selection's pick's accuracy on the images every selected run agreed on."""

from __future__ import annotations

from typing import List

import numpy as np

from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import clustering

def score(ctx: EvalContext, report: dict) -> None:
  """With a selection's agreement (`ctx.agreement`) on labelled images: `agreed_accuracy`."""
  if ctx.agreement and ctx.labelled:
    report["agreement"] = agreed_accuracy(ctx, ctx.agreement)


def agreed_accuracy(ctx: EvalContext, agreement: dict) -> dict:
  """Per categorical code: the pick's accuracy (its one-to-one matching over all evaluation
  images) on the images every run of its selection agreed on, beside all images'."""
  out = {}
  num_labels = int(ctx.test_y.max()) + 1
  for code, scores in agreement.items():
    if code not in ctx.codes:
      continue
    predicted = ctx.codes[code]  # [N]
    k = ctx.spec.categorical[int(code[3:])]
    matched = np.asarray(clustering.cluster_label_table(predicted, ctx.test_y, k, num_labels)
                         ["matched_label"])  # [k]
    correct = matched[predicted] == ctx.test_y  # [N]
    agreed = np.asarray(scores["agreed"], np.int64)
    agreed = agreed[agreed < len(correct)]
    out[code] = {"runs": scores["runs"], "images": scores["images"],
                 "agreed_images": int(len(agreed)),
                 "acc_on_agreed": float(correct[agreed].mean()) if len(agreed) else None,
                 "acc": float(correct.mean())}
  return out


def summary(report: dict) -> List[str]:
  lines = []
  for code, s in report.get("agreement", {}).items():
    on_agreed = "-" if s["acc_on_agreed"] is None else f"{s['acc_on_agreed']:.3f}"
    lines.append(f"  {code:6s} the {s['runs']} selected runs agree on {s['agreed_images']} of "
                 f"the first {s['images']} images: ACC there {on_agreed} (all images "
                 f"{s['acc']:.3f})")
  return lines
