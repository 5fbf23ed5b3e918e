"""The command line's compiled loop over the InfoGAN's train step.

The step itself is the model's (`infogan_tf.model.InfoGAN`): `replica_step` (one D and one G
update from the objective's families) on every replica, then `finish_step` in cross-replica
context (the step counter, D's moving average, the metrics summed over replicas). `fit` runs
the same two through `InfoGAN.train_step`; this module runs them `steps_per_loop` at a time in
one graph call (`TrainLoop`), which is what `trainers.main` does between its periodic actions.

Per-example losses are scaled by the global batch (`tf.nn.compute_average_loss`), so gradients
summed over replicas equal the single-device gradient of the mean loss. Metrics are reduced
across replicas (SUM of per-replica shares of the global mean).
"""

from __future__ import annotations

import logging
from typing import Dict

import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.model import InfoGAN


def create_state(config: config_lib.ExperimentConfig,
                 strategy: tf.distribute.Strategy) -> InfoGAN:
  """The InfoGAN of `config` on `strategy`, compiled (its optimisers built): the whole training
  state a checkpoint holds (`InfoGAN.checkpoint`).

  Raises:
    ConfigError: `config.model.image_shape` is not resolved.
  """
  with strategy.scope():
    model = InfoGAN(config)
    model.compile()
  return model


def make_replica_step(state: InfoGAN, config: config_lib.ExperimentConfig,
                      global_batch: int, sample_latent=None):
  """`state.make_replica_step(global_batch, sample_latent)` (the one replica step)."""
  del config  # the model's own
  return state.make_replica_step(global_batch, sample_latent)


class _OwnTracesFilter(logging.Filter):
  """Drops TensorFlow's "N out of the last M calls to <TrainLoop._loop> triggered tf.function
  retracing" warning. TensorFlow counts traces per Python function's code, so every `train`
  call after the fourth in one process (a seed sweep) warned, although each TrainLoop traces
  its loop exactly once (tests/training/step_test.py::test_no_retracing_after_first_call)."""

  def filter(self, record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return not ("triggered tf.function retracing" in message and "TrainLoop." in message)


tf.get_logger().addFilter(_OwnTracesFilter())


class TrainLoop:
  """Runs `n` train steps per call and returns the metrics averaged over them.

  Normally the steps run in one `tf.while_loop` inside one graph call (`n` is a tensor, so a
  shorter final chunk does not retrace). With synchronised BatchNorm across several replicas
  the steps run as one graph call each: TF can interleave the BN and gradient collectives of a
  while-loop body differently on different replicas ("Shape mismatch in the collective
  instance"), so that mode keeps one step per call.
  """

  def __init__(self, state: InfoGAN, config: config_lib.ExperimentConfig,
               strategy: tf.distribute.Strategy):
    self.state = state
    self.strategy = strategy
    self.names = None  # metric names, known once the step is traced
    replica_step = state.make_replica_step(config.train.batch_size)
    if config.train.jit_compile:
      replica_step = tf.function(replica_step, jit_compile=True, reduce_retracing=True)
    self._replica_step = replica_step
    self.in_graph_loop = not (config.model.sync_batch_norm
                              and strategy.num_replicas_in_sync > 1)
    self._fn = tf.function(self._loop if self.in_graph_loop else self._one_step,
                           reduce_retracing=True)

  def _step(self, iterator) -> Dict[str, tf.Tensor]:
    per_replica = self.strategy.run(self._replica_step, args=(next(iterator),))
    metrics = self.state.finish_step(self.strategy, per_replica)
    self.names = sorted(metrics)
    return metrics

  def _one_step(self, iterator) -> Dict[str, tf.Tensor]:
    return self._step(iterator)

  def _loop(self, iterator, num_steps: tf.Tensor) -> tf.Tensor:
    # The metric names come from the step's term dicts, so they are known only once the body
    # is traced: the running totals start as an empty vector and take the metrics' length
    # on the first iteration (zero-padded), in the order of `self.names`.
    totals = tf.zeros([0])
    for _ in tf.range(num_steps):
      # One iteration at a time: each step's collectives finish before the next starts.
      tf.autograph.experimental.set_loop_options(
          parallel_iterations=1, shape_invariants=[(totals, tf.TensorShape([None]))])
      m = self._step(iterator)
      values = tf.stack([m[k] for k in self.names])  # [num_metrics]
      totals = values + tf.pad(totals, [[0, tf.size(values) - tf.size(totals)]])
    return totals / tf.cast(num_steps, tf.float32)

  def __call__(self, iterator, num_steps: int) -> Dict[str, float]:
    """Runs `num_steps` steps; returns {metric: mean over the steps} as Python floats."""
    if self.in_graph_loop:
      out = self._fn(iterator, tf.constant(num_steps, tf.int32)).numpy()
      return {k: float(v) for k, v in zip(self.names, out)}
    totals = {}
    for _ in range(num_steps):
      for k, v in self._fn(iterator).items():
        totals[k] = totals.get(k, 0.0) + float(v)
    return {k: v / num_steps for k, v in totals.items()}

  @property
  def tracing_count(self) -> int:
    return self._fn.experimental_get_tracing_count()


def make_train_loop(state: InfoGAN, config: config_lib.ExperimentConfig,
                    strategy: tf.distribute.Strategy) -> TrainLoop:
  """Returns the TrainLoop (`loop(iterator, num_steps) -> metrics`)."""
  return TrainLoop(state, config, strategy)
