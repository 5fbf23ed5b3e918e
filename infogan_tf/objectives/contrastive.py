"""InfoGAN-CR (Lin, Thekumparampil, Fanti, Oh, ICML 2020): the contrastive regularizer.

  D step  cr  -log C(k | G(z1, c1), G(z2, c2))            the pair classifier C (own Adam);
                                                          with cr_classifier='trunk' also D's
                                                          trunk
  G step  cr  w(step) * -log C(k | G(z1, c1), G(z2, c2))  G

Each step makes `cr_pair_fraction` x batch pairs. A pair's first image is one of the step's
generated images (G(z1, c1) is made anyway); its second is generated from a latent that shares
the value of one code k with c1 (k drawn uniformly from the participating codes, `cr_codes`) and
differs in every other participating code (another category; a continuous value at least
`gap(step)` away); its noise and the codes outside `cr_codes` are drawn independently. Reusing
the first image halves the extra generator work of the paper's two fresh images per pair; the
pairs have the same distribution; the second images' generator call leaves G's BatchNorm moving
statistics alone (they stay the average of the main batches', as in a run without CR). C
predicts k from the pair. C trains from
step 0 with weight 1; G's weight w(step) is 0 before `cr_start_step`, then rises linearly to
`cr_weight` over `cr_ramp_steps`. C is its own small network on the two images stacked along
channels (the paper's), or a head on D's trunk features of both images ('trunk').

On when `cr_weight` > 0. Keeps C, its optimizer and the pairs' own random stream in the
checkpoint (its own stream: turning CR on does not shift the run's other draws). Logs
cr/accuracy (C's accuracy on the step's pairs), cr/weight (G's weight at this step) and cr/gap.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Sequence, Tuple

import keras
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.latent import CONTINUOUS_PRIOR_HIGH, CONTINUOUS_PRIOR_LOW, LatentSample, LatentSpec
from infogan_tf.models import build_models
from infogan_tf.models.pair_classifier import PairClassifier
from infogan_tf.objectives import base

CLASSIFIER_KEY = "cr_classifier"
OPTIMIZER_KEY = "cr_optimizer"
RNG_KEY = "cr_rng"
# The pairs' own random stream, seeded apart from the run's latent stream: turning CR on does
# not shift the latents and augmentations the run's other terms draw.
RNG_SEED_OFFSET = 0x43520000


def participating_codes(config: config_lib.ExperimentConfig) -> Tuple[str, ...]:
  """The codes a pair may share, in the latent's order (cat0, ..., cont0, ...)."""
  return config.cr_participating_codes()


