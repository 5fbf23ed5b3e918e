"""FactorVAE score and DCI on representations whose answer is known by hand: perfect, permuted,
entangled (a 45-degree rotation of two factors), and the DCI formulas on small matrices."""

import math

import numpy as np
import pytest

from infogan_tf.metrics import dci, factor_vae


def _grid(levels=(4, 5, 6)):
  """A full factorial data set: every combination of integer factors once, [N, K]."""
  return np.stack(np.meshgrid(*[np.arange(n) for n in levels], indexing="ij"),
                  -1).reshape(-1, len(levels)).astype(np.float64)


def _continuous(n=4000, seed=0):
  rs = np.random.RandomState(seed)
  return np.stack([rs.randint(0, 4, n), rs.uniform(0, 1, n), rs.uniform(-1, 1, n)], 1)


# FactorVAE score ---------------------------------------------------------------------------


def test_factor_vae_perfect_and_permuted_representations_score_one():
  f = _grid()
  perfect = factor_vae.factor_vae_score(f, f, num_train=500, num_eval=300)
  assert perfect["score"] == 1.0 and perfect["train_accuracy"] == 1.0
  assert perfect["dimension_factor"] == ["factor0", "factor1", "factor2"]
  # Any permutation and per-dimension scale of a perfect code is as disentangled.
  permuted = f[:, [2, 0, 1]] * np.array([10.0, -0.1, 3.0])
  result = factor_vae.factor_vae_score(permuted, f, num_train=500, num_eval=300,
                                       factor_names=("a", "b", "c"))
  assert result["score"] == 1.0 and result["dimension_factor"] == ["c", "a", "b"]


def test_factor_vae_on_continuous_factors_within_a_bin():
  f = _continuous()
  # Continuous factors are fixed to one of 20 bins; the perfect code still scores 1.
  assert factor_vae.factor_vae_score(f, f, num_train=500, num_eval=300)["score"] == 1.0


def test_factor_vae_entangled_representation_scores_a_half():
  # z = (f0 + f1, f0 - f1) on a 6 x 6 grid: fixing either factor leaves both dimensions with the
  # same variance (that of the other factor; equal up to round-off), so which dimension a vote
  # goes to does not depend on the factor that was fixed: whatever factor the classifier gives
  # each dimension, it is right on half the votes in expectation. 1000 votes: std
  # sqrt(.25 / 1000) = 0.016, so |score - 0.5| < 0.06 is a 3.8-sigma bound.
  f = _grid((6, 6))
  z = np.stack([f[:, 0] + f[:, 1], f[:, 0] - f[:, 1]], 1)
  result = factor_vae.factor_vae_score(z, f, num_train=500, num_eval=1000)
  assert abs(result["score"] - 0.5) < 0.06


def test_factor_vae_prunes_constant_dimensions_and_checks_shapes():
  f = _grid()
  z = np.concatenate([f, np.zeros([len(f), 1])], 1)  # a collapsed code
  result = factor_vae.factor_vae_score(z, f, num_train=300, num_eval=300)
  assert result["num_active_dims"] == 3 and result["score"] == 1.0
  with pytest.raises(ValueError, match="same N"):
    factor_vae.factor_vae_score(z[:5], f)
  with pytest.raises(ValueError, match="no representation dimension varies"):
    factor_vae.factor_vae_score(np.zeros([len(f), 2]), f)


# DCI ---------------------------------------------------------------------------------------


def test_dci_formulas_by_hand():
  assert dci.disentanglement(np.eye(3)) == 1.0 and dci.completeness(np.eye(3)) == 1.0
  assert dci.disentanglement(np.ones([2, 2])) == pytest.approx(0.0, abs=1e-12)
  # Code 0 predicts factor 0 only (D_0 = 1, weight 1/3); code 1 both evenly (D_1 = 0, weight 2/3).
  r = np.array([[1.0, 0.0], [1.0, 1.0]])
  assert dci.disentanglement(r) == pytest.approx(1 / 3)
  # Completeness: factor 0 is split evenly over two codes (C = 0, weight 2/3); factor 1 has one
  # code (C = 1, weight 1/3).
  assert dci.completeness(r) == pytest.approx(1 / 3)
  # Three factors, one code spread 1/2, 1/4, 1/4: 1 - H_3 = 1 - 1.5 ln 2 / ln 3.
  assert dci.disentanglement(np.array([[2.0, 1.0, 1.0]])) == pytest.approx(
      1 - 1.5 * math.log(2) / math.log(3))


