"""'factor_vae': the FactorVAE score of the codes on data with known factors."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import code_matrix
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import factor_vae as factor_vae_metric

def score(ctx: EvalContext, report: dict) -> None:
  """'factor_vae': the FactorVAE score of the codes on data with known factors, and the factor
  each code votes for."""
  if not ctx.has_factors:
    return
  z, names, _ = code_matrix(ctx.codes, ctx.spec)
  try:
    result = factor_vae_metric.factor_vae_score(z, ctx.test_f, seed=ctx.seed,
                                         factor_names=ctx.test.factor_names)
  except ValueError as e:  # every code collapsed to one value: nothing to score
    report["factor_vae"] = {"score": 0.0, "error": str(e), "codes": names}
    return
  result["codes"] = names
  report["factor_vae"] = result


def summary(report: dict) -> List[str]:
  if "factor_vae" not in report:
    return []
  f = report["factor_vae"]
  owners = ", ".join(f"{c}->{k}" for c, k in zip(f["codes"], f.get("dimension_factor", ()))
                     if k)
  return [f"  FactorVAE score {f['score']:.3f} ({owners})"]
