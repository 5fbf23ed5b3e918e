"""What a loss family is, and what the families of one replica's step share."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import losses
from infogan_tf.latent import LatentSample
from infogan_tf.models.discriminator import DiscriminatorOutput

Terms = Dict[str, tf.Tensor]  # term name -> scalar, this replica's share of the global mean
Logs = Dict[str, tf.Tensor]  # diagnostic name -> scalar share (summed over replicas)


@dataclasses.dataclass(frozen=True)
class BatchInputs:
  """What a family needs in every step's batch besides the unlabelled 'images' (global sizes;
  0 = not needed). The input pipeline provides the union of the active families' needs.

  Attributes:
    labelled_batch: 'labelled_images' [l, H, W, C] and 'labels' [l, n_ss] int32 drawn from the
      run's labelled subset (`infogan_tf.data.labelled`), this many per step.
    extra_images: 'extra_images' [e, H, W, C]: more unlabelled images, distinct from 'images'.
  """

  labelled_batch: int = 0
  extra_images: int = 0

  def union(self, other: "BatchInputs") -> "BatchInputs":
    return BatchInputs(max(self.labelled_batch, other.labelled_batch),
                       max(self.extra_images, other.extra_images))

  def split_sizes(self) -> Dict[str, int]:
    """{the setting it comes from: global size} of the sizes every replica takes an equal
    share of (the ones in use)."""
    sizes = {"labelled_batch_size": self.labelled_batch,
             "consistency_extra_images": self.extra_images}
    return {name: size for name, size in sizes.items() if size}


@dataclasses.dataclass
class StepContext:
  """What every family of one replica's step shares.

  Attributes:
    config: The experiment config.
    rng: Random generator for augmentations (a per-replica stream under a strategy).
    pixel_range: The architecture's (low, high) pixel values; low is the background (the fill
      of shifts and cut-outs).
    global_batch: Global size of the unlabelled (and generated) batch.
    average: The moving average of D (a Discriminator) when the run keeps one, else None.
    state: The families' checkpointed state, {checkpoint key: trackable} (`Family.create_state`).
    step: The run's step counter (an int64 variable; steps done before this one), for families
      with a schedule; None outside training (read as 0).
  """

  config: config_lib.ExperimentConfig
  rng: tf.random.Generator
  pixel_range: Tuple[float, float]
  global_batch: int
  average: Optional[Any] = None
  state: Dict[str, Any] = dataclasses.field(default_factory=dict)
  step: Optional[tf.Variable] = None

  def current_step(self) -> tf.Tensor:
    """The step as a float32 scalar (0 without a counter)."""
    if self.step is None:
      return tf.constant(0.0)
    return tf.cast(self.step, tf.float32)

  @property
  def pixel_low(self) -> float:
    return self.pixel_range[0]

  def scale(self, per_example: tf.Tensor, global_batch: Optional[int] = None) -> tf.Tensor:
    """[b] -> this replica's share of the mean over the global batch."""
    return tf.nn.compute_average_loss(per_example,
                                      global_batch_size=global_batch or self.global_batch)


@dataclasses.dataclass
class DiscriminatorPass:
  """The D step's shared passes (made once, before any family's terms).

  Attributes:
    batch: {'images': [b, H, W, C]} and what the families asked for (`BatchInputs`).
    fake: [b, H, W, C] generated images, gradient stopped.
    latent: The LatentSample that made `fake`.
    real_out: D(images), training mode.
    fake_out: D(fake), training mode.
    info: The per-code cross-entropies of Q on `fake` (`losses.info_loss`; its `total` is the
      InfoGAN L_I term over the unsupervised codes).
    generated: What the families generated this step (`Family.generate`), gradient stopped.
  """

  batch: Dict[str, tf.Tensor]
  fake: tf.Tensor
  latent: LatentSample
  real_out: DiscriminatorOutput
  fake_out: DiscriminatorOutput
  info: losses.InfoLoss
  generated: Dict[str, tf.Tensor] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class GeneratorPass:
  """The G step's shared pass: the updated D on the generated batch (on G's tape)."""

  fake: tf.Tensor  # [b, H, W, C]
  latent: LatentSample
  fake_out: DiscriminatorOutput
  info: losses.InfoLoss
  generated: Dict[str, tf.Tensor] = dataclasses.field(default_factory=dict)  # on G's tape


class Family:
  """A loss family: a few named terms of the D and G objectives that belong together.

  A family says when it is on (`enabled`), which state it checkpoints (`state_keys`, made by
  `create_state`), which batch inputs it needs (`batch_inputs`), what it shows on the progress
  line (`progress_fields`), and returns its terms and logs for the D step and the G step. The step
  sums every active family's terms; their names become the metrics d/<term> and g/<term>, their
  logs metrics as named. Families run in registration order (`infogan_tf.objectives.FAMILIES`);
  one whose terms draw random augmentations changes the random stream of those after it.
  """

  name = ""

  @classmethod
  def enabled(cls, config: config_lib.ExperimentConfig) -> bool:
    """Whether the family has any term in this config."""
    raise NotImplementedError

  @classmethod
  def state_keys(cls, config: config_lib.ExperimentConfig) -> FrozenSet[str]:
    """The checkpoint keys of the state the family keeps in this config (a resumed run must
    keep the same keys); read without building the state."""
    del config
    return frozenset()

  @classmethod
  def create_state(cls, config: config_lib.ExperimentConfig) -> Dict[str, Any]:
    """{checkpoint key: trackable} for exactly `state_keys(config)` (made in the strategy
    scope)."""
    del config
    return {}

  @classmethod
  def batch_inputs(cls, config: config_lib.ExperimentConfig) -> BatchInputs:
    """What the family needs in the batch besides 'images'."""
    del config
    return BatchInputs()

  @classmethod
  def derived_metrics(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, float]:
    """Metrics the family computes on the host from the loop's (floats), to log beside them."""
    del config, metrics
    return {}

  @classmethod
  def progress_fields(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, str]:
    """{label: formatted value} for the progress line, from the loop's metrics (floats)."""
    del config, metrics
    return {}

  def __init__(self, context: StepContext):
    self.context = context
    self.config = context.config

  def generate(self, G, fake: tf.Tensor, latent: LatentSample) -> Dict[str, tf.Tensor]:
    """Images (or other tensors) the family generates itself each step, on G's tape, next to
    the step's generated batch `fake` [b, H, W, C] made from `latent`; both passes get them
    (`generated`; the D pass with the gradient stopped). Keys start with the family's name."""
    del G, fake, latent
    return {}

  def own_networks(self) -> List[Tuple[Any, List[tf.Variable]]]:
    """(optimizer, variables) of networks the family keeps in its state and trains on its
    D-step terms, in the D step, beside D (e.g. InfoGAN-CR's pair classifier)."""
    return []

  def discriminator_terms(self, D, d_pass: DiscriminatorPass) -> Tuple[Terms, Logs]:
    """The family's D-step terms (called inside the D tape). `D` is the Discriminator."""
    del D, d_pass
    return {}, {}

  def generator_terms(self, D, g_pass: GeneratorPass) -> Tuple[Terms, Logs]:
    """The family's G-step terms (called inside the G tape, after the D update)."""
    del D, g_pass
    return {}, {}
