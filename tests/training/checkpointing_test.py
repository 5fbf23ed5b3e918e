"""Tests for infogan_tf.training.checkpointing: the full state round-trips."""

import numpy as np
import pytest

from infogan_tf import data as data_lib
from infogan_tf.training import checkpointing
from infogan_tf.training import step as train_step
from tests import helpers


def _all_values(state):
  values = {f"g/{v.path}": v.numpy() for v in state.generator.weights}
  values.update({f"d/{v.path}": v.numpy() for v in state.discriminator.weights})
  for name, opt in (("gopt", state.g_optimizer), ("dopt", state.d_optimizer)):
    values.update({f"{name}/{v.path}": v.numpy() for v in opt.variables})
  values["rng"] = state.rng.state.numpy()
  values["step"] = state.step.numpy()
  return values


@pytest.mark.slow
def test_state_round_trip(tmp_path):
  strategy = helpers.one_device_strategy()
  config = helpers.tiny_config(str(tmp_path))
  state = train_step.create_state(config, strategy)
  source = data_lib.load_source(config.data)
  it = iter(data_lib.distributed_train_dataset(strategy, source, 16, (0.0, 1.0), 0, 64))
  train_step.make_train_loop(state, config, strategy)(it, 3)
  ckpt = checkpointing.Checkpointer(state, str(tmp_path / "ckpt"))
  path = ckpt.save()
  assert path.endswith("ckpt-3") and ckpt.save() == path  # same step: no second save
  saved = _all_values(state)

  other = train_step.create_state(helpers.tiny_config(str(tmp_path), seed=7), strategy)
  assert not np.array_equal(_all_values(other)["rng"], saved["rng"])
  restored = checkpointing.Checkpointer(other, str(tmp_path / "ckpt")).restore_latest()
  assert restored == 3
  got = _all_values(other)
  assert set(got) == set(saved)
  for k in saved:
    np.testing.assert_array_equal(got[k], saved[k], err_msg=k)


@pytest.mark.slow
def test_restore_for_inference(tmp_path):
  strategy = helpers.one_device_strategy()
  config = helpers.tiny_config(str(tmp_path))
  state = train_step.create_state(config, strategy)
  checkpointing.Checkpointer(state, str(tmp_path / "checkpoints")).save()
  other = train_step.create_state(helpers.tiny_config(str(tmp_path), seed=3), strategy)
  path = checkpointing.restore_for_inference(other.generator, other.discriminator,
                                             str(tmp_path))
  assert path.endswith("ckpt-0")
  for a, b in zip(state.generator.weights, other.generator.weights):
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_restore_for_inference_without_checkpoint(tmp_path):
  import pytest
  state = train_step.create_state(helpers.tiny_config(str(tmp_path)),
                                  helpers.one_device_strategy())
  with pytest.raises(checkpointing.CheckpointError, match="no checkpoint"):
    checkpointing.restore_for_inference(state.generator, state.discriminator,
                                        str(tmp_path))


@pytest.mark.slow
def test_workdir_lock_is_exclusive_and_never_stale(tmp_path):
  import subprocess  # pylint: disable=g-import-not-at-top
  import sys  # pylint: disable=g-import-not-at-top
  from infogan_tf.training import workdir_lock  # pylint: disable=g-import-not-at-top
  from tests import helpers  # pylint: disable=g-import-not-at-top
  # A lock file left by a dead trainer (its pid recorded) does not block.
  (tmp_path / workdir_lock.LOCK_FILENAME).write_text("999999\n")
  lock = workdir_lock.WorkdirLock(str(tmp_path))
  # Another process is refused, with our pid in the message.
  # The child loads the (standard-library only) module by path: no TensorFlow import.
  code = ("import importlib.util, sys\n"
          f"spec = importlib.util.spec_from_file_location('lock', {workdir_lock.__file__!r})\n"
          "workdir_lock = importlib.util.module_from_spec(spec); spec.loader.exec_module("
          "workdir_lock)\n"
          "try:\n  workdir_lock.WorkdirLock(sys.argv[1])\n"
          "except workdir_lock.WorkdirLockedError as e:\n  print(e); sys.exit(3)\n")
  proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                        text=True, cwd=helpers.ROOT, env={"PYTHONPATH": helpers.ROOT})
  assert proc.returncode == 3 and f"pid {__import__('os').getpid()}" in proc.stdout
  lock.release()
  proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                        text=True, cwd=helpers.ROOT, env={"PYTHONPATH": helpers.ROOT})
  assert proc.returncode == 0, proc.stdout  # released: the next trainer gets it


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_latest_checkpoint_falls_back_to_an_older_one(tmp_path, damage,
                                                              trained_workdir):
  import io  # pylint: disable=g-import-not-at-top
  import shutil  # pylint: disable=g-import-not-at-top
  from infogan_tf import training  # pylint: disable=g-import-not-at-top
  from tests import helpers  # pylint: disable=g-import-not-at-top
  # A copy of the run-wide tiny workdir (helpers.train_tiny_workdir: ckpt-2, ckpt-4)
  workdir = str(shutil.copytree(trained_workdir, tmp_path / "run"))
  ckpts = tmp_path / "run" / "checkpoints"

  def spoil(step):
    for f in ckpts.glob(f"ckpt-{step}.data-*"):
      data = f.read_bytes()
      f.write_bytes(data[:len(data) // 3] if damage == "truncate" else b"\x00garbage" * 99)

  spoil(4)
  (ckpts / "ckpt-6_temp").mkdir()  # what a save interrupted by a full disk leaves
  stream = io.StringIO()
  config = helpers.tiny_config(workdir, steps=6)
  result = training.train(config, stream=stream, strategy=helpers.one_device_strategy())
  log = stream.getvalue()
  assert "ckpt-4 does not restore" in log and "resumed at step 2" in log
  assert "removed" in log and not (ckpts / "ckpt-6_temp").exists()
  assert result.final_step == 6
  for step in (2, 4, 6):
    spoil(step)
  with pytest.raises(checkpointing.CheckpointError, match="no checkpoint in .* restores"):
    training.train(helpers.with_parts(config, train=dict(steps=8)), stream=io.StringIO(),
                   strategy=helpers.one_device_strategy())


def test_checkpoint_of_another_latent_spec_names_the_variable_and_shapes(trained_workdir):
  from infogan_tf.models import build_models  # pylint: disable=g-import-not-at-top
  workdir = trained_workdir
  other = helpers.with_parts(helpers.tiny_config(workdir), latent=dict(categorical=(5,)))
  generator, discriminator = build_models(other)
  with pytest.raises(checkpointing.CheckpointError,
                     match=r"does not fit this model: .*q_params/kernel has shape \(128, 9\) "
                           r"here but \(128, 8\) in the checkpoint"):
    checkpointing.restore_for_inference(generator, discriminator, workdir)
  with pytest.raises(checkpointing.CheckpointError, match="ckpt-7 not found"):
    checkpointing.restore_for_inference(generator, discriminator, workdir,
                                        f"{workdir}/checkpoints/ckpt-7")
