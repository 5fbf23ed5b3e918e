"""Unsupervised clustering scores: Hungarian-matched accuracy, NMI and ARI.

The matching is scipy's `linear_sum_assignment`; NMI and ARI are the closed forms on the
contingency table (checked against scikit-learn in tests/metrics/clustering_test.py).
"""

from __future__ import annotations

from typing import Dict

import numpy as np
from scipy import optimize


def contingency(clusters: np.ndarray, labels: np.ndarray) -> np.ndarray:
  """[n_clusters, n_labels] counts of (cluster, label) pairs (ids need not be contiguous)."""
  _, c = np.unique(np.asarray(clusters), return_inverse=True)
  _, l = np.unique(np.asarray(labels), return_inverse=True)
  table = np.zeros([c.max() + 1, l.max() + 1], np.int64)
  np.add.at(table, (c, l), 1)
  return table


def hungarian_accuracy(clusters: np.ndarray, labels: np.ndarray) -> float:
  """Accuracy under the best one-to-one mapping of clusters to labels (unmatched = wrong)."""
  table = contingency(clusters, labels)
  rows, cols = optimize.linear_sum_assignment(table, maximize=True)
  return float(table[rows, cols].sum() / table.sum())


def best_label_map_accuracy(clusters: np.ndarray, labels: np.ndarray) -> float:
  """Accuracy when every cluster takes its majority label (many-to-one, as in the paper)."""
  table = contingency(clusters, labels)
  return float(table.max(axis=1).sum() / table.sum())


def entropy(counts: np.ndarray) -> float:
  """Entropy in nats of the distribution given by non-negative counts."""
  p = counts[counts > 0] / counts.sum()
  return float(-(p * np.log(p)).sum())


def mutual_information(table: np.ndarray) -> float:
  """I(A; B) in nats from a contingency table."""
  n = table.sum()
  pij = table / n
  pi, pj = pij.sum(1, keepdims=True), pij.sum(0, keepdims=True)
  nz = pij > 0
  return float((pij[nz] * np.log(pij[nz] / (pi @ pj)[nz])).sum())


def normalized_mutual_information(clusters: np.ndarray, labels: np.ndarray) -> float:
  """NMI with the arithmetic-mean normalisation (sklearn's default)."""
  table = contingency(clusters, labels)
  h_c, h_l = entropy(table.sum(1)), entropy(table.sum(0))
  if h_c == 0 and h_l == 0:
    return 1.0
  denom = (h_c + h_l) / 2
  return float(mutual_information(table) / denom) if denom > 0 else 0.0


def adjusted_rand_index(clusters: np.ndarray, labels: np.ndarray) -> float:
  """ARI (Hubert & Arabie): 1 for identical partitions, ~0 for random ones."""
  table = contingency(clusters, labels).astype(np.float64)
  comb = lambda x: x * (x - 1) / 2
  sum_ij = comb(table).sum()
  sum_a, sum_b = comb(table.sum(1)).sum(), comb(table.sum(0)).sum()
  expected = sum_a * sum_b / comb(table.sum())
  max_index = (sum_a + sum_b) / 2
  if max_index == expected:
    return 1.0
  return float((sum_ij - expected) / (max_index - expected))


def cluster_label_table(clusters: np.ndarray, labels: np.ndarray, num_clusters: int,
                        num_labels: int) -> Dict[str, list]:
  """Which labels each cluster holds, and the label the Hungarian matching gives it.

  Unlike `contingency`, rows and columns are the cluster and label ids themselves, so empty
  clusters (a code value Q never picks) keep their row.

  Args:
    clusters: [N] ints in [0, num_clusters).
    labels: [N] ints in [0, num_labels).
    num_clusters: Number of code values.
    num_labels: Number of classes.

  Returns:
    {'counts': [num_clusters][num_labels] ints, 'matched_label': [num_clusters] label id per
    cluster under the one-to-one matching (-1 for a cluster left unmatched)}.
  """
  clusters, labels = np.asarray(clusters, np.int64), np.asarray(labels, np.int64)
  if clusters.size and (clusters.min() < 0 or clusters.max() >= num_clusters):
    raise ValueError(f"cluster ids must be in [0, {num_clusters})")
  if labels.size and (labels.min() < 0 or labels.max() >= num_labels):
    raise ValueError(f"label ids must be in [0, {num_labels})")
  table = np.zeros([num_clusters, num_labels], np.int64)
  np.add.at(table, (clusters, labels), 1)
  matched = np.full(num_clusters, -1, np.int64)
  rows, cols = optimize.linear_sum_assignment(table, maximize=True)
  matched[rows] = cols
  return {"counts": table.tolist(), "matched_label": matched.tolist()}


def clustering_scores(clusters: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
  """ACC (Hungarian), ACC with majority labels, NMI and ARI of a clustering."""
  return {
      "acc": hungarian_accuracy(clusters, labels),
      "acc_majority": best_label_map_accuracy(clusters, labels),
      "nmi": normalized_mutual_information(clusters, labels),
      "ari": adjusted_rand_index(clusters, labels),
  }
