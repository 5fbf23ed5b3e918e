"""DCI disentanglement and completeness (Eastwood & Williams, 2018).

An importance matrix R [D codes, K factors] says how much each code is used to predict each
factor. Disentanglement: each code's importances as a distribution over factors, P_i = R_i / sum
R_i, scores D_i = 1 - H_K(P_i) (entropy in base K: 1 for a code that predicts one factor only,
0 for one spread evenly over all); the total is the mean of D_i weighted by each code's share of
all importance, rho_i = sum R_i / sum R. Completeness is the same per factor over codes (base D),
weighted by each factor's share. These are disentanglement_lib's `dci.py` formulas.

Two importance models. `dci_boosted_trees` is disentanglement_lib's: per factor, scikit-learn's
`GradientBoostingClassifier` (its defaults) on the raw codes predicts the factor's value, the
importances are its `feature_importances_`, informativeness its held-out accuracy; it needs the
optional `scikit-learn` (`pip install "infogan_tf[dci]"`), and its number is the one published
DCI figures compare with. A factor with more than `max_levels` values (a continuous one) is
first cut into 20 equal-width bins, as disentanglement_lib discretises continuous values.
`dci`, "DCI (lasso)", keeps to the package's own dependencies and
fits, per factor, a lasso regression on standardised codes (the other regressor of the DCI
paper), with importance |weight|: a categorical code enters as its one-hot columns (importance
summed back to the code), a factor with few values as one-vs-rest targets (importance summed over
its values). A linear model sees monotonic relations, as an InfoGAN code's are meant to be.
Informativeness is reported as the lasso fits' held-out R^2, averaged over targets.
"""

from __future__ import annotations

import importlib.util
from typing import Dict, Optional, Sequence

import numpy as np

BOOSTED_TREES_NEED = ('DCI with boosted trees needs scikit-learn: pip install "infogan_tf[dci]" '
                      '(or scikit-learn)')


def boosted_trees_missing() -> Optional[str]:
  """Why `dci_boosted_trees` cannot run here (scikit-learn absent), or None when it can."""
  return BOOSTED_TREES_NEED if importlib.util.find_spec("sklearn") is None else None


def disentanglement(importance: np.ndarray) -> float:
  """sum_i rho_i (1 - H_K(R_i / sum R_i)) of a [D, K] non-negative importance matrix."""
  r = np.asarray(importance, np.float64)
  return _weighted_one_minus_entropy(r)


def completeness(importance: np.ndarray) -> float:
  """The same over codes for each factor (base D): 1 when each factor is predicted by one code."""
  return _weighted_one_minus_entropy(np.asarray(importance, np.float64).T)


def _weighted_one_minus_entropy(r: np.ndarray) -> float:
  """sum over rows of (row share) * (1 - entropy of the row in base = number of columns)."""
  if r.ndim != 2 or (r < 0).any():
    raise ValueError(f"importance must be a non-negative [rows, columns] matrix, got {r.shape}")
  total = r.sum()
  if total == 0 or r.shape[1] < 2:
    return 0.0 if total == 0 else 1.0
  rows = r.sum(axis=1)
  p = r / np.maximum(rows, 1e-300)[:, None]
  with np.errstate(divide="ignore", invalid="ignore"):
    h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1) / np.log(r.shape[1])  # [rows]
  return float(((rows / total) * (1.0 - h)).sum())


def lasso(x: np.ndarray, y: np.ndarray, alpha: float, iterations: int = 200) -> np.ndarray:
  """Weights w minimising ||y - x w||^2 / (2N) + alpha ||w||_1 (coordinate descent).

  Args:
    x: [N, P] standardised features (mean 0, variance 1 per column).
    y: [N] centred target.
    alpha: L1 strength.
    iterations: Sweeps over the P coordinates.

  Returns:
    [P] weights.
  """
  n, p = x.shape
  w = np.zeros(p)
  residual = y.astype(np.float64).copy()
  norms = (x * x).sum(axis=0) / n  # [P] 1 for standardised columns (0 for constant ones)
  for _ in range(iterations):
    largest = 0.0
    for j in range(p):
      if norms[j] == 0:
        continue
      rho = x[:, j] @ residual / n + norms[j] * w[j]
      new = np.sign(rho) * max(abs(rho) - alpha, 0.0) / norms[j]
      if new != w[j]:
        residual -= x[:, j] * (new - w[j])
        largest = max(largest, abs(new - w[j]))
        w[j] = new
    if largest < 1e-8:
      break
  return w


def _checked(representation, factors):
  """([N, D], [N, K]) float64 arrays; ValueError when their shapes do not pair."""
  z = np.asarray(representation, np.float64)
  f = np.asarray(factors, np.float64)
  if z.ndim != 2 or f.ndim != 2 or len(z) != len(f):
    raise ValueError(f"representation [N, D] and factors [N, K] must have the same N; got "
                     f"{z.shape} and {f.shape}")
  return z, f


def _split(n: int, train_fraction: float, seed: int):
  """(train, held-out) example indices: a seeded permutation cut at train_fraction."""
  order = np.random.RandomState(seed).permutation(n)
  cut = int(n * train_fraction)
  return order[:cut], order[cut:]


