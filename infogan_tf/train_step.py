"""The distributed InfoGAN train step: models, optimisers and RNG on a strategy, one compiled loop.

Per step and per replica:
  1. Sample (z, c) from the priors with the replica's own RNG stream; G(z, c) -> fake.
  2. D update: minimise  D loss + lambda * (-L_I)  over the discriminator's variables, i.e. the
     shared trunk, the D head and the Q head. The L_I term trains Q (and the trunk) here, at the
     discriminator's learning rate, as in the official InfoGAN code.
  3. G update: re-run the *updated* D on the same fake batch and minimise the non-saturating
     G loss + lambda * (-L_I) over the generator's variables. (G(z, c) is computed once and
     reused; G's weights do not change between the two updates.)
Per-example losses are scaled by the global batch (`tf.nn.compute_average_loss`), so gradients
summed over replicas equal the single-device gradient of the mean loss. Metrics are reduced
across replicas (SUM of per-replica shares of the global mean).
"""

from __future__ import annotations

import dataclasses
from typing import Dict

import keras
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import augment, losses
from infogan_tf.fused_adam import FusedAdam
from infogan_tf.latent import LatentSpec
from infogan_tf.models import Discriminator, Generator, architectures, build_models


@dataclasses.dataclass
class TrainState:
  """Everything a checkpoint holds, created under one strategy scope."""

  generator: Generator
  discriminator: Discriminator
  g_optimizer: keras.optimizers.Optimizer
  d_optimizer: keras.optimizers.Optimizer
  rng: tf.random.Generator
  step: tf.Variable

  def checkpoint(self) -> tf.train.Checkpoint:
    return tf.train.Checkpoint(
        generator=self.generator, discriminator=self.discriminator,
        g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer, rng=self.rng,
        step=self.step)


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
  return TrainState(generator, discriminator, g_opt, d_opt, rng, step)


def uses_real_info(config: config_lib.ExperimentConfig) -> bool:
  return config.loss.real_info_weight > 0 and len(config.latent.categorical) > 0


def metric_names(spec: LatentSpec, real_info: bool = False):
  """Keys of the dict the train loop returns."""
  names = ["d_loss", "g_loss", "info_loss", "d_real", "d_fake"]
  names += [f"ce/cat{i}" for i in range(len(spec.categorical))]
  names += [f"nll/cont{j}" for j in range(spec.num_continuous)]
  if real_info:
    names += [f"real_mi/cat{i}" for i in range(len(spec.categorical))]
  return names


