"""`python -m export.main` as a user runs it."""

import os
import subprocess
import sys

import pytest

from tests import helpers


def _run(*args):
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run([sys.executable, "-m", "export.main", *args], cwd=helpers.ROOT,
                        env=env, capture_output=True, text=True, timeout=300)


def test_cli_exports_a_version(trained_workdir, tmp_path):
  proc = _run(f"--workdir={trained_workdir}", f"--export_dir={tmp_path}", "--version=5",
              "--serving_base_path=/models/infogan")
  assert proc.returncode == 0, proc.stderr
  assert "wrote" in proc.stdout and os.path.isdir(tmp_path / "5")
  assert "serving_default" in proc.stdout
  assert "base_path: '/models/infogan'" in (tmp_path / "models.config").read_text()


@pytest.mark.slow
def test_cli_errors_are_one_line(tmp_path):
  proc = _run(f"--workdir={tmp_path}/none", f"--export_dir={tmp_path}/out")
  assert proc.returncode == 2
  assert proc.stderr.strip().splitlines()[-1].startswith(
      f"export.main: not a run: {tmp_path}/none does not exist: give a run's folder")
  proc = _run(f"--export_dir={tmp_path}/out")
  assert proc.returncode == 2
