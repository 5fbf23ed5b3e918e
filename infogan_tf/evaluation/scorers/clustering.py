"""'clustering': each categorical code as a clustering of labelled images (ACC, NMI, ARI)."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import clustering

def score(ctx: EvalContext, report: dict) -> None:
  """'clustering': each categorical code as a clustering of labelled images (ACC, NMI, ARI)."""
  if not ctx.labelled:
    return
  report["clustering"] = {}
  num_labels = max(ctx.test.num_classes, int(ctx.test_y.max()) + 1)
  for i, k in enumerate(ctx.spec.categorical):
    scores = clustering.clustering_scores(ctx.codes[f"cat{i}"], ctx.test_y)
    scores["table"] = clustering.cluster_label_table(ctx.codes[f"cat{i}"], ctx.test_y, k,
                                                     num_labels)
    report["clustering"][f"cat{i}"] = scores


def summary(report: dict) -> List[str]:
  """Per code: ACC, NMI, ARI, majority-label ACC, then the code-value x label table."""
  lines = []
  for code, s in report.get("clustering", {}).items():
    lines.append(f"  {code:6s} ACC {s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  "
                 f"(majority-label ACC {s['acc_majority']:.3f})")
    if "table" in s:
      lines.append(cluster_table_text(code, s["table"]))
  return lines


def cluster_table_text(code: str, table: dict) -> str:
  """The code-value x label counts as aligned text, one row per code value."""
  counts = table["counts"]
  num_labels = len(counts[0]) if counts else 0
  width = max(5, len(str(max((max(r) for r in counts), default=0))) + 1)
  rows = [f"  {code + ' value':>10s} {'matched label':>13s}| test images per label:",
          f"  {'':10s} {'':13s}|" + "".join(f"{j:>{width}d}" for j in range(num_labels))]
  for value, (row, label) in enumerate(zip(counts, table["matched_label"])):
    matched = str(label) if label >= 0 else "-"
    rows.append(f"  {value:>10d} {matched:>13s}|" + "".join(f"{n:>{width}d}" for n in row))
  return "\n".join(rows)