def _result(importance: np.ndarray, held_out: Sequence[float],
            factor_names: Sequence[str]) -> Dict[str, object]:
  """The DCI report of a [D, K] importance matrix and the per-target held-out scores."""
  names = list(factor_names) or [f"factor{k}" for k in range(importance.shape[1])]
  return {"disentanglement": disentanglement(importance),
          "completeness": completeness(importance),
          "informativeness": float(np.mean(held_out)) if held_out else None,
          "importance": importance.tolist(),
          "code_factor": [names[k] if importance[d].sum() > 0 else None
                          for d, k in enumerate(np.argmax(importance, axis=1))]}


def _standardise(x: np.ndarray) -> np.ndarray:
  std = x.std(axis=0)
  return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def dci(representation: np.ndarray, factors: np.ndarray,
        categorical_codes: Sequence[int] = (), alpha: float = 0.01, max_levels: int = 20,
        train_fraction: float = 0.8, seed: int = 0,
        factor_names: Sequence[str] = ()) -> Dict[str, object]:
  """DCI disentanglement, completeness and informativeness of a representation.

  Args:
    representation: [N, D] codes.
    factors: [N, K] true factors.
    categorical_codes: Columns of `representation` that hold a category index (one-hot
      encoded for the fit).
    alpha: Lasso strength on standardised codes and targets.
    max_levels: A factor with at most this many integer values is fitted one-vs-rest.
    train_fraction: Share of the examples the fits see; the rest give informativeness.
    seed: Seed of the train/held-out split.
    factor_names: Names of the K factors.

  Returns:
    {'disentanglement', 'completeness', 'informativeness' (held-out R^2),
     'importance': [D, K], 'code_factor': [D] the factor each code is most important for}.
  """
  z, f = _checked(representation, factors)
  columns, owner = [], []  # the fit's feature columns and the code each belongs to
  for d in range(z.shape[1]):
    if d in set(categorical_codes):
      for value in np.unique(z[:, d]):
        columns.append((z[:, d] == value).astype(np.float64))
        owner.append(d)
    else:
      columns.append(z[:, d])
      owner.append(d)
  x = _standardise(np.stack(columns, axis=1))  # [N, P]
  owner = np.array(owner)
  train, held = _split(len(z), train_fraction, seed)
  importance = np.zeros([z.shape[1], f.shape[1]])
  scores = []
  for k in range(f.shape[1]):
    values = np.unique(f[:, k])
    integer = np.all(values == np.round(values)) and 2 < len(values) <= max_levels
    targets = [(f[:, k] == v).astype(np.float64) for v in values] if integer else [f[:, k]]
    for y in targets:
      y = _standardise(y[:, None])[:, 0]
      w = lasso(x[train], y[train] - y[train].mean(), alpha)
      np.add.at(importance[:, k], owner, np.abs(w))
      if len(held):
        prediction = x[held] @ w + y[train].mean()
        residual = ((y[held] - prediction) ** 2).sum()
        total = ((y[held] - y[held].mean()) ** 2).sum()
        scores.append(1.0 - residual / total if total > 0 else 0.0)
  return _result(importance, scores, factor_names)


def _factor_classes(values: np.ndarray, max_levels: int, bins: int) -> np.ndarray:
  """[N] integer class of each example's factor value: its index among at most max_levels
  integer values, else its bin of `bins` equal-width bins over the observed range."""
  levels = np.unique(values)
  if np.all(levels == np.round(levels)) and len(levels) <= max_levels:
    return np.searchsorted(levels, values)
  edges = np.linspace(values.min(), values.max(), bins + 1)[1:-1]
  return np.digitize(values, edges)


def dci_boosted_trees(representation: np.ndarray, factors: np.ndarray, max_levels: int = 20,
                      bins: int = 20, train_fraction: float = 0.8, seed: int = 0,
                      factor_names: Sequence[str] = ()) -> Dict[str, object]:
  """DCI with disentanglement_lib's importance model: gradient-boosted trees per factor.

  Args:
    representation: [N, D] codes (a categorical code as its category index: trees split on it).
    factors: [N, K] true factors.
    max_levels: A factor with at most this many integer values is classified as is.
    bins: Equal-width bins of a factor with more values.
    train_fraction: Share of the examples the trees see; the rest give informativeness.
    seed: Seed of the train/held-out split and of the trees.
    factor_names: Names of the K factors.

  Returns:
    {'disentanglement', 'completeness', 'informativeness' (held-out accuracy, mean over the
     factors), 'importance': [D, K], 'code_factor': [D]}.

  Raises:
    ImportError: scikit-learn is not installed (the message says how to install it).
  """
  try:
    from sklearn.ensemble import GradientBoostingClassifier  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    raise ImportError(BOOSTED_TREES_NEED) from e
  z, f = _checked(representation, factors)
  train, held = _split(len(z), train_fraction, seed)
  importance = np.zeros([z.shape[1], f.shape[1]])  # [D, K]
  accuracies = []
  for k in range(f.shape[1]):
    y = _factor_classes(f[:, k], max_levels, bins)
    if len(np.unique(y[train])) < 2:
      continue  # a constant factor: nothing to predict, no importance
    model = GradientBoostingClassifier(random_state=seed).fit(z[train], y[train])
    importance[:, k] = np.abs(model.feature_importances_)
    if len(held):
      accuracies.append(float((model.predict(z[held]) == y[held]).mean()))
  return _result(importance, accuracies, factor_names)