def schedule(loss: config_lib.LossConfig, step: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
  """(G's CR weight, the continuous-code gap) at `step` (float32 scalars)."""
  step = tf.cast(step, tf.float32)
  since = step - float(loss.cr_start_step)
  if loss.cr_ramp_steps > 0:
    ramp = tf.clip_by_value(since / float(loss.cr_ramp_steps), 0.0, 1.0)
  else:
    ramp = tf.cast(since >= 0, tf.float32)
  if loss.cr_gap_steps > 0:
    progress = tf.clip_by_value(step / float(loss.cr_gap_steps), 0.0, 1.0)
  else:
    progress = tf.constant(1.0)
  gap = loss.cr_gap_start + (loss.cr_gap_end - loss.cr_gap_start) * progress
  return loss.cr_weight * ramp, gap


def _away_from(rng: tf.random.Generator, value: tf.Tensor, gap: tf.Tensor) -> tf.Tensor:
  """[b] uniform draws from U(-1, 1) without (value - gap, value + gap); gap < 1."""
  low, high = CONTINUOUS_PRIOR_LOW, CONTINUOUS_PRIOR_HIGH
  below = tf.maximum(value - gap - low, 0.0)  # [b] length of [low, value - gap)
  above = tf.maximum(high - value - gap, 0.0)  # [b] length of (value + gap, high]
  u = rng.uniform(tf.shape(value)) * (below + above)  # [b]
  return tf.where(u < below, low + u, value + gap + (u - below))


def sample_pairs(spec: LatentSpec, codes: Sequence[str], rng: tf.random.Generator,
                 first: LatentSample, gap: tf.Tensor) -> Tuple[LatentSample, tf.Tensor]:
  """Latents that share, row by row, exactly one of `codes` with `first`.

  Args:
    spec: The LatentSpec.
    codes: Names of the codes a pair may share (at least two).
    rng: The replica's generator.
    first: The pairs' first latents, [n] rows.
    gap: Least distance between the two values of a participating continuous code that is not
      shared.

  Returns:
    (second, shared): the second latents ([n] rows) and shared [n] int32, the index in `codes`
    of the code each pair shares.
  """
  batch_size = tf.shape(first.noise)[0]
  other = spec.sample(rng, batch_size)
  shared = rng.uniform([batch_size], 0, len(codes), dtype=tf.int32)  # [b]
  categorical = []
  for i, (k, c) in enumerate(zip(spec.categorical, first.categorical)):
    name = f"cat{i}"
    if name not in codes:
      categorical.append(other.categorical[i])
      continue
    offset = rng.uniform([batch_size], 1, max(k, 2), dtype=tf.int32)  # [b] in [1, k)
    categorical.append(tf.where(tf.equal(shared, codes.index(name)), c, (c + offset) % k))
  continuous = []
  for j in range(spec.num_continuous):
    name, value = f"cont{j}", first.continuous[:, j]  # [b]
    if name not in codes:
      continuous.append(other.continuous[:, j])
      continue
    continuous.append(tf.where(tf.equal(shared, codes.index(name)), value,
                               _away_from(rng, value, gap)))
  second = LatentSample(other.noise, categorical,
                        tf.stack(continuous, axis=1) if continuous
                        else tf.zeros_like(first.continuous))
  return second, shared


def pairs_per_replica(loss: config_lib.LossConfig, batch_size: int) -> int:
  """Pairs a replica makes from its `batch_size` generated images (at least 1)."""
  return max(1, int(round(batch_size * loss.cr_pair_fraction)))


class Contrastive(base.Family):
  """InfoGAN-CR's pair classifier and G's contrastive term."""

  name = "contrastive"

  @classmethod
  def enabled(cls, config: config_lib.ExperimentConfig) -> bool:
    return config.loss.cr_weight > 0

  @classmethod
  def state_keys(cls, config: config_lib.ExperimentConfig) -> FrozenSet[str]:
    return frozenset({CLASSIFIER_KEY, OPTIMIZER_KEY, RNG_KEY})

  @classmethod
  def create_state(cls, config: config_lib.ExperimentConfig) -> Dict[str, Any]:
    loss, opt = config.loss, config.optimizer
    num_codes = len(participating_codes(config))
    if loss.cr_classifier == "trunk":
      _, d = build_models(config)  # the trunk's feature size, from a throw-away D
      feature_size = int(d.features(tf.zeros([1, *config.model.image_shape])).shape[-1])
      classifier = PairClassifier(num_codes, "features", (feature_size,))
    else:
      classifier = PairClassifier(num_codes, "images", tuple(config.model.image_shape))
    classifier.build()
    optimizer = keras.optimizers.Adam(loss.cr_learning_rate or opt.d_learning_rate,
                                      beta_1=opt.beta1, beta_2=opt.beta2, name="cr_adam")
    optimizer.build(classifier.trainable_variables)
    rng = tf.random.Generator.from_seed(config.train.seed + RNG_SEED_OFFSET)
    return {CLASSIFIER_KEY: classifier, OPTIMIZER_KEY: optimizer, RNG_KEY: rng}

  @classmethod
  def progress_fields(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, str]:
    """C's accuracy on the step's pairs (chance: 1 / number of codes)."""
    return {"CR acc": f"{metrics['cr/accuracy']:.2f}"}

  def __init__(self, context: base.StepContext):
    super().__init__(context)
    self.spec = LatentSpec(self.config.latent)
    self.codes = participating_codes(self.config)
    self.classifier = context.state[CLASSIFIER_KEY]
    self.optimizer = context.state[OPTIMIZER_KEY]
    self.rng = context.state[RNG_KEY]

  def generate(self, G, fake: tf.Tensor, latent: LatentSample) -> Dict[str, tf.Tensor]:
    _, gap = schedule(self.config.loss, self.context.current_step())
    n = self._pairs()
    first = LatentSample(latent.noise[:n], [c[:n] for c in latent.categorical],
                         latent.continuous[:n])
    second, shared = sample_pairs(self.spec, self.codes, self.rng, first, gap)
    # The second images serve the CR losses only: the scope keeps G's BatchNorm moving
    # statistics (every inference-mode image: evaluation, export) the average of the step's
    # main batch, as without CR, instead of a second, 16-image update a step.
    with keras.StatelessScope():
      second_images = G(self.spec.generator_input(second), training=True)  # [n, H, W, C]
    return {"contrastive/first": fake[:n],  # [n, H, W, C]
            "contrastive/second": second_images,
            "contrastive/shared": shared}

  def own_networks(self) -> List[Tuple[Any, List[tf.Variable]]]:
    return [(self.optimizer, self.classifier.trainable_variables)]

  def _cross_entropy(self, D, generated: Dict[str, tf.Tensor]) -> Tuple[tf.Tensor, tf.Tensor]:
    """[b] -log C(shared | pair) and [b] whether C's arg-max is right."""
    a, b = generated["contrastive/first"], generated["contrastive/second"]
    if self.config.loss.cr_classifier == "trunk":
      a, b = D.features(a, training=True), D.features(b, training=True)  # [b, F] each
    logits = self.classifier(a, b)  # [b, codes]
    shared = generated["contrastive/shared"]
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=shared, logits=logits)
    right = tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), shared),
                    tf.float32)
    return ce, right

  def _pairs(self) -> int:
    """Pairs this replica makes (from its share of the global batch)."""
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    return pairs_per_replica(self.config.loss, self.context.global_batch // replicas)

  def _scale(self, per_pair: tf.Tensor) -> tf.Tensor:
    """[n] -> this replica's share of the mean over every replica's pairs."""
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    return self.context.scale(per_pair, replicas * self._pairs())

  def discriminator_terms(self, D, d_pass: base.DiscriminatorPass
                          ) -> Tuple[base.Terms, base.Logs]:
    ce, right = self._cross_entropy(D, d_pass.generated)
    weight, gap = schedule(self.config.loss, self.context.current_step())
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    return {"cr": self._scale(ce)}, {
        "cr/accuracy": self._scale(right), "cr/weight": weight / replicas,
        "cr/gap": gap / replicas}

  def generator_terms(self, D, g_pass: base.GeneratorPass) -> Tuple[base.Terms, base.Logs]:
    ce, _ = self._cross_entropy(D, g_pass.generated)
    weight, _ = schedule(self.config.loss, self.context.current_step())
    return {"cr": weight * self._scale(ce)}, {}
