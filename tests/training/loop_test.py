"""End-to-end tests of infogan_tf.training on the procedural data."""

import io
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import training
from infogan_tf.training import summaries
from tests import helpers


def _train(config, strategy=None):
  return training.train(config, stream=io.StringIO(),
                        strategy=strategy or helpers.one_device_strategy())


@pytest.fixture
def tiny_run(tmp_path, trained_workdir):
  """A copy of the run-wide tiny workdir: `helpers.tiny_config(<it>)` trained to step 4 (ckpt-2,
  ckpt-4) on one device; tests resume it instead of training their own first 4 steps."""
  import shutil  # pylint: disable=g-import-not-at-top
  return str(shutil.copytree(trained_workdir, tmp_path / "run"))


def test_summaries_have_scalars_and_images(trained_workdir):
  train_dir = os.path.join(trained_workdir, "train")
  tags = set()
  for event_file in os.listdir(train_dir):
    for e in tf.compat.v1.train.summary_iterator(os.path.join(train_dir, event_file)):
      tags.update(v.tag for v in e.summary.value)
  for tag in ("d/gan", "g/gan", "d/info", "g/info", "mi/cat0", "entropy/cat0", "mi/cont1",
              "d_real", "d_fake", "traversal/cat0_cont0"):
    assert tag in tags, tags


def test_resume_continues_the_step_count(tiny_run):
  config = helpers.tiny_config(tiny_run, steps=4)
  again = _train(config)  # the same command again: nothing left to do
  assert (again.start_step, again.final_step) == (4, 4) and again.history == []
  more = _train(helpers.with_parts(config, train=dict(steps=8)))
  assert (more.start_step, more.final_step) == (4, 8)
  assert more.checkpoint.endswith("ckpt-8")
  steps = [r["step"] for r in summaries.read_metrics(tiny_run)]
  assert steps == [2, 4, 6, 8]


def test_changed_latent_config_is_refused_on_resume(tiny_run):
  config = helpers.tiny_config(tiny_run, steps=6)
  with pytest.raises(config_lib.ConfigError, match="categorical"):
    _train(helpers.with_parts(config, latent=dict(categorical=(6,))))


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tiny_run):
  # Also shows that learning rates given on resume replace the checkpointed ones.
  good = tf.train.latest_checkpoint(os.path.join(tiny_run, "checkpoints"))
  assert good.endswith("ckpt-4")
  diverging = helpers.with_parts(helpers.tiny_config(tiny_run), train=dict(steps=10),
                                 optimizer=dict(d_learning_rate=1e30, g_learning_rate=1e30))
  with pytest.raises(training.NonFiniteLossError, match="ckpt-4"):
    _train(diverging)
  assert tf.train.latest_checkpoint(os.path.join(tiny_run, "checkpoints")) == good


def test_image_shape_mismatch_is_a_config_error(tmp_path):
  config = helpers.with_parts(helpers.tiny_config(str(tmp_path)),
                              model=dict(architecture="svhn", image_shape=None))
  with pytest.raises(config_lib.ConfigError, match="divisible by 16"):
    _train(config)
  config = helpers.with_parts(helpers.tiny_config(str(tmp_path)),
                              model=dict(image_shape=(32, 32, 1)))
  with pytest.raises(config_lib.ConfigError, match="does not match data image_size 28"):
    _train(config)


def test_mirrored_run_with_two_replicas(mirrored_workdir):
  records = summaries.read_metrics(mirrored_workdir)
  assert [r["step"] for r in records] == [2, 4]
  assert all(np.isfinite(r["d/gan"]) for r in records)
  assert tf.train.latest_checkpoint(os.path.join(mirrored_workdir, "checkpoints")).endswith(
      "ckpt-4")


def test_xla_over_logical_cpus_is_refused(tmp_path):
  config = helpers.tiny_config(str(tmp_path), jit_compile=True, strategy="mirrored")
  with pytest.raises(config_lib.ConfigError, match="jit_compile"):
    _train(config, helpers.mirrored_strategy())


