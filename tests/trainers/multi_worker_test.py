"""Two local workers train together with --strategy=multi_worker (MultiWorkerMirroredStrategy)."""

import json
import os
import socket
import subprocess
import sys
import tempfile

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


def test_two_workers_train_and_only_the_chief_writes(tmp_path):
  """Also an ss-InfoGAN run: each worker feeds its replica a labelled batch beside the
  unlabelled one, and only the chief records the labelled subset."""
  ports = _free_ports(2)
  cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
  workdir = tmp_path / "run"
  args = [f"--workdir={workdir}", *[a for a in TINY if not a.startswith("--strategy")],
          "--strategy=multi_worker", "--steps=4", "--checkpoint_every=2",
          "--ss_codes=0", "--label_columns=shape", "--labels_per_class=2",
          "--labelled_batch_size=4", "--consistency_weight=1"]
  tmp = tempfile.gettempdir()
  before = {f for f in os.listdir(tmp) if f.startswith("infogan_worker")}
  procs = []
  for index in range(2):
    env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3",
               TF_CONFIG=json.dumps({"cluster": cluster,
                                     "task": {"type": "worker", "index": index}}))
    procs.append(subprocess.Popen([sys.executable, "-m", "trainers.main", *args],
                                  cwd=helpers.ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True))
  outputs = [p.communicate(timeout=300) for p in procs]
  for p, (_, err) in zip(procs, outputs):
    assert p.returncode == 0, err[-3000:]
  assert "MultiWorkerMirroredStrategy with 2 replica(s)" in outputs[0][1]
  assert "reached step 4" in outputs[0][1] and "reached step 4" in outputs[1][1]
  ckpts = sorted(f for f in os.listdir(workdir / "checkpoints") if f.endswith(".index"))
  assert ckpts == ["ckpt-2.index", "ckpt-4.index"]
  assert (workdir / "config.json").exists() and (workdir / "traversals").exists()
  assert json.loads((workdir / "labelled.json").read_text())["num_labelled"] == 8
  assert "L_IS1(cat0)" in outputs[0][1]
  after = {f for f in os.listdir(tmp) if f.startswith("infogan_worker")}
  assert after == before  # the non-chief's throw-away checkpoints are gone
