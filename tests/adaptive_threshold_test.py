"""FreeMatch's self-adaptive thresholds: running statistics, averaged over replicas, in the
train step and its checkpoints."""

import io

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import adaptive_threshold, train_step, training
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from tests import helpers


def _adaptive_ss_config(workdir="/tmp/unused", **train_overrides):
  config = helpers.tiny_ss_config(workdir, **train_overrides)
  ss = config.semi_supervised
  return config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "consistency_adaptive_threshold": True})).validate()


def test_statistics_are_running_means_that_start_at_chance():
  stats = adaptive_threshold.AdaptiveThresholds([4], momentum=0.5)
  probs = tf.constant([[0.7, 0.1, 0.1, 0.1], [0.1, 0.5, 0.2, 0.2]])  # max mean 0.6
  thresholds = stats.thresholds(0, probs)
  # confidence 0.5 * 0.25 + 0.5 * 0.6; classes 0.5 * 0.25 + 0.5 * [0.4, 0.3, 0.15, 0.15].
  np.testing.assert_allclose(stats.confidence[0].numpy(), 0.425, rtol=1e-6)
  classes = np.array([0.325, 0.275, 0.2, 0.2])
  np.testing.assert_allclose(stats.class_confidence[0].numpy(), classes, rtol=1e-6)
  np.testing.assert_allclose(thresholds, 0.425 * classes / 0.325, rtol=1e-6)


def test_replicas_share_the_statistics_of_the_global_batch():
  strategy = helpers.mirrored_strategy()
  with strategy.scope():
    stats = adaptive_threshold.AdaptiveThresholds([2], momentum=0.0)  # = the last batch
  shards = [tf.constant([[0.9, 0.1]]), tf.constant([[0.3, 0.7]])]  # one image per replica

  @tf.function
  def step():
    def replica_fn():
      index = tf.distribute.get_replica_context().replica_id_in_sync_group
      return stats.thresholds(0, tf.gather(tf.stack(shards), index))
    return strategy.run(replica_fn)

  per_replica = strategy.experimental_local_results(step())
  for thresholds in per_replica:  # global batch: max mean 0.8, class means [0.6, 0.4]
    np.testing.assert_allclose(thresholds, [0.8, 0.8 * 0.4 / 0.6], rtol=1e-5)
  for value in strategy.experimental_local_results(stats.class_confidence[0]):
    np.testing.assert_allclose(value, [0.6, 0.4], rtol=1e-5)


def test_mirrored_step_logs_thresholds_and_checkpoints_the_statistics(tmp_path):
  strategy = helpers.mirrored_strategy()
  config = _adaptive_ss_config()
  state = train_step.create_state(config, strategy)
  source = data_lib.load_source(config.data)
  labelled = data_lib.labelled.prepare(source, config, write=False)
  ds = data_lib.distributed_train_dataset(strategy, source, 16, (0.0, 1.0), 0, 256,
                                          labelled=labelled, global_labelled_batch=8)
  metrics = train_step.make_train_loop(state, config, strategy)(iter(ds), 2)
  assert 0.0 < metrics["ss/threshold/cat0"] <= 1.0
  assert 0.0 <= metrics["ss/mask_rate/cat0"] <= 1.0
  moved = state.thresholds.confidence[0].numpy()
  assert moved != pytest.approx(0.25)  # updated from its start at 1/k

  # A trained workdir's checkpoint holds the statistics and a resume restores them.
  workdir = str(tmp_path / "run")
  training.train(_adaptive_ss_config(workdir, steps=2), stream=io.StringIO(),
                 strategy=helpers.one_device_strategy())
  saved = tf.train.load_checkpoint(tf.train.latest_checkpoint(f"{workdir}/checkpoints"))
  names = [n for n, _ in tf.train.list_variables(tf.train.latest_checkpoint(
      f"{workdir}/checkpoints")) if n.startswith("adaptive_thresholds/")]
  assert len(names) == 2, names
  resumed = train_step.create_state(_adaptive_ss_config(workdir, steps=2),
                                    helpers.one_device_strategy())
  tf.train.Checkpoint(**{"adaptive_thresholds": resumed.thresholds}).restore(
      tf.train.latest_checkpoint(f"{workdir}/checkpoints")).expect_partial()
  value = [saved.get_tensor(n) for n in names if "class_confidence" in n][0]
  np.testing.assert_allclose(resumed.thresholds.class_confidence[0].numpy(), value)
  assert not np.allclose(value, 0.25)
