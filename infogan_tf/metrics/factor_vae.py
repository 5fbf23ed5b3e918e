"""The FactorVAE disentanglement score (Kim & Mnih, 2018) on a finite sample with known factors.

One vote: pick a factor k at random, draw `batch_size` examples that share factor k's value,
divide each representation dimension by its standard deviation over the whole sample, and vote
(k, the dimension with the least variance within the batch). A majority-vote classifier maps
each dimension to the factor it got most votes from; the score is that classifier's accuracy on
fresh votes. 1.0: every factor has a dimension that alone stays fixed when the factor is fixed;
1/K (K factors) or so: no dimension tracks one factor.

This follows disentanglement_lib's `factor_vae.py` (batch 64, 10000 training and 5000
evaluation votes, variances with ddof=1, dimensions whose standard deviation is below
`prune_threshold` never vote), with one difference: disentanglement_lib draws each batch from
the data set's generator with factor k fixed; here the batch is drawn from the given sample,
among the examples whose factor k falls in the same bin (factors discretised as for MIG:
integer factors by value, continuous ones into `num_bins` equal-width bins). On a full factorial
data set (dSprites, shapes3d) with integer factors the two are the same distribution.
"""

from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from infogan_tf.metrics.mig import discretize


def _votes(z: np.ndarray, bins: np.ndarray, scale: np.ndarray, active: np.ndarray,
           num_votes: int, batch_size: int, rs: np.random.RandomState) -> np.ndarray:
  """[K, D] counts of (fixed factor, dimension of least normalised variance) votes."""
  num_factors, dims = bins.shape[1], z.shape[1]
  members = [{b: np.flatnonzero(bins[:, k] == b) for b in np.unique(bins[:, k])}
             for k in range(num_factors)]
  votes = np.zeros([num_factors, dims], np.int64)
  active_index = np.flatnonzero(active)
  for _ in range(num_votes):
    k = rs.randint(num_factors)
    anchor = rs.randint(len(z))
    rows = rs.choice(members[k][bins[anchor, k]], batch_size)  # share factor k's value
    local = np.var(z[rows][:, active] / scale[active], axis=0, ddof=1)  # [active D]
    votes[k, active_index[np.argmin(local)]] += 1
  return votes


def factor_vae_score(representation: np.ndarray, factors: np.ndarray, batch_size: int = 64,
                     num_train: int = 10000, num_eval: int = 5000, num_bins: int = 20,
                     prune_threshold: float = 0.0, seed: int = 0,
                     factor_names: Sequence[str] = ()) -> Dict[str, object]:
  """The FactorVAE score of a representation against ground-truth factors.

  Args:
    representation: [N, D] codes of N examples (e.g. Q's continuous means and categorical
      arg-max).
    factors: [N, K] the examples' true factors.
    batch_size: Examples per vote.
    num_train: Votes that fit the majority-vote classifier.
    num_eval: Fresh votes it is scored on.
    num_bins: Bins for continuous factors (integer factors with <= num_bins values are kept).
    prune_threshold: Dimensions whose standard deviation over the sample is below this never
      vote (disentanglement_lib's `prune_dims`); constant dimensions never vote.
    seed: Seed of the votes.
    factor_names: Names of the K factors for the report.

  Returns:
    {'score': evaluation accuracy, 'train_accuracy', 'num_active_dims',
     'dimension_factor': [D] the factor each dimension votes for (None if it never won a vote),
     'votes': [K, D] evaluation votes}.

  Raises:
    ValueError: When the shapes disagree or no dimension varies.
  """
  z = np.asarray(representation, np.float64)
  f = np.asarray(factors)
  if z.ndim != 2 or f.ndim != 2 or len(z) != len(f):
    raise ValueError(f"representation [N, D] and factors [N, K] must have the same N; got "
                     f"{z.shape} and {f.shape}")
  scale = np.std(z, axis=0, ddof=1)  # [D]
  active = (scale >= prune_threshold) & (scale > 0)
  if not active.any():
    raise ValueError("no representation dimension varies over the sample")
  bins = discretize(f, num_bins)  # [N, K]
  rs = np.random.RandomState(seed)
  train = _votes(z, bins, scale, active, num_train, batch_size, rs)
  classifier = np.argmax(train, axis=0)  # [D] factor of each dimension
  columns = np.arange(z.shape[1])
  train_accuracy = train[classifier, columns].sum() / train.sum()
  evaluation = _votes(z, bins, scale, active, num_eval, batch_size, rs)
  score = evaluation[classifier, columns].sum() / evaluation.sum()
  names = list(factor_names) or [f"factor{k}" for k in range(f.shape[1])]
  won = train.sum(axis=0) > 0
  return {"score": float(score), "train_accuracy": float(train_accuracy),
          "num_active_dims": int(active.sum()),
          "dimension_factor": [names[c] if w else None for c, w in zip(classifier, won)],
          "votes": evaluation.tolist()}
