"""Two local workers train together with --strategy=multi_worker (MultiWorkerMirroredStrategy)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

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


def _start_workers(cluster, args):
  procs = []
  for index in range(2):
    env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3",
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


def test_two_workers_survive_a_sigterm_and_only_the_chief_writes(tmp_path):
  """SIGTERM on the non-chief worker: both workers save at the same step (TensorFlow's
  PreemptionCheckpointHandler) and exit 143; the rerun resumes there and finishes.

  Also an ss-InfoGAN run: each worker feeds its replica a labelled batch beside the
  unlabelled one, and only the chief records the labelled subset."""
  cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
  workdir = tmp_path / "run"
  args = [f"--workdir={workdir}", *[a for a in TINY if not a.startswith("--strategy")],
          "--strategy=multi_worker", "--checkpoint_every=2",
          "--ss_codes=0", "--label_columns=shape", "--labels_per_class=2",
          "--labelled_batch_size=4", "--consistency_weight=1"]
  tmp = tempfile.gettempdir()
  before = {f for f in os.listdir(tmp) if f.startswith("infogan_")}

  procs = _start_workers(cluster, [*args, "--steps=100000"])
  first = workdir / "checkpoints" / "ckpt-2.index"
  deadline = time.time() + 240
  while not first.exists() and time.time() < deadline and procs[1].poll() is None:
    time.sleep(0.05)
  assert first.exists(), procs[1].communicate()[1][-3000:]
  procs[1].send_signal(signal.SIGTERM)  # the non-chief: the chief has to learn of it
  outputs = [p.communicate(timeout=240) for p in procs]
  assert [p.returncode for p in procs] == [143, 143], outputs[0][1][-3000:]
  steps = [_saved_step(err) for _, err in outputs]
  assert steps[0] == steps[1] and steps[0] > 2  # the same step on both, after ckpt-2
  assert (workdir / "checkpoints" / f"ckpt-{steps[0]}.index").exists()

  final = steps[0] + 2
  procs = _start_workers(cluster, [*args, f"--steps={final}"])
  outputs = [p.communicate(timeout=240) for p in procs]
  for p, (_, err) in zip(procs, outputs):
    assert p.returncode == 0, err[-3000:]
    assert f"resumed at step {steps[0]}" in err and f"reached step {final}" in err
  assert "MultiWorkerMirroredStrategy with 2 replica(s)" in outputs[0][1]
  assert "L_IS1(cat0)" in outputs[0][1]
  assert (workdir / "checkpoints" / f"ckpt-{final}.index").exists()
  assert (workdir / "config.json").exists() and (workdir / "traversals").exists()
  assert json.loads((workdir / "labelled.json").read_text())["num_labelled"] == 8
  after = {f for f in os.listdir(tmp) if f.startswith("infogan_")}
  assert after == before  # the non-chief's throw-away checkpoints and scratch dirs are gone

  # kill -9 of the non-chief: the chief stops within seconds with one line naming the lost
  # worker and the checkpoint to resume from (not TensorFlow's collective error lines).
  procs = _start_workers(cluster, [*args, "--steps=100000"])
  later = workdir / "checkpoints" / f"ckpt-{final + 2}.index"
  deadline = time.time() + 240
  while not later.exists() and time.time() < deadline and procs[0].poll() is None:
    time.sleep(0.05)
  assert later.exists(), procs[0].communicate()[1][-3000:]
  procs[1].kill()
  _, err = procs[0].communicate(timeout=120)
  procs[1].communicate()
  assert procs[0].returncode == 1, err[-3000:]
  last = err.strip().splitlines()[-1]
  assert re.fullmatch(r"trainers\.main: worker lost: lost contact with worker 1 after step \d+ "
                      r"\(.*\): restart every worker with the same command to resume from "
                      rf"{workdir}/checkpoints/ckpt-\d+", last), last
  assert "E0000" not in err and "GRPC" not in err, err[-3000:]
