"""The distributed InfoGAN train step: models, optimisers and RNG on a strategy, one compiled loop.

Per step and per replica:
  1. Sample (z, c) from the priors with the replica's own RNG stream; G(z, c) -> fake.
  2. D update: minimise the sum of the discriminator's named terms (`objectives.Objective`:
     GAN loss, lambda * (-L_I), and the ss-InfoGAN / extension terms when configured) over the
     discriminator's variables, i.e. the shared trunk, the D head and the Q head. L_I trains Q
     (and the trunk) here, at the discriminator's learning rate, as in the official code.
  3. G update: re-run the *updated* D on the same fake batch and minimise the sum of the
     generator's named terms over G's variables. (G(z, c) is computed once and reused; G's
     weights do not change between the two updates.)
Per-example losses are scaled by the global batch (`tf.nn.compute_average_loss`), so gradients
summed over replicas equal the single-device gradient of the mean loss. Metrics are reduced
across replicas (SUM of per-replica shares of the global mean).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Dict, Optional

import keras
import tensorflow as tf

from infogan_tf.objectives import adaptive_threshold
from infogan_tf.training import averaging, checkpointing
from infogan_tf import config as config_lib
from infogan_tf import objectives
from infogan_tf.objectives import semi_supervised
from infogan_tf.training.fused_adam import FusedAdam
from infogan_tf.latent import LatentSpec
from infogan_tf.models import Discriminator, Generator, architectures, build_models, dtype_policy


@dataclasses.dataclass
class TrainState:
  """Everything a checkpoint holds, created under one strategy scope."""

  generator: Generator
  discriminator: Discriminator
  g_optimizer: keras.optimizers.Optimizer
  d_optimizer: keras.optimizers.Optimizer
  rng: tf.random.Generator
  step: tf.Variable
  # The moving average of D's weights (`OptimizerConfig.d_average_decay`), else None.
  discriminator_average: Optional[Discriminator] = None
  # The loss families' state, {checkpoint key: trackable} (`objectives.create_state`).
  family_state: Dict[str, Any] = dataclasses.field(default_factory=dict)

  def checkpoint(self) -> tf.train.Checkpoint:
    parts = dict(generator=self.generator, discriminator=self.discriminator,
                 g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer, rng=self.rng,
                 step=self.step)
    if self.discriminator_average is not None:
      parts[checkpointing.DISCRIMINATOR_AVERAGE_KEY] = self.discriminator_average
    parts.update(self.family_state)
    return tf.train.Checkpoint(**parts)

  @property
  def thresholds(self) -> Optional[adaptive_threshold.AdaptiveThresholds]:
    """The ss pseudo-label term's adaptive thresholds, when that family keeps them."""
    return self.family_state.get(semi_supervised.THRESHOLDS_KEY)

  @property
  def discriminators(self) -> list:
    """D and, when kept, its moving average (the models whose BatchNorm gets calibrated)."""
    return [d for d in (self.discriminator, self.discriminator_average) if d is not None]


def _adam(lr: float, opt: config_lib.OptimizerConfig, name: str) -> keras.optimizers.Adam:
  # FusedAdam == keras Adam computed by one fused kernel per variable (3x faster on CPU).
  return FusedAdam(learning_rate=lr, beta_1=opt.beta1, beta_2=opt.beta2, name=name)


def create_state(config: config_lib.ExperimentConfig,
                 strategy: tf.distribute.Strategy) -> TrainState:
  """Builds models, optimisers (already built), the latent RNG and the step counter.

  `config.model.image_shape` must be resolved (not None).
  """
  if config.model.image_shape is None:
    raise ValueError("config.model.image_shape must be resolved before building models")
  keras.utils.set_random_seed(config.train.seed)  # weight initialisation
  with strategy.scope():
    generator, discriminator = build_models(config)
    g_opt = _adam(config.optimizer.g_learning_rate, config.optimizer, "g_adam")
    d_opt = _adam(config.optimizer.d_learning_rate, config.optimizer, "d_adam")
    # Building inside the scope before the first step avoids keras-team/keras#23085
    # (Adam's first apply_gradients inside strategy.run in a tf.function).
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)
    rng = tf.random.Generator.from_seed(config.train.seed)
    step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
    average = None
    if config.optimizer.averages_discriminator:
      with dtype_policy(config.model.precision):  # computes like D
        average = Discriminator.from_config({**discriminator.get_config(),
                                             "name": "discriminator_average"})
      average.build(None)
      averaging.copy_weights(average.variables, discriminator.variables)
    family_state = objectives.create_state(config)
  return TrainState(generator, discriminator, g_opt, d_opt, rng, step, average, family_state)


