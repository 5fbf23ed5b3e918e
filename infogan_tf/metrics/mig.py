"""Mutual Information Gap (Chen et al., 2018) between a representation and known factors.

MIG = mean over factors k of (I(z_j*; v_k) - I(z_j'; v_k)) / H(v_k), where j* and j' are the
representation dimensions with the largest and second-largest MI with factor v_k. Continuous
values are discretised into equal-width bins (the disentanglement_lib convention, 20 bins).
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from infogan_tf.metrics.clustering import contingency, entropy, mutual_information


def discretize(values: np.ndarray, num_bins: int = 20) -> np.ndarray:
  """[N, D] -> [N, D] integer bins per column; columns with few distinct values kept as is."""
  values = np.asarray(values, np.float64)
  out = np.zeros(values.shape, np.int64)
  for d in range(values.shape[1]):
    column = values[:, d]
    distinct = np.unique(column)
    if len(distinct) <= num_bins:
      out[:, d] = np.searchsorted(distinct, column)
    else:
      edges = np.histogram_bin_edges(column, num_bins)[1:-1]
      out[:, d] = np.digitize(column, edges)
  return out


def mig(representation: np.ndarray, factors: np.ndarray, num_bins: int = 20,
        factor_names: Sequence[str] = ()) -> Dict[str, object]:
  """MIG of a representation against ground-truth factors.

  Args:
    representation: [N, D] codes (e.g. Q's continuous means and categorical arg-max).
    factors: [N, K] true factors.
    num_bins: Bins for continuous columns.
    factor_names: Optional names for the per-factor report.

  Returns:
    {'mig': float, 'per_factor': {name: gap}, 'mi': [D, K] matrix (nats)}.
  """
  z = discretize(representation, num_bins)
  v = discretize(factors, num_bins)
  d, k = z.shape[1], v.shape[1]
  mi = np.zeros([d, k])
  for i in range(d):
    for j in range(k):
      mi[i, j] = mutual_information(contingency(z[:, i], v[:, j]))
  gaps = {}
  names = list(factor_names) or [f"factor{j}" for j in range(k)]
  for j in range(k):
    h = entropy(np.bincount(v[:, j]))
    if h == 0:
      continue
    top = np.sort(mi[:, j])[::-1]
    second = top[1] if d > 1 else 0.0
    gaps[names[j]] = float((top[0] - second) / h)
  return {"mig": float(np.mean(list(gaps.values()))) if gaps else 0.0, "per_factor": gaps,
          "mi": mi.tolist()}
