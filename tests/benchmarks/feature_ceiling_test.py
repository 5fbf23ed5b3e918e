"""Tests for benchmarks/studies/feature_ceiling.py: cases with known answers, a tiny workdir."""

import numpy as np
import pytest

from benchmarks.studies import feature_ceiling
from tests import helpers


def _blobs(num_clusters=4, per=100, dim=16, seed=0):
  rs = np.random.RandomState(seed)
  centres = rs.normal(size=[num_clusters, dim]) * 10
  labels = np.repeat(np.arange(num_clusters), per)
  return (centres[labels] + rs.normal(size=[len(labels), dim])).astype(np.float32), labels


def test_neighbours_exclude_self_and_stay_in_separated_clusters():
  feats, labels = _blobs()
  nbr = feature_ceiling.mine_neighbours(feats, k=5, chunk=64)  # chunks cross cluster borders
  assert nbr.shape == (400, 5)
  assert not (nbr == np.arange(400)[:, None]).any()
  assert feature_ceiling.neighbour_purity(nbr, labels) == 1.0
  # Shuffled labels make the same neighbourhoods impure.
  assert feature_ceiling.neighbour_purity(nbr, np.random.RandomState(0).permutation(labels)) < 0.5


def test_confident_scores_keep_only_confident_rows():
  labels = np.array([0, 1, 0, 1])
  probs = np.array([[0.999, 0.001], [0.001, 0.999], [0.95, 0.05], [0.6, 0.4]])
  s = feature_ceiling.confident_scores(probs, labels)
  assert s[">0.99"] == {"coverage": 0.5, "acc": 1.0}
  assert s[">0.9"]["coverage"] == 0.75 and s[">0.9"]["acc"] == 1.0
  assert feature_ceiling.confident_scores(np.full([2, 2], 0.5), labels[:2])[">0.9"]["acc"] is None


@pytest.mark.slow
def test_scan_head_finds_separated_clusters_without_labels():
  from infogan_tf.metrics import clustering
  feats, labels = _blobs()
  nbr = feature_ceiling.mine_neighbours(feats, k=5)
  predict = feature_ceiling.scan_head(feats, nbr, num_clusters=4, epochs=30, seed=0,
                                      batch=64, learning_rate=1e-3)
  probs = predict(feats)
  assert probs.shape == (400, 4) and np.allclose(probs.sum(1), 1, atol=1e-5)
  assert clustering.hungarian_accuracy(probs.argmax(1), labels) > 0.95


def test_measure_on_a_trained_workdir(trained_workdir):
  r = feature_ceiling.measure(trained_workdir, train_examples=300, k=5, epochs=1)
  assert r["train_examples"] == 300
  assert 0 <= r["neighbour_purity"] <= 1
  assert set(r["q_cat0_confident"]) == {">0.9", ">0.99"}
  for key in ("q_cat0", "scan_head"):
    assert 0 < r[key]["acc"] <= 1 and 0 <= r[key]["nmi"] <= 1
  lines = feature_ceiling.table([r])
  assert len(lines) == 3 and all(line.startswith("|") for line in lines)  # header, rule, row


@pytest.mark.slow
def test_measure_rejects_a_workdir_without_categorical_code(tmp_path):
  workdir = str(tmp_path / "nocat")
  config = helpers.with_parts(helpers.tiny_config(workdir), latent=dict(categorical=()))
  import io
  from infogan_tf import training
  training.train(config, stream=io.StringIO(), strategy=helpers.one_device_strategy())
  with pytest.raises(ValueError, match="no categorical code"):
    feature_ceiling.measure(workdir, train_examples=100, k=3, epochs=1)
