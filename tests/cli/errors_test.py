"""Every error a user or the OS can cause is one line (infogan_tf.cli.errors)."""

import contextlib
import errno
import io

import pytest
import tensorflow as tf

from infogan_tf import training
from infogan_tf.cli import errors as cli_errors
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from tests import helpers


@pytest.mark.parametrize("error, message, code", [
    (config_lib.ConfigError("steps must be > 0"), "invalid configuration: steps must be > 0", 2),
    (data_lib.DataError("no IDX images"), "data error: no IDX images", 1),
    (OSError(errno.EROFS, "Read-only file system", "/mnt/ro/run"),
     "OS error: /mnt/ro/run is on a read-only file system", 1),
    (OSError(errno.ENOSPC, "No space left on device", "/data/run/config.json"),
     "OS error: no space left on the device while writing /data/run/config.json", 1),
    (FileExistsError(errno.EEXIST, "File exists", "/tmp/f"), "/tmp/f (or a folder above it) "
     "is a file, not a folder", 1),
    (tf.errors.ResourceExhaustedError(
        None, None, "/w/checkpoints/ckpt-2_temp/part-0.tempstate1; No space left on device"),
     "no space left on the device while writing /w/checkpoints/ckpt-2:", 1),
    # TensorFlow names the device first (and inside {{...}}): not the path.
    (tf.errors.ResourceExhaustedError(
        None, None, "{{function_node __wrapped__SaveV2_dtypes_42_device_/job:localhost/replica:0"
        "/task:0/device:CPU:0}} /w/checkpoints/ckpt-2_temp/part-00000-of-00001.data-00000-of-"
        "00001.tempstate99; No space left on device [Op:SaveV2] name: "
        "/job:localhost/replica:0/task:0/device:CPU:0"),
     "no space left on the device while writing /w/checkpoints/ckpt-2:", 1),
    (tf.errors.InvalidArgumentError(None, None, "{{function_node x}} Bad thing [Op:Foo] name:"),
     "TensorFlow error (InvalidArgumentError): Bad thing", 1),
    (KeyError("x"), "internal error (KeyError): 'x' (rerun with --debug", 1),
])
def test_describe(error, message, code):
  text, exit_code = cli_errors.describe(error)
  assert message in text and "\n" not in text
  assert exit_code == code


def test_run_prints_one_line_or_the_traceback_with_debug():
  def fail():
    raise ValueError("boom\nsecond line")
  for debug, want_traceback in ((False, False), (True, True)):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
      assert cli_errors.run("prog", fail, debug=debug) == 1
    assert err.getvalue().strip().splitlines()[-1].startswith("prog: internal error")
    assert ("Traceback" in err.getvalue()) == want_traceback


def _train_line(workdir):
  err = io.StringIO()
  config = helpers.tiny_config(str(workdir), steps=2)
  with contextlib.redirect_stderr(err):
    code = cli_errors.run("trainers.main", lambda: training.train(
        config, stream=io.StringIO(), strategy=helpers.one_device_strategy()) and 0)
  return code, err.getvalue().strip().splitlines()[-1]


@pytest.mark.slow
def test_workdir_that_is_a_file(tmp_path):
  (tmp_path / "f").write_text("x")
  code, line = _train_line(tmp_path / "f" / "run")
  assert code == 1 and "is a file, not a folder" in line


@pytest.mark.slow
def test_read_only_and_full_file_systems(tmp_path):
  with helpers.tmpfs(tmp_path / "ro", "ro,size=1m") as ro:
    code, line = _train_line(ro / "run")
    assert code == 1 and "read-only file system" in line, line
  with helpers.tmpfs(tmp_path / "full", "size=300k") as full:
    code, line = _train_line(full / "run")
    assert code == 1 and "no space left on the device" in line, line
    assert f"while writing {full / 'run'}" in line and "/job:" not in line, line
    assert not list((full / "run" / "checkpoints").glob("*_temp*"))  # no half-saved checkpoint
