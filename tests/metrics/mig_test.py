"""MIG on a representation equal to the factors vs. a random one."""

import numpy as np

from infogan_tf.metrics import mig


def _factors(n=5000, seed=0):
  rs = np.random.RandomState(seed)
  return np.stack([rs.randint(0, 4, n), rs.uniform(0, 1, n), rs.uniform(-1, 1, n)], 1)


def test_identity_representation_scores_one():
  f = _factors()
  result = mig.mig(f, f)
  assert result["mig"] > 0.99
  assert np.argmax(np.array(result["mi"])[:, 1]) == 1


def test_random_representation_scores_near_zero():
  f = _factors()
  z = np.random.RandomState(5).normal(size=(5000, 3))
  assert mig.mig(z, f)["mig"] < 0.05


def test_entangled_representation_scores_low():
  f = _factors()
  z = np.stack([f[:, 1] + f[:, 2], f[:, 1] - f[:, 2]], 1)  # a rotation mixes the factors
  assert mig.mig(z, f[:, 1:])["mig"] < 0.5


def test_discretize_keeps_small_integer_columns():
  x = np.array([[0, 0.1], [3, 0.5], [3, 0.9]])
  d = mig.discretize(x, num_bins=2)
  assert d[:, 0].tolist() == [0, 1, 1] and d[:, 1].tolist() == [0, 1, 1]
