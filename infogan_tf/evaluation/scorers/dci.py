"""'dci': DCI disentanglement, completeness and informativeness on data with known factors."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import code_matrix
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import dci as dci_metric

def score(ctx: EvalContext, report: dict) -> None:
  """'dci': DCI disentanglement, completeness and informativeness of the codes on data with
  known factors, and the factor each code matters most for."""
  if not ctx.has_factors:
    return
  z, names, categorical = code_matrix(ctx.codes, ctx.spec)
  result = dci_metric.dci(z, ctx.test_f, categorical_codes=categorical, seed=ctx.seed,
                   factor_names=ctx.test.factor_names)
  result["codes"] = names
  report["dci"] = result


def summary(report: dict) -> List[str]:
  if "dci" not in report:
    return []
  d = report["dci"]
  informativeness = "-" if d["informativeness"] is None else f"{d['informativeness']:.3f}"
  return [f"  DCI disentanglement {d['disentanglement']:.3f}  completeness "
          f"{d['completeness']:.3f}  informativeness {informativeness}"]
