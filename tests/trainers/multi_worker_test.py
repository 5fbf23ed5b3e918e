"""Two local workers train together with --strategy=multi_worker (MultiWorkerMirroredStrategy)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests import helpers
from tests.trainers.main_test import TINY


def _free_ports(n):
  socks = [socket.socket() for _ in range(n)]
  for s in socks:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in socks]
  for s in socks:
    s.close()
  return ports


def _start_workers(cluster, args, tmpdir):
  """Starts both workers; their temporary files (TMPDIR) go to `tmpdir`, so that a killed
  worker's throw-away checkpoints stay inside the test's folder."""
  procs = []
  for index in range(2):
    env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3", TMPDIR=str(tmpdir),
               TF_CONFIG=json.dumps({"cluster": cluster,
                                     "task": {"type": "worker", "index": index}}))
    procs.append(subprocess.Popen([sys.executable, "-m", "trainers.main", *args],
                                  cwd=helpers.ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True))
  return procs


def _saved_step(stderr: str) -> int:
  match = re.search(r"terminated \(SIGTERM\); saved \S+ \(step (\d+)\)", stderr)
  assert match, stderr[-3000:]
  return int(match.group(1))


@pytest.mark.slow
def test_two_workers_survive_a_sigterm_and_a_lost_worker(tmp_path):
  """SIGTERM on the non-chief worker: both workers save at the same step (TensorFlow's
  PreemptionCheckpointHandler) and exit 143, leaving no scratch files. The rerun resumes there;
  then `kill -9` of the non-chief: the chief stops within seconds with one line naming the lost
  worker and the checkpoint to resume from (not TensorFlow's collective error lines).

  Also an ss-InfoGAN run: each worker feeds its replica a labelled batch beside the
  unlabelled one, and only the chief records the labelled subset and writes images."""
  cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
  workdir = tmp_path / "run"
  args = [f"--workdir={workdir}", *[a for a in TINY if not a.startswith(("--strategy",
                                                                          "--image_every"))],
          "--strategy=multi_worker", "--checkpoint_every=2", "--image_every=2",
          "--ss_codes=0", "--label_columns=shape", "--labels_per_class=2",
          "--labelled_batch_size=4", "--consistency_weight=1", "--steps=100000"]
  tmp = tmp_path / "tmp"
  tmp.mkdir()

  def wait_for(path, procs):
    deadline = time.time() + 240
    while not path.exists() and time.time() < deadline and all(p.poll() is None
                                                                for p in procs):
      time.sleep(0.05)
    assert path.exists(), procs[0].communicate()[1][-3000:]

  procs = _start_workers(cluster, args, tmp)
  wait_for(workdir / "checkpoints" / "ckpt-2.index", procs)
  procs[1].send_signal(signal.SIGTERM)  # the non-chief: the chief has to learn of it
  outputs = [p.communicate(timeout=240) for p in procs]
  assert [p.returncode for p in procs] == [143, 143], outputs[0][1][-3000:]
  steps = [_saved_step(err) for _, err in outputs]
  assert steps[0] == steps[1] and steps[0] > 2  # the same step on both, after ckpt-2
  assert (workdir / "checkpoints" / f"ckpt-{steps[0]}.index").exists()
  # The non-chief's throw-away checkpoints and scratch dirs are gone.
  assert not [f for f in os.listdir(tmp) if f.startswith("infogan_")], os.listdir(tmp)
  assert "MultiWorkerMirroredStrategy with 2 replica(s)" in outputs[0][1]
  assert "L_IS1(cat0)" in outputs[0][1]
  assert json.loads((workdir / "labelled.json").read_text())["num_labelled"] == 8
  assert (workdir / "config.json").exists() and list((workdir / "traversals").glob("*.png"))

  procs = _start_workers(cluster, args, tmp)
  wait_for(workdir / "checkpoints" / f"ckpt-{steps[0] + 2}.index", procs)
  procs[1].kill()
  _, err = procs[0].communicate(timeout=120)
  procs[1].communicate()
  assert f"resumed at step {steps[0]}" in err, err[-3000:]
  assert procs[0].returncode == 1, err[-3000:]
  last = err.strip().splitlines()[-1]
  assert re.fullmatch(r"trainers\.main: worker lost: lost contact with worker 1 after step \d+ "
                      r"\(.*\): restart every worker with the same command to resume from "
                      rf"{workdir}/checkpoints/ckpt-\d+", last), last
  assert "E0000" not in err and "GRPC" not in err, err[-3000:]
