"""The InfoGAN: the model users hold, train with `fit`, and every part of the package uses.

  config = ig.ExperimentConfig(...)               # or ig.load_config(workdir)
  strategy = tf.distribute.MirroredStrategy()
  with strategy.scope():
    model = ig.InfoGAN(config)                     # G, D with its Q head, the latent code
    model.compile()                                # the config's Adam for G and for D
  model.fit(model.training_dataset(), epochs=3, steps_per_epoch=1000,
            callbacks=[keras.callbacks.TensorBoard("logs")])
  codes = model.encode(images)                     # images in [0, 1] -> Q's codes, features
  model.save("infogan.keras")                      # keras.models.load_model reads it back
  model = ig.InfoGAN.from_workdir("workdirs/demo") # a run, its refined/ run, a selection.json

An `InfoGAN` owns everything one run's model is: the generator G, the discriminator D (its
shared trunk, the D head and the Q head), D's moving average when the config keeps one, the
latent spec, the architecture's pixel range, the posterior's settings, and the training state
(G's and D's optimizers, the latent RNG, the step counter, the loss families' state). Every
consumer asks it instead of rebuilding those facts from the config: the serving signatures, the
`.keras` files, evaluation, selection, self-labelling and inversion.

Training runs one replica step (`replica_step`: one D and one G update from the objective's
families, `infogan_tf.objectives`) and one cross-replica `finish_step` (the step counter, D's
moving average, the metrics summed over replicas). `train_step` (what `fit` runs) and the
command line's compiled loop (`infogan_tf.training`) call the same two, so `fit` and
`trainers.main` take identical steps (tests/model_test.py, to the bit).

Pixels: the methods take and give images in [0, 1] (uint8 images are divided by 255);
inside, the networks work in the architecture's range (`pixel_range`, [-1, 1] for `svhn`).
Building an InfoGAN seeds Keras' global random state with `config.train.seed`, so one config
always gives the same initial weights, as `trainers.main` does.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf import inversion, objectives, posterior, workdirs
from infogan_tf import precision as precision_lib
from infogan_tf.errors import CheckpointError, ConfigError, first_line
from infogan_tf.latent import LatentSample, LatentSpec
from infogan_tf.models import Discriminator, architectures, build_models, dtype_policy
from infogan_tf.optimization import averaging
from infogan_tf.optimization.fused_adam import FusedAdam

# Checkpoint keys (tf.train.Checkpoint) of the training state; the moving average of D's weights
# is kept under DISCRIMINATOR_AVERAGE_KEY when the run keeps one.
CHECKPOINT_SUBDIR = "checkpoints"
DISCRIMINATOR_AVERAGE_KEY = "discriminator_average"


def _loss_scaled(optimizer: keras.optimizers.Optimizer, scaled: bool):
  """`optimizer`, wrapped in dynamic loss scaling when `scaled` (mixed_float16)."""
  return keras.optimizers.LossScaleOptimizer(optimizer, name=f"{optimizer.name}_scaled"
                                             ) if scaled else optimizer


def _unscaled(optimizer, grads: List[tf.Tensor]) -> List[tf.Tensor]:
  """Gradients of `optimizer.scale_loss(loss)` for a network trained beside D by its own
  optimizer: divided by D's loss scale, and zero when any overflowed (the step D's optimizer
  skips). Unchanged without loss scaling."""
  if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
    return grads
  finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in grads])
  return [tf.where(finite, g / tf.cast(optimizer.dynamic_scale, g.dtype), tf.zeros_like(g))
          for g in grads]


def class_output_name(column: str) -> str:
  """The `encode` output naming the class of an ss code tied to `column`: 'class' for the
  class label, 'class_<column>' for another column."""
  return "class" if column == "label" else f"class_{column}"


def _as_config(config) -> config_lib.ExperimentConfig:
  if isinstance(config, dict):
    config = config_lib.ExperimentConfig.from_dict(config)
  if not isinstance(config, config_lib.ExperimentConfig):
    raise ConfigError(f"InfoGAN takes an ExperimentConfig (or its dict), got "
                      f"{type(config).__name__}")
  config.validate()
  if config.model.image_shape is None:
    raise ConfigError("the model's image_shape is not set: give ModelConfig(image_shape=(28, "
                      "28, 1)) (trainers.main sets it from the data)")
  return config


@keras.saving.register_keras_serializable(package="infogan_tf")
class InfoGAN(keras.Model):
  """InfoGAN (or ss-InfoGAN, InfoGAN-CR, as the config says) as one Keras model.

  Args:
    config: An `ExperimentConfig` with the image shape set (or its `to_dict()`).
    **kwargs: keras.Model's (name, ...).

  Raises:
    ConfigError: The config is not valid or has no image shape.
  """

  def __init__(self, config, **kwargs):
    kwargs.setdefault("name", "infogan")
    super().__init__(**kwargs)
    config = _as_config(config)
    self.config = config
    self.spec = LatentSpec(config.latent)
    self.pixel_range: Tuple[float, float] = architectures.info(
        config.model.architecture).pixel_range
    # Q's continuous posterior: a fixed std (LossConfig.continuous_std) or the learnt one (None).
    self.continuous_std: Optional[float] = config.loss.continuous_std
    ss = config.semi_supervised
    # {ss code index: its encode output name}; empty for unsupervised models.
    self.class_outputs: Dict[int, str] = {c: class_output_name(column)
                                          for c, column in zip(ss.codes, ss.label_columns)}
    keras.utils.set_random_seed(config.train.seed)  # the initial weights
    self.generator, self.discriminator = build_models(config)
    self.rng = tf.random.Generator.from_seed(config.train.seed)
    self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
    self.discriminator_average: Optional[Discriminator] = None
    if config.optimizer.averages_discriminator:
      with dtype_policy(config.model.precision):  # computes like D
        self.discriminator_average = Discriminator.from_config(
            {**self.discriminator.get_config(), "name": "discriminator_average"})
      # Built by a call (not build(None)), so Keras records its input shape: an export
      # tracking it gets a serving signature of known shape.
      self.discriminator_average(tf.zeros([1, *config.model.image_shape]), training=False)
      averaging.copy_weights(self.discriminator_average.variables,
                             self.discriminator.variables)
    # The loss families' state, {checkpoint key: trackable} (`objectives.create_state`).
    self.family_state: Dict[str, Any] = objectives.create_state(config)
    self.g_optimizer: Optional[keras.optimizers.Optimizer] = None
    self.d_optimizer: Optional[keras.optimizers.Optimizer] = None
    self._replica_step = None
    self.built = True

  # ---- what the model is -------------------------------------------------------------------

  @property
  def image_shape(self) -> Tuple[int, int, int]:
    return tuple(self.config.model.image_shape)

  @property
  def encoder(self) -> Discriminator:
    """The discriminator inference uses: D's moving average when the run keeps one, else D."""
    return self.discriminator_average or self.discriminator

  @property
  def discriminators(self) -> List[Discriminator]:
    """D and, when kept, its moving average (the models whose BatchNorm gets calibrated)."""
    return [d for d in (self.discriminator, self.discriminator_average) if d is not None]

  @property
  def thresholds(self):
    """The ss pseudo-label term's adaptive thresholds, when that family keeps them."""
    from infogan_tf.objectives import semi_supervised  # pylint: disable=g-import-not-at-top
    return self.family_state.get(semi_supervised.THRESHOLDS_KEY)

  def to_unit(self, images: tf.Tensor) -> tf.Tensor:
    """Images in the model's pixel range -> [0, 1]."""
    low, high = self.pixel_range
    return (images - low) / (high - low)

  def from_unit(self, images: tf.Tensor) -> tf.Tensor:
    """Images in [0, 1] (float) or uint8 -> the model's pixel range, float32."""
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
      images = tf.cast(images, tf.float32) * (1.0 / 255.0)
    low, high = self.pixel_range
    return tf.cast(images, tf.float32) * (high - low) + low

  def generator_input(self, sample: LatentSample) -> tf.Tensor:
    """[B, input_dim]: G's input [z, one_hot(c_0), ..., c_cont] (`LatentSpec.generator_input`)."""
    return self.spec.generator_input(sample)

  # ---- training ----------------------------------------------------------------------------

  def compile(self, g_optimizer: Optional[keras.optimizers.Optimizer] = None,
              d_optimizer: Optional[keras.optimizers.Optimizer] = None, **kwargs):
    """Sets G's and D's optimizers (default: the config's Adam for each) and Keras' training
    options (`steps_per_execution`, `jit_compile` (default the config's), `run_eagerly`).

    The optimizers are built here, in the strategy the model was made in. Under
    `precision='mixed_float16'` the default optimizers are wrapped in
    `keras.optimizers.LossScaleOptimizer` (dynamic loss scaling: a step whose gradients
    overflow float16 is skipped and the scale halved; 2000 finite steps double it).
    """
    opt = self.config.optimizer
    scaled = self.config.model.precision == precision_lib.FLOAT16
    with self.distribute_strategy.scope():
      # FusedAdam == keras Adam computed by one fused kernel per variable (3x faster on CPU).
      self.g_optimizer = g_optimizer or _loss_scaled(
          FusedAdam(learning_rate=opt.g_learning_rate, beta_1=opt.beta1, beta_2=opt.beta2,
                    name="g_adam"), scaled)
      self.d_optimizer = d_optimizer or _loss_scaled(
          FusedAdam(learning_rate=opt.d_learning_rate, beta_1=opt.beta1, beta_2=opt.beta2,
                    name="d_adam"), scaled)
      # Building inside the scope before the first step avoids keras-team/keras#23085
      # (Adam's first apply_gradients inside strategy.run in a tf.function).
      self.g_optimizer.build(self.generator.trainable_variables)
      self.d_optimizer.build(self.discriminator.trainable_variables)
    kwargs.setdefault("jit_compile", self.config.train.jit_compile)
    super().compile(optimizer=None, **kwargs)
    self._replica_step = None

  def get_compile_config(self) -> Optional[dict]:
    """The optimizers and training options, so a `.keras` file loads compiled (with the
    optimizers' state) and `fit` resumes."""
    if self.g_optimizer is None:
      return None
    return {"g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "steps_per_execution": self.steps_per_execution, "jit_compile": self.jit_compile}

  def compile_from_config(self, config: dict) -> None:
    self.compile(g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
                 d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
                 steps_per_execution=config.get("steps_per_execution", 1),
                 jit_compile=config.get("jit_compile", False))

  def make_replica_step(self, global_batch: Optional[int] = None, sample_latent=None):
    """The per-replica step: a batch dict in the model's pixel range -> this replica's share of
    each metric. One D update, then one G update on the updated D (`infogan_tf.objectives`).

    Args:
      global_batch: Global size of the unlabelled batch (losses are scaled by it; default the
        config's batch size).
      sample_latent: Optional `fn(batch) -> LatentSample`; default draws from the priors with
        `self.rng` (tests pass fixed latents here).

    Returns:
      `replica_step(batch)`: batch is {'images': [b, H, W, C]} plus what the loss families
      need ('labelled_images', 'labels', 'extra_images'); it returns {'d/<term>', 'g/<term>',
      diagnostics: this replica's share}.
    """
    if self.g_optimizer is None:
      raise ConfigError("the InfoGAN has no optimizers: call model.compile() first (inside "
                        "the strategy's scope)")
    config, spec = self.config, self.spec
    if sample_latent is None:
      sample_latent = lambda batch: spec.sample(self.rng, batch)
    G, D = self.generator, self.discriminator
    objective = objectives.Objective(config, self.rng, self.pixel_range,
                                     global_batch or config.train.batch_size,
                                     self.discriminator_average, self.family_state, self.step)
    g_optimizer, d_optimizer = self.g_optimizer, self.d_optimizer

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
            # The loss times the loss scale under mixed_float16 (the loss itself otherwise).
            d_scaled = d_optimizer.scale_loss(d_loss)
          d_vars = D.trainable_variables
          owned = objective.own_networks()  # [(optimizer, variables)] trained beside D
          grads = d_tape.gradient(d_scaled, d_vars + [v for _, vs in owned for v in vs])
          d_optimizer.apply_gradients(zip(grads[:len(d_vars)], d_vars))  # unscales
          start = len(d_vars)
          for optimizer, variables in owned:
            optimizer.apply_gradients(zip(_unscaled(d_optimizer, grads[start:start + len(
                variables)]), variables))
            start += len(variables)
        g_terms, g_logs = objective.generator_terms(D, fake, latent, generated)
        g_scaled = g_optimizer.scale_loss(tf.add_n(list(g_terms.values())))
      g_vars = G.trainable_variables
      g_optimizer.apply_gradients(zip(g_tape.gradient(g_scaled, g_vars), g_vars))
      metrics = {f"d/{k}": v for k, v in d_terms.items()}
      metrics.update({f"g/{k}": v for k, v in g_terms.items()})
      metrics.update(d_logs)
      metrics.update(g_logs)
      return metrics

    return replica_step

  def finish_step(self, strategy: tf.distribute.Strategy,
                  per_replica: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    """The step's cross-replica part: the counter, D's moving average, the metrics summed over
    the replicas (each replica's share of the global mean). Call in cross-replica context."""
    self.step.assign_add(1)
    if self.discriminator_average is not None:
      # D's mirrored weights are equal on every replica, and so is their average.
      averaging.update_average(self.discriminator_average.trainable_variables,
                               self.discriminator.trainable_variables,
                               self.config.optimizer.d_average_decay, self.step)
    return {k: strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)
            for k, v in sorted(per_replica.items())}

  def train_step(self, data):
    """`fit`'s step: the batch checked and put in the model's range, `replica_step`, then
    `finish_step` across the replicas. Logs every term, and 'loss': the sum of every D and G
    term (finite exactly when they all are, so `TerminateOnNaN` works)."""
    if self._replica_step is None:
      self._replica_step = self.make_replica_step()
    metrics = self._replica_step(self._fit_batch(data))
    context = tf.distribute.get_replica_context()
    logs = context.merge_call(lambda strategy, m: self.finish_step(strategy, m),
                              args=(metrics,))
    terms = [v for k, v in logs.items() if k.startswith(("d/", "g/"))]
    return {"loss": tf.add_n(terms), **logs}

  def fit(self, *args, **kwargs):
    """keras.Model.fit, with `shuffle=False` by default: the datasets it takes are already
    shuffled streams (`training_dataset`), which Keras does not reshuffle (it only warns)."""
    kwargs.setdefault("shuffle", False)
    return super().fit(*args, **kwargs)

  def _maybe_symbolic_build(self, iterator=None, data_batch=None):
    """Nothing to build (the networks and optimizers are built when made and compiled).

    Keras 3.15's TF trainer otherwise pulls one batch through a throw-away iterator of the
    dataset before training; a dataset that reshuffles per iterator (the package's, as any
    `shuffle(..., reshuffle_each_iteration=True)`) then trains on its second order, not the
    first, and `fit` would not take the steps `trainers.main` takes (tests/model_test.py)."""
    del iterator, data_batch

  def _fit_batch(self, data) -> Dict[str, tf.Tensor]:
    """A `fit` batch (images, a dict with 'images', or an (images, ...) tuple) as the replica
    step's dict in the model's range; wrong shapes or dtypes are refused with one line."""
    if isinstance(data, (tuple, list)):
      data = data[0]
    if not isinstance(data, dict):
      data = {"images": data}
    if "images" not in data:
      raise ValueError(f"fit's batches are images [B, H, W, C] in [0, 1] or dicts with "
                       f"'images'; got a dict with {sorted(data)}")
    out = {}
    for key, value in data.items():
      if key in ("images", "labelled_images", "extra_images"):
        out[key] = self._checked_images(value, key)
      else:
        out[key] = value
    per_replica = out["images"].shape[0]
    replicas = self.distribute_strategy.num_replicas_in_sync
    expected = self.config.train.batch_size
    if per_replica is not None and per_replica * replicas != expected:
      raise ValueError(
          f"fit's batches hold {per_replica * replicas} images ({per_replica} per replica x "
          f"{replicas}) but the model's config has batch_size={expected} (its losses are "
          "scaled by it): batch the dataset by the config's batch_size, with drop_remainder, "
          "or use model.training_dataset()")
    return out

  def _checked_images(self, images, what: str) -> tf.Tensor:
    shape = tuple(images.shape[1:])
    if images.shape.rank != 4 or shape != self.image_shape:
      raise ValueError(f"fit's '{what}' are {list(images.shape)} but the model takes "
                       f"[B, {', '.join(map(str, self.image_shape))}] images: resize them, or "
                       "make the InfoGAN with this image_shape")
    if images.dtype not in (tf.uint8, tf.float32, tf.float16, tf.bfloat16, tf.float64):
      raise ValueError(f"fit's '{what}' are {images.dtype.name}: give float images in [0, 1] "
                       "or uint8")
    return self.from_unit(images)

  def training_dataset(self, source=None, start_step: int = 0, chief: bool = True,
                       allow_resume_changes: bool = False):
    """The batches `trainers.main` trains on, for `fit`: the config's data, shuffled by its
    seed from `start_step` on, distributed over the model's strategy, images in [0, 1].

    Args:
      source: An `ImageSource` (default: the config's training data).
      start_step: The step the batches start at (a resumed run's).
      chief: This process writes the ss labelled subset's record (labelled.json).
      allow_resume_changes: See `infogan_tf.train`.
    """
    source = source or data_lib.load_source(self.config.data, seed=0)
    return training_batches(self.config, self.distribute_strategy, source, chief,
                            allow_resume_changes, start_step, (0.0, 1.0))

  def call(self, images, training: bool = False):
    """`encode` (Keras' `predict` and `__call__` run it)."""
    return self.encode(images, training=training)

  # ---- use ---------------------------------------------------------------------------------

  def encode(self, images, training: bool = False) -> Dict[str, tf.Tensor]:
    """Q's code posterior and the trunk's features of images in [0, 1].

    Args:
      images: [B, H, W, C] float in [0, 1] (or uint8).
      training: BatchNorm with the batch's statistics (False: the running ones, as exported).

    Returns:
      {'features' [B, F], 'cat<i>_probs' [B, k_i], 'cat<i>' [B] int32 (arg-max),
      'continuous_mean' / 'continuous_std' [B, C] (when the model has continuous codes), and
      for ss codes 'class' / 'class_<column>' [B] and their '_probs' [B, k]}: the one place
      the encode outputs are made (the signatures, the `.keras` encoder and evaluation use it).
    """
    out = self.encoder(self.from_unit(images), training=training)
    return self.encode_outputs(out)

  def encode_outputs(self, out) -> Dict[str, tf.Tensor]:
    """The `encode` dict of a discriminator pass (`DiscriminatorOutput`)."""
    q = posterior.decode(out, self.continuous_std)
    result = {"features": out.features}  # [B, F]
    for i, (probs, argmax) in enumerate(zip(q.categorical_probs, q.categorical)):
      result[f"cat{i}_probs"] = probs  # [B, k]
      result[f"cat{i}"] = argmax  # [B]
    if self.spec.num_continuous:
      result["continuous_mean"] = q.continuous_mean  # [B, C]
      result["continuous_std"] = q.continuous_std  # [B, C]
    for c, name in self.class_outputs.items():  # ss codes: category k is class k
      result[name] = q.categorical[c]  # [B]
      result[name + "_probs"] = q.categorical_probs[c]  # [B, k]
    return result

  def encode_output_names(self) -> Tuple[str, ...]:
    """The keys `encode` returns, sorted (the serving contract)."""
    names = ["features"] + [f"cat{i}{s}" for i in range(len(self.spec.categorical))
                            for s in ("_probs", "")]
    if self.spec.num_continuous:
      names += ["continuous_mean", "continuous_std"]
    for name in self.class_outputs.values():
      names += [name, name + "_probs"]
    return tuple(sorted(names))

  def generate(self, noise=None, categorical=None, continuous=None,
               training: bool = False) -> tf.Tensor:
    """G's images in [0, 1] of given noise and codes.

    Args:
      noise: [B, Z] float (omit when the model has no noise).
      categorical: [B, n_cat] int category indices (omit without categorical codes).
      continuous: [B, C] float (omit without continuous codes).
      training: BatchNorm with the batch's statistics.

    Returns:
      [B, H, W, C] float32 in [0, 1].
    """
    return self.generate_from(self.latent_sample(noise, categorical, continuous), training)

  def generate_from(self, sample: LatentSample, training: bool = False) -> tf.Tensor:
    """G's images in [0, 1] ([B, H, W, C], clipped) of a LatentSample."""
    images = self.generator(self.generator_input(sample), training=training)
    return tf.clip_by_value(self.to_unit(images), 0.0, 1.0)

  def latent_sample(self, noise=None, categorical=None, continuous=None) -> LatentSample:
    """A LatentSample of named codes (each part the model has must be given)."""
    spec = self.spec
    given = [x for x in (noise, categorical, continuous) if x is not None]
    if not given:
      raise ValueError("give the noise and codes to generate from (or use sample)")
    batch = tf.shape(given[0])[0]
    missing = [name for name, x, size in (("noise", noise, spec.noise_dim),
                                          ("categorical", categorical, len(spec.categorical)),
                                          ("continuous", continuous, spec.num_continuous))
               if size and x is None]
    if missing:
      raise ValueError(f"this model takes noise [B, {spec.noise_dim}], categorical [B, "
                       f"{len(spec.categorical)}] and continuous [B, {spec.num_continuous}]: "
                       f"missing {', '.join(missing)}")
    noise = tf.zeros([batch, 0]) if noise is None else tf.cast(noise, tf.float32)
    categorical = (tf.zeros([batch, 0], tf.int32) if categorical is None
                   else tf.cast(categorical, tf.int32))
    continuous = tf.zeros([batch, 0]) if continuous is None else tf.cast(continuous, tf.float32)
    return LatentSample(noise, [categorical[:, i] for i in range(len(spec.categorical))],
                        continuous)

  def sample(self, count: int, seed: int = 0) -> Dict[str, tf.Tensor]:
    """`count` images from the priors, the same for the same (count, seed).

    Returns:
      {'images' [N, H, W, C] in [0, 1], and the codes drawn: 'noise' [N, Z], 'categorical'
      [N, n_cat] int32, 'continuous' [N, C] (the parts the model has)}.
    """
    drawn = self.spec.stateless_sample(tf.constant(count, tf.int32), tf.constant(seed, tf.int64))
    return {"images": self.generate_from(drawn), **self.sample_codes(drawn)}

  def sample_codes(self, sample: LatentSample) -> Dict[str, tf.Tensor]:
    """A LatentSample as the named codes `sample` answers with (the parts the model has)."""
    out = {}
    if self.spec.noise_dim:
      out["noise"] = sample.noise  # [N, Z]
    if self.spec.categorical:
      out["categorical"] = tf.stack(sample.categorical, axis=-1)  # [N, n_cat]
    if self.spec.num_continuous:
      out["continuous"] = sample.continuous  # [N, C]
    return out

  def invert(self, images, steps=inversion.DEFAULT_STEPS, restarts=inversion.DEFAULT_RESTARTS,
             seed=0) -> Dict[str, tf.Tensor]:
    """The noise and codes whose generated image is closest to each image in [0, 1]
    (`infogan_tf.inversion`).

    Returns:
      {'noise', 'categorical', 'continuous', 'images' (the reconstructions in [0, 1]),
      'error' [B] (mean squared pixel error in [0, 1] units), 'start_error' [B]}.
    """
    out = inversion.invert(self, self.from_unit(images), steps, restarts, seed)
    out["images"] = tf.clip_by_value(self.to_unit(out["images"]), 0.0, 1.0)
    return out

  # ---- saving ------------------------------------------------------------------------------

  def get_config(self) -> dict:
    return {"name": self.name, "config": self.config.to_dict()}

  @classmethod
  def from_config(cls, config: dict) -> "InfoGAN":
    return cls(**config)

  def save_own_variables(self, store):
    """Keras files (`save`, `save_weights`, ModelCheckpoint, BackupAndRestore) also keep the
    step counter and the latent RNG's state, so training resumes where it was."""
    super().save_own_variables(store)
    store["infogan_step"] = np.asarray(self.step.numpy())
    store["infogan_rng_state"] = np.asarray(self.rng.state.numpy())

  def load_own_variables(self, store):
    own = {k: store[k] for k in store.keys() if not k.startswith("infogan_")} \
        if hasattr(store, "keys") else store
    super().load_own_variables(own)
    if "infogan_step" in store:
      self.step.assign(int(np.asarray(store["infogan_step"])))
      self.rng.reset(np.asarray(store["infogan_rng_state"]))

  def checkpoint(self) -> tf.train.Checkpoint:
    """The training state as `trainers.main` checkpoints it (workdir/checkpoints/ckpt-N)."""
    parts = dict(generator=self.generator, discriminator=self.discriminator,
                 g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer, rng=self.rng,
                 step=self.step)
    if self.discriminator_average is not None:
      parts[DISCRIMINATOR_AVERAGE_KEY] = self.discriminator_average
    parts.update(self.family_state)
    return tf.train.Checkpoint(**parts)

  @classmethod
  def from_workdir(cls, path: str, checkpoint: Optional[str] = None) -> "InfoGAN":
    """The trained model of a run, a refined run (`<run>/refined`) or a selection
    (`selection.json`: its pick), restored as inference uses it (G, D and D's moving average
    when kept; not the optimisers). `model.workdir` and `model.checkpoint_path` say what was
    restored.

    Raises:
      WorkdirError: `path` is none of the three (the message names what it is and the fix).
      CheckpointError: No checkpoint, or one that does not fit the run's config.
    """
    resolved = workdirs.resolve(path)
    model = cls(config_lib.load_config(resolved.run))
    model.checkpoint_path = model.restore(resolved.run, checkpoint)
    model.workdir = resolved.run
    model.resolved = resolved
    return model

  def restore(self, workdir: str, checkpoint: Optional[str] = None) -> str:
    """Restores G and D (and D's average when kept) from a workdir's checkpoint (default the
    latest); returns the checkpoint's path.

    Raises:
      CheckpointError: No checkpoint, a missing `checkpoint`, or one that does not fit (the
        message names the first variable and both shapes).
    """
    return restore_models(self.generator, self.discriminator, workdir, checkpoint,
                          self.discriminator_average)


def training_batches(config: config_lib.ExperimentConfig, strategy: tf.distribute.Strategy,
                     source, chief: bool, allow_resume_changes: bool, start: int,
                     pixel_range: Tuple[float, float]):
  """The distributed training batches of a run from `start` on, images in `pixel_range` (the
  command line's loop feeds the model's range, `fit` [0, 1]), plus the labelled batches and
  extra images the loss families ask for."""
  tc = config.train
  inputs = objectives.batch_inputs(config)
  labelled = (data_lib.labelled.prepare(source, config, chief, allow_resume_changes)
              if inputs.labelled_batch else None)
  return data_lib.distributed_train_dataset(
      strategy, source, tc.batch_size, pixel_range, tc.seed + start,
      config.data.shuffle_buffer, config.data.cache, labelled, inputs.labelled_batch,
      inputs.extra_images, in_order=config.data.in_order)


def restore_models(generator, discriminator, workdir: str, checkpoint: Optional[str] = None,
                   average=None) -> str:
  """Restores generator/discriminator weights (not optimisers) from a workdir's checkpoint.

  Args:
    generator: A built Generator.
    discriminator: A built Discriminator for D's last weights, or None.
    workdir: Training workdir.
    checkpoint: A checkpoint path prefix; default the latest.
    average: A built Discriminator for D's moving average (runs trained with
      `d_average_decay` > 0), or None.

  Raises:
    CheckpointError: No checkpoint, a missing `checkpoint` path, no moving average where one
      is asked for, or a checkpoint that does not fit the models (the message names the first
      variable and both shapes).

  Returns:
    The checkpoint path restored.
  """
  directory = os.path.join(workdir, CHECKPOINT_SUBDIR)
  path = checkpoint or tf.train.latest_checkpoint(directory)
  if not path:
    raise CheckpointError(f"no checkpoint in {directory}: train first (python -m "
                          "trainers.main) or pass --checkpoint")
  if not tf.io.gfile.glob(path + ".index"):
    raise CheckpointError(f"checkpoint {path} not found (no {path}.index); checkpoints are "
                          "named like <workdir>/checkpoints/ckpt-<step>")
  parts = {"generator": generator}
  if discriminator is not None:
    parts["discriminator"] = discriminator
  if average is not None:
    saved = {name.split("/", 1)[0] for name, _ in tf.train.list_variables(path)}
    if DISCRIMINATOR_AVERAGE_KEY not in saved:
      raise CheckpointError(f"{path} holds no moving average of D's weights (trained with "
                            "d_average_decay = 0?)")
    parts[DISCRIMINATOR_AVERAGE_KEY] = average
  try:
    tf.train.Checkpoint(**parts).restore(path).expect_partial().assert_existing_objects_matched()
  except AssertionError as e:
    raise CheckpointError(f"{path} does not fit this model: {first_line(e)}") from e
  except ValueError as e:
    found = re.search(r"shape \(([\d, ]*)\) when attempting to restore variable with shape "
                      r"\(([\d, ]*)\)", str(e))
    if not found:
      raise CheckpointError(f"{path} does not fit this model: {first_line(e)}") from e
    saved, wanted = (tuple(int(n) for n in group.split(",") if n.strip())
                     for group in found.groups())
    names = [v.path for m in parts.values() for v in m.variables if tuple(v.shape) == wanted]
    raise CheckpointError(
        f"{path} does not fit this model: {names[0] if names else 'a variable'} has shape "
        f"{wanted} here but {saved} in the checkpoint (trained with another latent or model "
        "config?)") from e
  return path


