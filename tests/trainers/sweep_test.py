"""trainers.sweep: seeds, one workdir each, resumable, then the selection."""

import dataclasses
import json
import subprocess
import sys

import pytest

from infogan_tf import config as config_lib
from tests import helpers
from tests.trainers.main_test import TINY, _env
from infogan_tf import selection
from infogan_tf import sweeps


def test_seeds_parse_and_name_their_workdirs():
  assert sweeps.parse_seeds("0-4") == [0, 1, 2, 3, 4]
  assert sweeps.parse_seeds("0-2,9,1") == [0, 1, 2, 9]
  for bad, message in (("a", "not a seed"), ("3-1", "empty"), ("", "no seed")):
    with pytest.raises(config_lib.ConfigError, match=message):
      sweeps.parse_seeds(bad)
  config = sweeps.seed_config(helpers.tiny_config("/runs/sweep"), 3)
  assert (config.train.workdir, config.train.seed) == ("/runs/sweep/seed_3", 3)


@pytest.mark.slow
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


def test_the_task_index_comes_from_the_flag_or_the_scheduler():
  assert sweeps.task_index(None, {}) is None
  assert sweeps.task_index(2, {"JOB_COMPLETION_INDEX": "0"}) == (2, "--task_index")
  assert sweeps.task_index(None, {"JOB_COMPLETION_INDEX": "1"}) == (1, "JOB_COMPLETION_INDEX")
  assert sweeps.task_index(None, {"SLURM_ARRAY_TASK_ID": "4"}) == (4, "SLURM_ARRAY_TASK_ID")
  with pytest.raises(config_lib.ConfigError, match=r"SLURM_ARRAY_TASK_ID='x' is not a task"):
    sweeps.task_index(None, {"SLURM_ARRAY_TASK_ID": "x"})
  assert sweeps.seed_of_task([3, 5, 8], 1, "--task_index") == 5
  with pytest.raises(config_lib.ConfigError,
                     match=r"task index 3 \(from JOB_COMPLETION_INDEX\) is past the 3 seeds "
                           r"\(3, 5, 8\): give the array 3 tasks, indices 0-2"):
    sweeps.seed_of_task([3, 5, 8], 3, "JOB_COMPLETION_INDEX")


@pytest.mark.slow
def test_array_tasks_train_one_seed_each_then_the_selection_waits_for_them(tmp_path):
  """Three tasks of a job array as separate processes (two as a Kubernetes Indexed Job, one as
  a SLURM array task), then the selection step: named unfinished runs before, a pick after."""
  base = [sys.executable, "-m", "trainers.sweep", f"--workdir={tmp_path}", *TINY, "--steps=2",
          "--seeds=3,5,8", "--select_images=200"]
  select = [*base, "--select_only"]
  early = subprocess.run(select, cwd=helpers.ROOT, env=_env(), capture_output=True, text=True,
                         timeout=600)
  lines = [line for line in early.stderr.splitlines() if line.strip()]
  assert early.returncode == 1 and len(lines) == 1, early.stderr[-2000:]
  assert "3 run(s) not finished" in lines[0] and "seed_8 not started" in lines[0]
  tasks = [subprocess.Popen(base, cwd=helpers.ROOT, env={**_env(), name: str(index)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
           for name, index in (("JOB_COMPLETION_INDEX", 0), ("JOB_COMPLETION_INDEX", 1),
                               ("SLURM_ARRAY_TASK_ID", 2))]
  for task, seed in zip(tasks, (3, 5, 8)):
    out, err = task.communicate(timeout=600)
    assert task.returncode == 0, err[-3000:]
    assert f"seed {seed} under {tmp_path}" in out and "select with --select_only" in out
    assert config_lib.load_config(str(tmp_path / f"seed_{seed}")).train.seed == seed
  assert not (tmp_path / "selection.json").exists()  # tasks select nothing
  done = subprocess.run([*select, "--wait=60"], cwd=helpers.ROOT, env=_env(),
                        capture_output=True, text=True, timeout=600)
  assert done.returncode == 0, done.stderr[-3000:]
  picked = json.loads((tmp_path / "selection.json").read_text())["pick"]
  assert picked in [str(tmp_path / f"seed_{s}") for s in (3, 5, 8)]
  assert not any((tmp_path / f"seed_{s}").exists() for s in (0, 1, 2, 4))


def test_selection_waits_then_names_or_leaves_out_unfinished_runs(tmp_path, trained_workdir):
  import shutil  # pylint: disable=g-import-not-at-top
  runs = []
  for name in ("a", "b", "c"):
    shutil.copytree(trained_workdir, tmp_path / name)
    runs.append(str(tmp_path / name))
  assert [sweeps.run_status(r).finished for r in runs] == [True] * 3
  unfinished = str(tmp_path / "d")
  shutil.copytree(trained_workdir, unfinished)
  config = config_lib.load_config(unfinished)
  config_lib.save_config(config.replace(train=dataclasses.replace(config.train, steps=10)),
                         unfinished)
  assert sweeps.run_status(unfinished).describe() == f"{unfinished} at step 4 of 10"
  lines = []
  with pytest.raises(selection.SelectionError,
                     match=r"1 run\(s\) not finished: .*/d at step 4 of 10; wait for them"):
    sweeps.finished_runs(runs + [unfinished], wait_seconds=0.3, poll_seconds=0.1,
                            log=lines.append)
  assert lines and "waiting for 1 run(s)" in lines[0]
  assert sweeps.finished_runs(runs + [unfinished], allow_unfinished=True,
                                 log=lines.append) == runs
  assert "leaving out 1 unfinished run(s)" in lines[-1]
