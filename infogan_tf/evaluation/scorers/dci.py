"""'dci' and 'dci_boosted_trees': DCI on data with known factors, with two importance models.

'dci' is "DCI (lasso)", always computed; 'dci_boosted_trees' is disentanglement_lib's
(gradient-boosted trees, comparable with published DCI), computed when asked
(`evaluate(..., dci_boosted_trees=True)`, `trainers.evaluate --dci_boosted_trees`; it needs
scikit-learn, `pip install "infogan_tf[dci]"`, and takes about a minute on 4000 shapes images
on 2 cores, as long as the rest of the evaluation).
"""

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
  if ctx.dci_boosted_trees:
    trees = dci_metric.dci_boosted_trees(z, ctx.test_f, seed=ctx.seed,
                                         factor_names=ctx.test.factor_names)
    report["dci_boosted_trees"] = dict(trees, codes=names)


def summary(report: dict) -> List[str]:
  if "dci" not in report:
    return []
  d = report["dci"]
  lines = [_line("DCI (lasso)", d, "R^2")]
  trees = report.get("dci_boosted_trees")
  if trees:
    lines.append(_line("DCI (boosted trees)", trees, "accuracy"))
  return lines


def _line(title: str, d: dict, informativeness_is: str) -> str:
  informativeness = "-" if d["informativeness"] is None else f"{d['informativeness']:.3f}"
  return (f"  {title} disentanglement {d['disentanglement']:.3f}  completeness "
          f"{d['completeness']:.3f}  informativeness {informativeness} ({informativeness_is})")
