"""`python -m trainers.main` as a user runs it: errors, a killed run, resuming."""

import os
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from tests import helpers

TINY = ["--dataset=procedural", "--num_examples=256", "--shuffle_buffer=256",
        "--noise_dim=8", "--categorical=4", "--continuous=1", "--batch_size=16",
        "--steps_per_loop=2", "--log_every=2", "--image_every=1000", "--strategy=one_device"]


def _env():
  env = dict(os.environ)
  env["PYTHONPATH"] = helpers.ROOT + os.pathsep + env.get("PYTHONPATH", "")
  env["TF_CPP_MIN_LOG_LEVEL"] = "3"
  return env


def _run(*args, timeout=300):
  return subprocess.run([sys.executable, "-m", "trainers.main", *args], cwd=helpers.ROOT,
                        env=_env(), capture_output=True, text=True, timeout=timeout)


def _last_line(text):
  return [l for l in text.strip().splitlines() if l.strip()][-1]


@pytest.mark.slow
def test_invalid_flag_is_one_line_error(tmp_path):
  proc = _run(f"--workdir={tmp_path}", "--batch_size=-1")
  assert proc.returncode == 2
  assert _last_line(proc.stderr) == (
      "trainers.main: invalid configuration: batch_size must be > 0, got -1")
  assert not os.listdir(tmp_path)  # nothing written


@pytest.mark.slow
def test_missing_data_is_one_line_error(tmp_path):
  proc = _run(f"--workdir={tmp_path}", "--dataset=idx", f"--data_dir={tmp_path}/nothing")
  assert proc.returncode == 1
  assert _last_line(proc.stderr).startswith("trainers.main: data error: no IDX images")


@pytest.mark.slow
def test_sigterm_saves_a_killed_run_loses_nothing_saved_and_reruns_resume(tmp_path):
  """SIGTERM past the first checkpoint saves at the current step (exit 143); the rerun resumes
  there and is then killed (-9, no chance to clean up) after a later checkpoint; the next
  rerun resumes from the last checkpoint on disk and finishes."""
  args = [f"--workdir={tmp_path}", *TINY, "--steps=100000", "--steps_per_loop=1",
          "--log_every=1"]
  proc = subprocess.Popen([sys.executable, "-m", "trainers.main", *args,
                           "--checkpoint_every=3"], cwd=helpers.ROOT, env=_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  ckpt_dir, metrics = tmp_path / "checkpoints", tmp_path / "metrics.jsonl"
  deadline = time.time() + 240
  while time.time() < deadline:  # past the first checkpoint (ckpt-3) by a few steps
    if ckpt_dir.exists() and metrics.exists() and len(metrics.read_text().splitlines()) >= 5:
      break
    time.sleep(0.1)
  proc.send_signal(signal.SIGTERM)
  _, err = proc.communicate(timeout=120)
  assert proc.returncode == 143, err[-2000:]
  line = _last_line(err)
  assert line.startswith("infogan_tf: terminated (SIGTERM); saved "), line
  saved_step = int(line.split("(step ")[1].split(")")[0])
  assert line.split("saved ")[1].split(" ")[0].endswith(f"ckpt-{saved_step}")  # same step
  assert saved_step > 3

  proc = subprocess.Popen([sys.executable, "-m", "trainers.main", *args,
                           "--checkpoint_every=4"], cwd=helpers.ROOT, env=_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  try:
    while time.time() < deadline + 240:
      # Kill once the state file names a checkpoint after the resume (its files alone can
      # appear before the save completes); the kill then lands mid-training or mid-save.
      latest = tf.train.latest_checkpoint(str(ckpt_dir))
      if int(latest.rsplit("-", 1)[1]) >= saved_step + 4:
        break
      time.sleep(0.2)
    else:
      raise AssertionError("no checkpoint appeared after the resume")
  finally:
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
  assert f"resumed at step {saved_step}" in err, err[-2000:]
  # The checkpoint the state file names (a save cut short by the kill is not in it).
  killed_at = int(tf.train.latest_checkpoint(str(ckpt_dir)).rsplit("-", 1)[1])
  final = killed_at + 2
  resumed = _run(*args[:-3], f"--steps={final}")
  assert resumed.returncode == 0, resumed.stderr
  assert f"resumed at step {killed_at}" in resumed.stderr  # the last checkpoint on disk
  assert killed_at >= saved_step + 4 and killed_at % 4 == 0
  assert f"reached step {final}" in resumed.stderr
  assert (tmp_path / "traversals" / "cat0_cont0.png").exists()


@pytest.mark.slow
def test_help_lists_the_trainers_flags():
  proc = subprocess.run([sys.executable, "-m", "trainers.main", "--help"], cwd=helpers.ROOT,
                        env=_env(), capture_output=True, text=True, timeout=120)
  assert not proc.stderr  # (absl's --help exits with status 1)
  for flag in ("--workdir", "--ss_codes", "--consistency_weight", "--[no]verbose"):
    assert flag in proc.stdout, flag
