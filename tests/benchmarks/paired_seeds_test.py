"""benchmarks/paired_seeds.py: seeds are paired by number, and 'within the spread' means the
mean paired difference is no larger than the reference arm's seed-to-seed std."""

import pytest

from benchmarks import paired_seeds


def _runs(values, seconds):
  return [{"seed": s, "workdir": f"/w/{s}", "step": 100, "acc": values[s],
           "train_seconds": seconds[s]} for s in values]


def test_differences_are_paired_by_seed_and_judged_against_the_spread():
  a = _runs({0: 0.60, 1: 0.70, 2: 0.65}, {0: 200.0, 1: 210.0, 2: 190.0})
  # b lists its seeds in another order and has one seed a lacks: pairs are by seed number.
  b = _runs({2: 0.66, 0: 0.62, 1: 0.69, 7: 0.1}, {0: 100.0, 1: 105.0, 2: 95.0, 7: 1.0})
  table = paired_seeds.compare(a, b)
  acc = table["acc"]
  assert acc["seeds"] == [0, 1, 2]
  assert acc["difference"]["mean"] == pytest.approx((0.02 - 0.01 + 0.01) / 3)
  assert acc["spread"] == pytest.approx(0.05)  # std of 0.60, 0.70, 0.65
  assert acc["within_spread"]
  assert table["train_seconds"]["speedup"] == pytest.approx([2.0, 2.0, 2.0])


def test_a_shift_larger_than_the_spread_is_flagged():
  a = _runs({0: 0.60, 1: 0.61, 2: 0.62}, {0: 1.0, 1: 1.0, 2: 1.0})
  b = _runs({0: 0.50, 1: 0.52, 2: 0.51}, {0: 1.0, 1: 1.0, 2: 1.0})
  assert not paired_seeds.compare(a, b)["acc"]["within_spread"]


def test_fewer_than_two_shared_seeds_is_refused():
  with pytest.raises(ValueError, match="at least 2 seeds"):
    paired_seeds.compare(_runs({0: 0.6}, {0: 1.0}), _runs({0: 0.6, 1: 0.5}, {0: 1.0, 1: 1.0}))
