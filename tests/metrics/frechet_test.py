"""Frechet distance on cases with known answers."""

import numpy as np
import pytest

from infogan_tf.metrics import frechet

pytestmark = pytest.mark.numerics  # also run with oneDNN off (scripts/test.sh)


def test_identical_sets_score_zero():
  x = np.random.RandomState(0).normal(size=(2000, 8))
  assert frechet.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_gaussians_closed_form():
  rs = np.random.RandomState(1)
  a = rs.normal(size=(200000, 2))
  b = rs.normal(size=(200000, 2)) * 2.0 + np.array([3.0, 0.0])
  # ||mu||^2 = 9; Tr(I + 4I - 2*2I) = 2 -> 11.
  assert frechet.frechet_distance(a, b) == pytest.approx(11.0, rel=0.02)


def test_further_is_larger():
  rs = np.random.RandomState(2)
  a = rs.normal(size=(5000, 4))
  near, far = a + 0.1, a + 1.0
  assert frechet.frechet_distance(a, near) < frechet.frechet_distance(a, far)
