"""The moving average of D's weights: its arithmetic, the train loop that keeps it on two
replicas, checkpoints, and the evaluation and export that use it."""

import io
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import evaluation, training
from infogan_tf.optimization import averaging
from infogan_tf.training import checkpointing
from infogan_tf.training import step as train_step
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.models import build_models
from infogan_tf.serving import exporter
from tests import export_helpers, helpers

DECAY = 0.5


def _averaged_ss_config(workdir="/tmp/unused", **train_overrides):
  """tiny_ss_config with every option that adds train state: the moving average of D (with
  pseudo-labels from it) and the adaptive thresholds."""
  config = helpers.with_parts(helpers.tiny_ss_config(workdir, **train_overrides),
                              optimizer=dict(d_average_decay=DECAY))
  ss = config.semi_supervised
  return config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "consistency_from_average": True,
         "consistency_adaptive_threshold": True})).validate()


def _weighted_mean(values, decay):
  """sum_s decay^(t-s) x_s / sum_s decay^(t-s) over x_1..x_t."""
  weights = decay ** np.arange(len(values) - 1, -1, -1, dtype=np.float64)  # [t]
  return sum(w * v for w, v in zip(weights, values)) / weights.sum()


def test_update_average_is_the_bias_corrected_weighted_mean():
  values = [np.random.RandomState(t).normal(size=[3, 2]).astype(np.float32) for t in range(6)]
  x = tf.Variable(values[0])
  average = tf.Variable(np.full([3, 2], 123.0, np.float32))  # no start value survives
  for t, value in enumerate(values, start=1):
    x.assign(value)
    averaging.update_average([average], [x], 0.9, tf.constant(t, tf.int64))
    np.testing.assert_allclose(average.numpy(), _weighted_mean(values[:t], 0.9), rtol=1e-5,
                               atol=1e-6)
  assert float(averaging.update_decay(0.9, 1)) == 0.0  # the first update copies
  assert float(averaging.update_decay(0.9, 10**6)) == pytest.approx(0.9)
  with pytest.raises(ValueError, match="2 averaged variables for 1 variables"):
    averaging.update_average([average, average], [x], 0.9, 1)


@pytest.mark.slow
def test_mirrored_loop_keeps_the_average_of_d_on_every_replica():
  strategy = helpers.mirrored_strategy()
  config = _averaged_ss_config()
  state = train_step.create_state(config, strategy)
  d_vars = state.discriminator.trainable_variables
  avg_vars = state.discriminator_average.trainable_variables
  assert [v.shape for v in avg_vars] == [v.shape for v in d_vars]
  for a, d in zip(avg_vars, d_vars):  # starts as a copy of D
    np.testing.assert_array_equal(a.numpy(), d.numpy())
  source = data_lib.load_source(config.data)
  labelled = data_lib.labelled.prepare(source, config, write=False)
  ds = data_lib.distributed_train_dataset(strategy, source, 16, (0.0, 1.0), 0, 256,
                                          labelled=labelled, global_labelled_batch=8)
  iterator = iter(ds)
  loop = train_step.make_train_loop(state, config, strategy)
  history = []  # D's weights after each step
  for _ in range(3):
    metrics = loop(iterator, 1)
    history.append([v.numpy() for v in d_vars])
  assert np.isfinite(metrics["d/ss_consistency"])
  assert 0.0 < metrics["ss/threshold/cat0"] <= 1.0  # the adaptive thresholds run beside it
  assert loop.tracing_count == 1
  for i, a in enumerate(avg_vars):
    expected = _weighted_mean([h[i] for h in history], DECAY)
    for component in strategy.experimental_local_results(a):
      np.testing.assert_allclose(component.numpy(), expected, rtol=1e-4, atol=1e-6)
  assert any(not np.allclose(a.numpy(), d.numpy()) for a, d in zip(avg_vars, d_vars))


@pytest.fixture(scope="module")
def averaged_workdir(tmp_path_factory):
  workdir = str(tmp_path_factory.mktemp("averaged") / "run")
  training.train(_averaged_ss_config(workdir, steps=2), stream=io.StringIO(),
                 strategy=helpers.one_device_strategy())
  return workdir


def test_evaluation_and_export_use_the_average(averaged_workdir, classifier_dir, tmp_path):
  config, generator, average = export_helpers.reload_models(averaged_workdir)
  last = build_models(config)[1]
  checkpointing.restore_for_inference(generator, last, averaged_workdir)
  assert any(not np.allclose(a.numpy(), d.numpy())
             for a, d in zip(average.trainable_variables, last.trainable_variables))

  report = evaluation.evaluate(averaged_workdir, num_samples=100, classifier_dir=classifier_dir,
                               probe_fractions=(), max_train_examples=500)
  assert report["discriminator_weights"] == "moving average"
  ss = report["semi_supervised"]["cat0"]
  assert 0.0 <= ss["accuracy_last_weights"] <= 1.0
  assert "last weights instead of their average" in evaluation.summary_table(report)

  images = np.random.RandomState(0).uniform(0, 1, (6, 28, 28, 1)).astype(np.float32)
  path = exporter.export_workdir(averaged_workdir, str(tmp_path / "export")).path
  loaded = tf.saved_model.load(path)
  with open(os.path.join(path, "assets.extra", exporter.CONFIG_ASSET)) as f:
    assert json.load(f)["discriminator_weights"] == "moving average"
  probs = loaded.signatures["encode"](images=tf.constant(images))["cat0_probs"].numpy()
  helpers.assert_same_network_output(
      probs, tf.nn.softmax(average(images).categorical_logits[0]).numpy())
  assert not np.allclose(probs, tf.nn.softmax(last(images).categorical_logits[0]).numpy(),
                         atol=1e-5)


def test_restoring_an_average_that_was_not_kept_is_one_clear_error(tmp_path):
  generator, discriminator = build_models(helpers.tiny_config())
  tf.train.Checkpoint(generator=generator, discriminator=discriminator).save(
      str(tmp_path / checkpointing.CHECKPOINT_SUBDIR / "ckpt"))
  with pytest.raises(checkpointing.CheckpointError,
                     match="holds no moving average of D's weights"):
    checkpointing.restore_for_inference(generator, discriminator, str(tmp_path), averaged=True)
