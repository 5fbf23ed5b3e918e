"""'mig': the mutual information gap of the codes on data with known factors."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import code_matrix
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import mig as mig_metric

def score(ctx: EvalContext, report: dict) -> None:
  """'mig': the mutual information gap of the codes on data with known factors."""
  if not ctx.has_factors:
    return
  z, names, _ = code_matrix(ctx.codes, ctx.spec)
  result = mig_metric.mig(z, ctx.test_f, factor_names=ctx.test.factor_names)
  result["codes"] = names
  report["mig"] = result


def summary(report: dict) -> List[str]:
  if "mig" not in report:
    return []
  per = ", ".join(f"{k} {v:.2f}" for k, v in report["mig"]["per_factor"].items())
  return [f"  MIG {report['mig']['mig']:.3f} ({per})"]
