"""trainers.sweep: seeds, one workdir each, resumable, then the selection."""

import json
import subprocess
import sys

import pytest

from infogan_tf import config as config_lib
from tests import helpers
from tests.trainers.main_test import TINY, _env
from infogan_tf import selection


def test_seeds_parse_and_name_their_workdirs():
  assert selection.parse_seeds("0-4") == [0, 1, 2, 3, 4]
  assert selection.parse_seeds("0-2,9,1") == [0, 1, 2, 9]
  for bad, message in (("a", "not a seed"), ("3-1", "empty"), ("", "no seed")):
    with pytest.raises(config_lib.ConfigError, match=message):
      selection.parse_seeds(bad)
  config = selection.seed_config(helpers.tiny_config("/runs/sweep"), 3)
  assert (config.train.workdir, config.train.seed) == ("/runs/sweep/seed_3", 3)


def test_sweep_trains_every_seed_resumes_and_selects(tmp_path):
  args = [sys.executable, "-m", "trainers.sweep", f"--workdir={tmp_path}", *TINY,
          "--steps=2", "--seeds=0-2", "--select_images=200"]
  proc = subprocess.run(args, cwd=helpers.ROOT, env=_env(), capture_output=True, text=True,
                        timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  for seed in range(3):
    saved = config_lib.load_config(str(tmp_path / f"seed_{seed}"))
    assert saved.train.seed == seed
    assert (tmp_path / f"seed_{seed}" / "checkpoints" / "ckpt-2.index").exists()
  selected = json.loads((tmp_path / "selection.json").read_text())
  assert selected["pick"] in [str(tmp_path / f"seed_{s}") for s in range(3)]
  assert "selection:" in proc.stdout and "highest mean similarity" in proc.stdout
  # Rerunning resumes: every seed is done, nothing trains again.
  again = subprocess.run([*args, "--noselect"], cwd=helpers.ROOT, env=_env(),
                         capture_output=True, text=True, timeout=600)
  assert again.returncode == 0, again.stderr[-3000:]
  assert "resumed at step 2" in again.stderr or "already" in again.stderr, again.stderr[-2000:]
