"""FreeMatch's self-adaptive thresholds: running statistics, averaged over replicas, and
checkpointed."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf.objectives import adaptive_threshold
from infogan_tf.training import checkpointing
from infogan_tf.training import step as train_step
from infogan_tf import config as config_lib
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


@pytest.mark.slow
def test_checkpoints_hold_the_statistics(tmp_path):
  config = _adaptive_ss_config()
  state = train_step.create_state(config, helpers.one_device_strategy())
  state.thresholds.confidence[0].assign(0.7)
  state.thresholds.class_confidence[0].assign([0.4, 0.3, 0.2, 0.1])
  checkpointing.Checkpointer(state, str(tmp_path)).save()
  resumed = train_step.create_state(config, helpers.one_device_strategy())
  assert resumed.thresholds.confidence[0].numpy() == pytest.approx(0.25)  # fresh: 1/k
  checkpointing.Checkpointer(resumed, str(tmp_path)).restore_latest()
  assert resumed.thresholds.confidence[0].numpy() == pytest.approx(0.7)
  np.testing.assert_allclose(resumed.thresholds.class_confidence[0], [0.4, 0.3, 0.2, 0.1])
  # (The mirrored train step with the thresholds is tested in training/averaging_test.py.)
