"""Linear probe: a perfect representation scores 1, a constant one chance."""

import numpy as np

from infogan_tf.metrics import probe


def _data(n=2000, seed=0):
  rs = np.random.RandomState(seed)
  y = rs.randint(0, 4, n)
  return y


def test_labelled_subset_is_stratified():
  y = np.repeat(np.arange(5), 100)
  idx = probe.labelled_subset(y, 0.1)
  assert len(idx) == 50 and np.bincount(y[idx]).tolist() == [10] * 5
  assert len(probe.labelled_subset(y, 0.001)) == 5  # at least one per class


def test_one_hot_features_score_one_constant_scores_chance():
  y_train, y_test = _data(seed=0), _data(seed=1)
  onehot = lambda y: np.eye(4)[y] + 0.01 * np.random.RandomState(3).normal(size=(len(y), 4))
  perfect = probe.probe_scores(onehot(y_train), y_train, onehot(y_test), y_test, 4, (0.1,))
  assert perfect["probe@10%"] == 1.0
  const = probe.linear_probe_accuracy(np.ones((200, 4)), y_train[:200], np.ones((2000, 4)),
                                      y_test, 4)
  assert const < 0.35  # predicts one class: ~0.25