def make_replica_step(state: TrainState, config: config_lib.ExperimentConfig,
                      global_batch: int, sample_latent=None):
  """The per-replica step: images [b, H, W, C] -> per-replica metric shares.

  Args:
    state: The TrainState.
    config: The experiment config.
    global_batch: Global batch size (losses are scaled by it).
    sample_latent: Optional `fn(batch) -> LatentSample`; default draws from the priors with
      `state.rng` (tests pass fixed latents here).
  """
  spec = LatentSpec(config.latent)
  if sample_latent is None:
    sample_latent = lambda batch: spec.sample(state.rng, batch)
  loss_cfg = config.loss
  G, D = state.generator, state.discriminator
  real_info = uses_real_info(config)
  pixel_low = architectures.info(config.model.architecture).pixel_range[0]

  def scale(per_example):  # [b] -> this replica's share of the global mean
    return tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)

  def info(q_out, latent):
    return losses.info_loss(q_out, latent.categorical, latent.continuous,
                            loss_cfg.lambda_categorical, loss_cfg.lambda_continuous,
                            loss_cfg.continuous_std)

  def replica_step(images: tf.Tensor) -> Dict[str, tf.Tensor]:
    batch = tf.shape(images)[0]
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    latent = sample_latent(batch)
    gen_input = spec.generator_input(latent)  # [b, input_dim]
    with tf.GradientTape() as g_tape:
      fake = G(gen_input, training=True)  # [b, H, W, C]
      with g_tape.stop_recording():
        with tf.GradientTape() as d_tape:
          real_out = D(images, training=True)
          fake_out = D(tf.stop_gradient(fake), training=True)
          d_gan = losses.discriminator_loss(real_out["logits"], fake_out["logits"])  # [b]
          d_info = info(fake_out, latent)
          d_loss = scale(d_gan + d_info.total)
          if real_info:  # extension: Q's categorical heads also cluster real images (IIC)
            real_probs = [tf.nn.softmax(a) for a in real_out["categorical_logits"]]  # [b, k]
            if loss_cfg.real_info_pairing == "neighbour":
              nearest = augment.nearest_neighbour_indices(real_out["features"])  # [b]
              view_probs = [tf.gather(p, nearest) for p in real_probs]
            else:
              view = augment.random_view(images, state.rng, loss_cfg.augment_shift,
                                         loss_cfg.augment_flip, pixel_low,
                                         loss_cfg.augment_zoom)  # [b, H, W, C]
              view_probs = [tf.nn.softmax(a)
                            for a in D(view, training=True)["categorical_logits"]]
            real_mi = [augment.paired_assignment_mutual_information(p, v)
                       for p, v in zip(real_probs, view_probs)]
            d_loss -= loss_cfg.real_info_weight * tf.add_n(real_mi) / replicas
        d_vars = D.trainable_variables
        state.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_vars), d_vars))
      fake_out_g = D(fake, training=True)
      g_gan = losses.generator_loss(fake_out_g["logits"])  # [b]
      g_info = info(fake_out_g, latent)
      g_loss = scale(g_gan + g_info.total)
    g_vars = G.trainable_variables
    state.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_vars), g_vars))

    metrics = {
        "d_loss": scale(d_gan),
        "g_loss": scale(g_gan),
        "info_loss": scale(d_info.total),
        "d_real": scale(tf.sigmoid(real_out["logits"])),
        "d_fake": scale(tf.sigmoid(fake_out["logits"])),
    }
    for i, ce in enumerate(d_info.categorical):
      metrics[f"ce/cat{i}"] = scale(ce)
    for j in range(spec.num_continuous):
      metrics[f"nll/cont{j}"] = scale(d_info.continuous[:, j])
    if real_info:
      for i, mi in enumerate(real_mi):
        metrics[f"real_mi/cat{i}"] = mi / replicas
    return metrics

  return replica_step


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
    self.names = metric_names(LatentSpec(config.latent), uses_real_info(config))
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
    return {k: self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica[k], axis=None)
            for k in self.names}

  def _one_step(self, iterator) -> Dict[str, tf.Tensor]:
    return self._step(iterator)

  def _loop(self, iterator, num_steps: tf.Tensor) -> Dict[str, tf.Tensor]:
    totals = {k: tf.constant(0.0) for k in self.names}
    for _ in tf.range(num_steps):
      # One iteration at a time: each step's collectives finish before the next starts.
      tf.autograph.experimental.set_loop_options(parallel_iterations=1)
      m = self._step(iterator)
      totals = {k: totals[k] + m[k] for k in self.names}
    n = tf.cast(num_steps, tf.float32)
    return {k: v / n for k, v in totals.items()}

  def __call__(self, iterator, num_steps: int) -> Dict[str, float]:
    """Runs `num_steps` steps; returns {metric: mean over the steps} as Python floats."""
    if self.in_graph_loop:
      out = self._fn(iterator, tf.constant(num_steps, tf.int32))
      return {k: float(v) for k, v in out.items()}
    totals = {k: 0.0 for k in self.names}
    for _ in range(num_steps):
      for k, v in self._fn(iterator).items():
        totals[k] += float(v)
    return {k: v / num_steps for k, v in totals.items()}

  @property
  def tracing_count(self) -> int:
    return self._fn.experimental_get_tracing_count()


def make_train_loop(state: TrainState, config: config_lib.ExperimentConfig,
                    strategy: tf.distribute.Strategy) -> TrainLoop:
  """Returns the TrainLoop (`loop(iterator, num_steps) -> metrics`)."""
  return TrainLoop(state, config, strategy)
