"""Clustering metrics on cases with known answers."""

import itertools

import numpy as np
import pytest

from infogan_tf.metrics import clustering


def test_perfect_and_permuted_clusterings_score_one():
  labels = np.repeat(np.arange(10), 30)
  permuted = np.array([7, 3, 9, 0, 1, 8, 2, 6, 5, 4])[labels]
  for clusters in (labels, permuted):
    s = clustering.clustering_scores(clusters, labels)
    assert s["acc"] == 1.0 and s["acc_majority"] == 1.0
    assert s["nmi"] == pytest.approx(1.0) and s["ari"] == pytest.approx(1.0)


def test_constant_clustering_scores_chance():
  labels = np.repeat(np.arange(10), 30)
  s = clustering.clustering_scores(np.zeros_like(labels), labels)
  assert s["acc"] == pytest.approx(0.1) and s["nmi"] == 0.0 and s["ari"] == pytest.approx(0.0)


def test_random_clustering_is_near_chance():
  rs = np.random.RandomState(0)
  labels = rs.randint(0, 10, 20000)
  s = clustering.clustering_scores(rs.randint(0, 10, 20000), labels)
  assert s["acc"] < 0.13 and s["nmi"] < 0.01 and abs(s["ari"]) < 0.01


def test_hungarian_accuracy_matches_brute_force_over_permutations():
  rs = np.random.RandomState(1)
  for n_clusters, n_labels in [(5, 5), (4, 6), (6, 4), (1, 3)]:
    clusters, labels = rs.randint(0, n_clusters, 200), rs.randint(0, n_labels, 200)
    table = clustering.contingency(clusters, labels)
    r, c = table.shape
    if r <= c:
      best = max(sum(table[i, p[i]] for i in range(r))
                 for p in itertools.permutations(range(c), r))
    else:
      best = max(sum(table[p[j], j] for j in range(c))
                 for p in itertools.permutations(range(r), c))
    assert clustering.hungarian_accuracy(clusters, labels) == pytest.approx(best / 200)


def _nmi_from_samples(a, b):
  """NMI (arithmetic mean) from per-sample frequencies, without a contingency table."""
  n = len(a)

  def h(*columns):
    _, counts = np.unique(np.stack(columns, 1), axis=0, return_counts=True)
    p = counts / n
    return -np.sum(p * np.log(p))

  return (h(a) + h(b) - h(a, b)) / ((h(a) + h(b)) / 2)


def _ari_from_pairs(a, b):
  """ARI by counting every pair of samples (Hubert & Arabie's definition)."""
  i, j = np.triu_indices(len(a), 1)
  same_a, same_b = a[i] == a[j], b[i] == b[j]
  both, pairs = np.sum(same_a & same_b), len(i)
  expected = np.sum(same_a) * np.sum(same_b) / pairs
  return (both - expected) / ((np.sum(same_a) + np.sum(same_b)) / 2 - expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nmi_and_ari_agree_with_their_definitions(seed):
  """The contingency-table formulas against per-sample entropies and all-pairs counting."""
  rs = np.random.RandomState(seed)
  labels = rs.randint(0, 10, 600)
  clusters = np.where(rs.rand(600) < 0.6, labels, rs.randint(0, 7, 600)) + 3  # ids 3..12
  assert clustering.normalized_mutual_information(clusters, labels) == pytest.approx(
      _nmi_from_samples(clusters, labels), abs=1e-9)
  assert clustering.adjusted_rand_index(clusters, labels) == pytest.approx(
      _ari_from_pairs(clusters, labels), abs=1e-9)


def test_one_to_one_vs_majority_accuracy():
  # Two clusters both mostly label 0: majority mapping counts both, Hungarian only one.
  clusters = np.array([0, 0, 0, 1, 1, 1])
  labels = np.array([0, 0, 1, 0, 0, 1])
  assert clustering.best_label_map_accuracy(clusters, labels) == pytest.approx(4 / 6)
  assert clustering.hungarian_accuracy(clusters, labels) == pytest.approx(3 / 6)


def test_known_nmi_and_ari_values():
  clusters = np.array([0, 0, 1, 1])
  labels = np.array([0, 1, 0, 1])
  assert clustering.normalized_mutual_information(clusters, labels) == pytest.approx(0.0)
  assert clustering.adjusted_rand_index(clusters, labels) == pytest.approx(-0.5)


def test_cluster_label_table_keeps_empty_clusters_and_names_the_matching():
  labels = np.array([0, 0, 1, 1, 2, 2])
  clusters = np.array([3, 3, 0, 0, 0, 2])  # cluster 1 never used; 0 holds labels 1 and 2
  t = clustering.cluster_label_table(clusters, labels, num_clusters=4, num_labels=3)
  assert t["counts"] == [[0, 2, 1], [0, 0, 0], [0, 0, 1], [2, 0, 0]]
  assert t["matched_label"] == [1, -1, 2, 0]
  # The matched cells are what the Hungarian accuracy counts.
  hits = sum(t["counts"][c][l] for c, l in enumerate(t["matched_label"]) if l >= 0)
  assert hits / len(labels) == clustering.hungarian_accuracy(clusters, labels)


def test_cluster_label_table_rejects_out_of_range_ids():
  with pytest.raises(ValueError, match="cluster ids"):
    clustering.cluster_label_table(np.array([0, 5]), np.array([0, 1]), 4, 2)
  with pytest.raises(ValueError, match="label ids"):
    clustering.cluster_label_table(np.array([0, 1]), np.array([0, 2]), 4, 2)