def make_replica_step(state: TrainState, config: config_lib.ExperimentConfig,
                      global_batch: int, sample_latent=None):
  """The per-replica step: a batch dict -> per-replica metric shares.

  Args:
    state: The TrainState.
    config: The experiment config.
    global_batch: Global batch size (losses are scaled by it).
    sample_latent: Optional `fn(batch) -> LatentSample`; default draws from the priors with
      `state.rng` (tests pass fixed latents here).

  Returns:
    `replica_step(batch)`, where batch is {'images': [b, H, W, C]} plus, for ss runs,
    'labelled_images' [l, H, W, C] and 'labels' [l, n_ss]; it returns {metric: this replica's
    share}: 'd/<term>' and 'g/<term>' for every term of `objectives.Objective` and its
    diagnostics.
  """
  spec = LatentSpec(config.latent)
  if sample_latent is None:
    sample_latent = lambda batch: spec.sample(state.rng, batch)
  G, D = state.generator, state.discriminator
  objective = objectives.Objective(config, state.rng,
                                   architectures.info(config.model.architecture).pixel_range,
                                   global_batch, state.discriminator_average, state.family_state,
                                   state.step)

  def replica_step(batch: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    latent = sample_latent(tf.shape(batch["images"])[0])
    gen_input = spec.generator_input(latent)  # [b, input_dim]
    with tf.GradientTape() as g_tape:
      fake = G(gen_input, training=True)  # [b, H, W, C]
      generated = objective.generate(G, fake, latent)  # most runs: {}
      with g_tape.stop_recording():
        with tf.GradientTape() as d_tape:
          d_terms, d_logs = objective.discriminator_terms(
              D, batch, tf.stop_gradient(fake), latent,
              {k: tf.stop_gradient(v) for k, v in generated.items()})
          d_loss = tf.add_n(list(d_terms.values()))
        d_vars = D.trainable_variables
        owned = objective.own_networks()  # [(optimizer, variables)] trained beside D
        grads = d_tape.gradient(d_loss, d_vars + [v for _, vs in owned for v in vs])
        state.d_optimizer.apply_gradients(zip(grads[:len(d_vars)], d_vars))
        start = len(d_vars)
        for optimizer, variables in owned:
          optimizer.apply_gradients(zip(grads[start:start + len(variables)], variables))
          start += len(variables)
      g_terms, g_logs = objective.generator_terms(D, fake, latent, generated)
      g_loss = tf.add_n(list(g_terms.values()))
    g_vars = G.trainable_variables
    state.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))
    metrics = {f"d/{k}": v for k, v in d_terms.items()}
    metrics.update({f"g/{k}": v for k, v in g_terms.items()})
    metrics.update(d_logs)
    metrics.update(g_logs)
    return metrics

  return replica_step


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

  def __init__(self, state: TrainState, config: config_lib.ExperimentConfig,
               strategy: tf.distribute.Strategy):
    self.state = state
    self.strategy = strategy
    self.average_decay = config.optimizer.d_average_decay
    self.names = None  # metric names, known once the step is traced
    replica_step = make_replica_step(state, config, config.train.batch_size)
    if config.train.jit_compile:
      replica_step = tf.function(replica_step, jit_compile=True, reduce_retracing=True)
    self._replica_step = replica_step
    self.in_graph_loop = not (config.model.sync_batch_norm
                              and strategy.num_replicas_in_sync > 1)
    self._fn = tf.function(self._loop if self.in_graph_loop else self._one_step,
                           reduce_retracing=True)

  def _step(self, iterator) -> Dict[str, tf.Tensor]:
    per_replica = self.strategy.run(self._replica_step, args=(next(iterator),))
    self.state.step.assign_add(1)
    if self.state.discriminator_average is not None:
      # Cross-replica context: D's mirrored weights are equal on every replica, and so is
      # their average (no collective needed).
      averaging.update_average(self.state.discriminator_average.trainable_variables,
                               self.state.discriminator.trainable_variables,
                               self.average_decay, self.state.step)
    self.names = sorted(per_replica)
    return {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica[k], axis=None)
            for k in self.names}

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


def make_train_loop(state: TrainState, config: config_lib.ExperimentConfig,
                    strategy: tf.distribute.Strategy) -> TrainLoop:
  """Returns the TrainLoop (`loop(iterator, num_steps) -> metrics`)."""
  return TrainLoop(state, config, strategy)
