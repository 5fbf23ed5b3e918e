"""'probe': a linear classifier on Q's trunk features with a few labels."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import encode
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import probe

def score(ctx: EvalContext, report: dict) -> None:
  """'probe': a linear classifier on Q's trunk features with a few labels."""
  if not (ctx.labelled and ctx.has_held_out_images):
    return
  train_x, train_y = ctx.train_arrays()
  train_feats = encode(ctx.model, train_x)["features"]
  report["probe"] = probe.probe_scores(train_feats, train_y, ctx.codes["features"], ctx.test_y,
                                       ctx.test.num_classes, ctx.probe_fractions, ctx.seed)


def summary(report: dict) -> List[str]:
  return [f"  linear {k:10s} {v:.3f}" for k, v in report.get("probe", {}).items()]
