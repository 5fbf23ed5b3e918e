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
