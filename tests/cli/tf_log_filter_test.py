"""The CLIs keep TensorFlow's C++ start-up lines off stderr; real messages pass."""

import os
import subprocess
import sys

import pytest

from infogan_tf.cli import tf_log_filter
from tests import helpers

NOISE = [
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"I0000 00:00:1795617533.223659   11180 port.cc:153] oneDNN custom operations are on.",
    b"I0000 00:00:1795617533.224382   11180 cudart_stub.cc:31] Could not find cuda drivers on "
    b"your machine, GPU will not be used.",
    b"E0000 00:00:1732551234.123456    4242 cuda_executor.cc:1228] failed call to cuInit: "
    b"INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    b"E0000 00:00:1795617111.033678    9216 meta_optimizer.cc:967] remapper failed: "
    b"INVALID_ARGUMENT: Mutation::Apply error",
    b"W0000 00:00:1795617111.033678    9216 cpu_allocator_impl.cc:83] Allocation exceeds 10%",
    b"To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild "
    b"TensorFlow with the appropriate compiler flags.",
]
KEPT = [
    b"trainers.main: invalid configuration: batch_size must be > 0, got -1",
    b"E0000 00:00:1795617111.033678    9216 op_kernel.cc:1830] OP_REQUIRES failed: out of memory",
    b"F0000 00:00:1795617111.033678    9216 logging.cc:62] Check failed: ok",
    b"step 2/10 [####] - img/s ETA ? D=1.4",
    b"Traceback (most recent call last):",
]


@pytest.mark.parametrize("line", NOISE)
def test_noise_is_dropped(line):
  assert tf_log_filter.is_noise(line)


@pytest.mark.parametrize("line", KEPT)
def test_real_messages_pass(line):
  assert not tf_log_filter.is_noise(line)


def _cli(*args, **env):
  environ = {k: v for k, v in os.environ.items()
             if k not in ("TF_CPP_MIN_LOG_LEVEL", tf_log_filter.VERBOSE_ENV)}
  environ.update(PYTHONPATH=helpers.ROOT, **env)
  return subprocess.run([sys.executable, "-m", *args], cwd=helpers.ROOT, env=environ,
                        capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_cli_prints_only_its_own_lines(tmp_path):
  """A workdir that does not exist, TF_CPP_MIN_LOG_LEVEL unset: one line, exit 2."""
  proc = _cli("trainers.evaluate", f"--workdir={tmp_path}/none")
  assert proc.returncode == 2
  assert proc.stderr.strip().splitlines() == [
      proc.stderr.strip().splitlines()[-1]], proc.stderr  # one line: the error
  assert proc.stderr.startswith(f"trainers.evaluate: not a run: {tmp_path}/none does not exist")
  for word in ("cuInit", "cuda", "oneDNN", "absl::InitializeLog"):
    assert word not in proc.stderr


@pytest.mark.slow
def test_verbose_brings_tensorflow_logs_back(tmp_path):
  proc = _cli("trainers.evaluate", f"--workdir={tmp_path}/none", "--verbose")
  assert "absl::InitializeLog" in proc.stderr


@pytest.mark.parametrize("env,argv,verbose", [
    ("", ["x"], False), ("0", ["x"], False), ("1", ["x"], True), ("", ["x", "--verbose"], True),
    ("", ["x", "--verbose=true"], True), ("", ["x", "--noverbose"], False)])
def test_the_environment_or_the_flag_turns_the_filter_off(monkeypatch, env, argv, verbose):
  """What the CLI above does with --verbose, INFOGAN_TF_VERBOSE=1 does too: `install` then
  leaves stderr alone (it returns before forking)."""
  monkeypatch.setenv(tf_log_filter.VERBOSE_ENV, env)
  assert tf_log_filter.wants_verbose(argv) == verbose
  if verbose:
    assert tf_log_filter.install(argv) is False
