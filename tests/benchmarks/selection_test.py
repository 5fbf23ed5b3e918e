"""Tests for benchmarks/selection.py: what a (resumed) benchmark's sweep time covers."""

from benchmarks import selection


def test_last_step_reads_the_latest_kept_checkpoint(tmp_path):
  assert selection._last_step(str(tmp_path / "seed_0")) == 0  # not trained yet
  (tmp_path / "seed_0" / "checkpoints").mkdir(parents=True)
  assert selection._last_step(str(tmp_path / "seed_0")) == 0  # nothing saved yet
  for step in (500, 1000):
    (tmp_path / "seed_0" / "checkpoints" / f"ckpt-{step}.index").touch()
  assert selection._last_step(str(tmp_path / "seed_0")) == 1000


def test_sweep_time_says_which_seeds_it_trained():
  assert selection._sweep_time(100.4, [0, 1, 2], [0, 1, 2]) == "sweep 100 s in all"
  assert selection._sweep_time(50.0, [3, 4], [0, 1, 2, 3, 4]) == (
      "sweep 50 s for seed(s) 3, 4 (the others trained before this run)")
  assert "every seed trained before" in selection._sweep_time(2.0, [], [0, 1])
