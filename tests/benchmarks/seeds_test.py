"""Tests for benchmarks/seeds.py's workdir helpers: kept checkpoints and reusing reports."""

import json
import os

from benchmarks import seeds


def _workdir(tmp_path, steps, reports):
  """A workdir with checkpoint index files at `steps` and {output folder: report step}."""
  os.makedirs(tmp_path / "checkpoints")
  for step in steps:
    (tmp_path / "checkpoints" / f"ckpt-{step}.index").write_text("")
    (tmp_path / "checkpoints" / f"ckpt-{step}.data-00000-of-00001").write_text("")
  (tmp_path / "checkpoints" / "checkpoint").write_text("")
  for folder, step in reports.items():
    os.makedirs(tmp_path / folder)
    (tmp_path / folder / "report.json").write_text(json.dumps({"step": step, "from": folder}))
  return str(tmp_path)


def test_checkpoint_steps_are_the_kept_ones_in_order(tmp_path):
  assert seeds.checkpoint_steps(_workdir(tmp_path, [1500, 500, 10000], {})) == [500, 1500, 10000]


def test_reports_are_reused_where_each_step_keeps_its_own(tmp_path):
  workdir = _workdir(tmp_path, [1000, 2000], {"eval": 2000, "eval_steps/1000": 1000})
  # The latest checkpoint's report is trainers.evaluate's default one, an earlier one's under
  # eval_steps/; both exist, so nothing is evaluated (no trainers.evaluate process here).
  assert seeds.report_at(workdir, 2000, seed=0)["from"] == "eval"
  assert seeds.report_at(workdir, 1000, seed=0)["from"] == "eval_steps/1000"
