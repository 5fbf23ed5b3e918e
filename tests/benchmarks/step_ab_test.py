"""benchmarks.step_ab: how drift between two step runs is measured, and its argument check."""

import subprocess
import sys

from benchmarks import step_ab
from tests import helpers


def _run(losses, weights):
  keys = ("d/gan", "g/gan", "ce/cat0", "nll/cont0")
  return {"losses": [dict(zip(keys, row)) for row in losses], "generator_abs_sums": weights}


def test_drift_is_the_largest_relative_loss_difference_per_step():
  a = _run([(1.0, 2.0, 4.0, -1.0), (1.0, 1.0, 1.0, 1.0)], [10.0, 30.0])
  b = _run([(1.0, 2.0, 4.0, -1.0), (1.1, 1.0, 0.5, 1.0)], [10.0, 31.0])
  drift = step_ab.drift(a, b)
  assert drift[0] == 0.0
  assert abs(drift[1] - 0.5) < 1e-12  # ce/cat0: |1 - 0.5| / 1 beats d/gan's 0.1
  assert abs(step_ab.weight_drift(a, b) - 1.0 / 40.0) < 1e-12


def test_a_folder_that_is_not_a_checkout_is_refused_in_one_line(tmp_path):
  proc = subprocess.run([sys.executable, "-m", "benchmarks.step_ab",
                         f"--other_tree={tmp_path}"], cwd=helpers.ROOT, capture_output=True,
                        text=True, timeout=120)
  assert proc.returncode != 0
  assert proc.stderr.strip().splitlines() == [
      "--other_tree must be a checkout of infogan_tf (a folder with infogan_tf/)"]
