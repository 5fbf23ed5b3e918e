"""Fréchet distance between two sets of feature vectors (the FID formula, any feature space)."""

from __future__ import annotations

import numpy as np


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
  vals, vecs = np.linalg.eigh((matrix + matrix.T) / 2)
  return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
  """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2).

  Args:
    features_a: [N, F].
    features_b: [M, F].
  """
  a = np.asarray(features_a, np.float64)
  b = np.asarray(features_b, np.float64)
  mu_a, mu_b = a.mean(0), b.mean(0)
  s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
  root_a = _sqrtm_psd(s_a)
  cross = _sqrtm_psd(root_a @ s_b @ root_a)
  return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(cross))