@pytest.mark.slow
def test_divergence_leaves_only_finite_checkpoints(tmp_path):
  """lr 1e6 with a checkpoint every step: weights can go non-finite before the losses do."""
  config = helpers.tiny_config(str(tmp_path), steps=2, steps_per_loop=1, checkpoint_every=1,
                               log_every=1, keep_checkpoints=50)
  _train(config)
  diverging = helpers.with_parts(config, train=dict(steps=30),
                                 optimizer=dict(d_learning_rate=1e6, g_learning_rate=1e6))
  with pytest.raises(training.NonFiniteLossError, match="stopped without saving"):
    _train(diverging)
  state = tf.train.get_checkpoint_state(str(tmp_path / "checkpoints"))
  saved = state.all_model_checkpoint_paths
  assert len(saved) >= 2
  for path in saved:
    reader = tf.train.load_checkpoint(path)
    for name, dtype in reader.get_variable_to_dtype_map().items():
      if dtype.is_floating:
        assert np.all(np.isfinite(reader.get_tensor(name))), (path, name)


def test_exporter_refuses_non_finite_weights(trained_workdir, tmp_path):
  from infogan_tf.serving import exporter  # pylint: disable=g-import-not-at-top
  from infogan_tf.training import checkpointing  # pylint: disable=g-import-not-at-top
  from infogan_tf.models import build_models  # pylint: disable=g-import-not-at-top
  workdir = trained_workdir
  config = config_lib.load_config(workdir)
  generator, discriminator = build_models(config)
  checkpointing.restore_for_inference(generator, discriminator, workdir)
  generator.variables[0].assign(np.full(generator.variables[0].shape, np.nan, np.float32))
  bad = tf.train.Checkpoint(generator=generator, discriminator=discriminator).save(
      str(tmp_path / "bad" / "ckpt"))
  with pytest.raises(exporter.ExportError, match="non-finite weights in 1 tensor"):
    exporter.export_workdir(workdir, str(tmp_path / "export"), checkpoint=bad)


def test_second_trainer_on_a_workdir_is_refused(tmp_path):
  from infogan_tf.training import workdir_lock  # pylint: disable=g-import-not-at-top
  with workdir_lock.WorkdirLock(str(tmp_path)):
    with pytest.raises(workdir_lock.WorkdirLockedError, match=r"in use by another trainer"):
      _train(helpers.tiny_config(str(tmp_path)))
  assert not (tmp_path / "config.json").exists()  # the refused trainer wrote nothing


def test_resume_with_another_batch_is_refused_or_recorded(tiny_run):
  config = helpers.tiny_config(tiny_run, steps=4)
  changed = helpers.with_parts(config, train=dict(steps=6, batch_size=8))
  with pytest.raises(config_lib.ConfigError, match="batch_size: 16 -> 8"):
    _train(changed)
  assert config_lib.load_config(tiny_run).train.batch_size == 16  # record untouched
  training.train(changed, stream=io.StringIO(), strategy=helpers.one_device_strategy(),
                 allow_resume_changes=True)
  with open(os.path.join(tiny_run, config_lib.CONFIG_FILENAME)) as f:
    record = json.load(f)
  assert record["history"]["original"]["train"]["batch_size"] == 16
  assert record["history"]["resumes"][0]["changed"]["train.batch_size"] == [16, 8]
  assert record["history"]["resumes"][0]["step"] == 4



@pytest.mark.parametrize("parts, message", [
    (dict(train=dict(batch_size=15)), "batch_size 15 must be divisible by the 2 replicas"),
    (dict(semi_supervised=dict(labelled_batch_size=9)),
     "labelled_batch_size 9 must be divisible by the 2 replicas"),
    (dict(semi_supervised=dict(consistency_extra_images=5, consistency_weight=1.0)),
     "consistency_extra_images 5 must be divisible by the 2 replicas"),
])
def test_batches_that_do_not_split_over_the_replicas_are_named(parts, message):
  """Each replica takes an equal share of the unlabelled batch, the labelled batch and the
  extra images: train refuses, by the setting's name, before building anything."""
  from infogan_tf.training import loop  # pylint: disable=g-import-not-at-top
  strategy = helpers.mirrored_strategy()
  config = helpers.with_parts(helpers.tiny_ss_config(), **parts).validate()
  with pytest.raises(config_lib.ConfigError, match=message):
    loop.check_strategy(config, strategy)
  loop.check_strategy(helpers.tiny_ss_config().validate(), strategy)  # the defaults split
