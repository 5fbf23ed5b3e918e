"""The throughput benchmark's child measures one configuration (both feeds) in-process."""

import argparse

import pytest

from benchmarks import throughput


@pytest.mark.slow
def test_child_measures_both_feeds():
  args = argparse.Namespace(arch="mnist", batch=8, xla_on=False, replicas_n=1,
                            mixed_precision=None, steps_per_loop=2, seconds=0.2)
  result = throughput.child(args)
  assert result["images_per_sec_data"] > 0 and result["images_per_sec_constant"] > 0
  assert result["retraces"] == 0


@pytest.mark.slow
def test_a_child_process_runs_with_infogan_tf_s_onednn_setting():
  """The child imports infogan_tf before anything loads TensorFlow, so an AVX2-only CPU measures
  oneDNN's kernels as users get them (a child that imported keras first measured Eigen's)."""
  import json
  import os
  import subprocess
  import sys
  from tests import helpers
  env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
  env.update(PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run([sys.executable, "-m", "benchmarks.throughput", "--_child", "--arch=mnist",
                         "--batch=8", "--seconds=0.2", "--steps_per_loop=2"],
                        cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert json.loads(proc.stdout.strip().splitlines()[-1])["onednn"] is True