def test_dci_perfect_permuted_and_entangled_representations():
  f = _continuous()
  perfect = dci.dci(f, f, categorical_codes=[0])
  assert perfect["disentanglement"] > 0.99 and perfect["completeness"] > 0.99
  assert perfect["informativeness"] > 0.95
  assert perfect["code_factor"] == ["factor0", "factor1", "factor2"]
  permuted = dci.dci(f[:, [1, 2, 0]] * np.array([3.0, -1.0, 1.0]), f, categorical_codes=[2])
  assert permuted["disentanglement"] > 0.99
  assert permuted["code_factor"] == ["factor1", "factor2", "factor0"]
  # A 45-degree rotation of the two continuous factors (equal variance after standardising):
  # each code is used equally for both factors, so its importance is spread evenly: D ~ 0.
  g = (f[:, 1:] - f[:, 1:].mean(0)) / f[:, 1:].std(0)
  entangled = dci.dci(np.stack([g[:, 0] + g[:, 1], g[:, 0] - g[:, 1]], 1), f[:, 1:])
  assert entangled["disentanglement"] < 0.05 and entangled["informativeness"] > 0.95


def test_lasso_recovers_a_sparse_linear_map():
  rs = np.random.RandomState(0)
  x = rs.normal(size=(2000, 4))
  x = (x - x.mean(0)) / x.std(0)
  y = 2.0 * x[:, 1] - 0.5 * x[:, 3]
  w = dci.lasso(x, y - y.mean(), alpha=0.01)
  # The lasso shrinks each non-zero weight by alpha (standardised columns) and keeps zeros.
  np.testing.assert_allclose(w, [0.0, 1.99, 0.0, -0.49], atol=0.01)


# DCI with boosted trees (disentanglement_lib's importance model; optional scikit-learn) ---------


def test_dci_boosted_trees_perfect_permuted_and_entangled_representations():
  pytest.importorskip("sklearn")  # the optional [dci] extra; the test extra installs it
  f = _continuous(n=800)  # shape (4 values), two continuous factors (binned into 20)
  perfect = dci.dci_boosted_trees(f, f)
  # Each code is the only input that predicts its factor: every tree splits on it alone, so
  # the importance matrix is diagonal up to the trees' few splits on the noise of the others.
  assert perfect["disentanglement"] > 0.9 and perfect["completeness"] > 0.9
  assert perfect["code_factor"] == ["factor0", "factor1", "factor2"]
  assert perfect["informativeness"] > 0.85  # held-out accuracy over 4 and 20 classes
  permuted = dci.dci_boosted_trees(f[:, ::-1], f)
  assert permuted["disentanglement"] == pytest.approx(perfect["disentanglement"], abs=0.03)
  assert permuted["code_factor"] == ["factor2", "factor1", "factor0"]
  # Two codes, each the sum of the same two factors with opposite signs: each code matters for
  # both factors, so disentanglement falls far below the perfect one.
  mixed = np.stack([f[:, 1] + f[:, 2], f[:, 1] - f[:, 2]], 1)
  entangled = dci.dci_boosted_trees(mixed, f[:, 1:])
  assert entangled["disentanglement"] < 0.5 * perfect["disentanglement"]


def test_dci_boosted_trees_says_how_to_get_scikit_learn(monkeypatch):
  import sys
  monkeypatch.setitem(sys.modules, "sklearn", None)  # as on a machine without the extra
  monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
  with pytest.raises(ImportError, match=r"infogan_tf\[dci\]"):
    dci.dci_boosted_trees(np.zeros([10, 2]), np.zeros([10, 2]))
