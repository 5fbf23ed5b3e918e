"""Typed, validated experiment configuration (frozen dataclasses, JSON round-trip).

The library never reads flags: `trainers/flags.py` builds an `ExperimentConfig` from them in one
place and everything below receives these objects.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import numbers
import os
import time
import typing
from typing import Any, Dict, Optional, Tuple

ARCHITECTURES = ("mnist", "svhn", "sprites64")
NOISE_PRIORS = ("uniform", "normal")
DATASETS = (
    "procedural",
    "mnist",
    "fashion_mnist",
    "svhn_cropped",
    "celeb_a",
    "dsprites",
    "shapes3d",
    "idx",
    "folder",
)
STRATEGIES = ("mirrored", "one_device", "multi_worker")
PRECISIONS = ("float32", "mixed_bfloat16", "float64")
REAL_INFO_PAIRINGS = ("augment", "neighbour")


class ConfigError(ValueError):
  """An invalid configuration value; the message says what to fix."""


def _changed_fields(config, names) -> list:
  """The names among `names` whose value in the dataclass `config` is not the default."""
  defaults = {f.name: (f.default_factory() if f.default is dataclasses.MISSING
                       and f.default_factory is not dataclasses.MISSING else f.default)
              for f in dataclasses.fields(config)}
  return [n for n in names if getattr(config, n) != defaults[n]]


def _require(condition: bool, message: str) -> None:
  if not condition:
    raise ConfigError(message)


def _describe_type(hint) -> str:
  origin, args = typing.get_origin(hint), typing.get_args(hint)
  if origin is typing.Union:
    return " or ".join(_describe_type(a) for a in args)
  if origin is tuple:
    plural = {int: "ints", float: "numbers", str: "strings"}.get(args[0], "values")
    return (f"a sequence of {plural}" if args[-1] is Ellipsis
            else f"a sequence of {len(args)} {plural}")
  return {int: "an int", float: "a number", bool: "True or False", str: "a string",
          type(None): "None"}.get(hint, getattr(hint, "__name__", str(hint)))


def _conform(value, hint):
  """`value` as a field typed `hint` holds it (lists become tuples); raises TypeError."""
  origin, args = typing.get_origin(hint), typing.get_args(hint)
  if origin is typing.Union:
    for option in args:
      try:
        return _conform(value, option)
      except TypeError:
        pass
    raise TypeError
  if hint is type(None):
    if value is None:
      return value
    raise TypeError
  if origin is tuple:
    if not isinstance(value, (tuple, list)):
      raise TypeError
    if args[-1] is Ellipsis:
      return tuple(_conform(v, args[0]) for v in value)
    if len(value) != len(args):
      raise TypeError
    return tuple(_conform(v, a) for v, a in zip(value, args))
  if hint is bool:
    if isinstance(value, bool):
      return value
    raise TypeError
  if hint is int:  # True is not a count
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
      return int(value)
    raise TypeError
  if hint is float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
      return float(value)
    raise TypeError
  if hint is str:
    if isinstance(value, str):
      return value
    raise TypeError
  return value


@functools.lru_cache(maxsize=None)
def _field_types(cls) -> Dict[str, Any]:
  return typing.get_type_hints(cls)


class _TypedFields:
  """Checks every field's type when a config part is made (a ConfigError naming the field);
  lists become tuples and numpy numbers Python ones, so `categorical=[10]` works."""

  def __post_init__(self):
    for field in dataclasses.fields(self):
      hint = _field_types(type(self))[field.name]
      value = getattr(self, field.name)
      try:
        conformed = _conform(value, hint)
      except TypeError:
        raise ConfigError(f"{field.name} must be {_describe_type(hint)}, got {value!r} "
                          f"({type(value).__name__})") from None
      object.__setattr__(self, field.name, conformed)


@dataclasses.dataclass(frozen=True)
class LatentConfig(_TypedFields):
  """The generator input: incompressible noise z and the latent code c.

  Attributes:
    noise_dim: Size of z.
    noise_prior: 'uniform' (U(-1, 1), the official code) or 'normal' (N(0, 1)).
    noise_scale: Multiplies z after drawing it (1 = the prior as named). Small values (e.g.
      0.1 with a normal prior, as in ClusterGAN) leave the codes most of the generator's input
      variation.
    categorical: Cardinality of each categorical code, e.g. (10,) for one Cat(10).
    continuous: Number of continuous codes, each with a U(-1, 1) prior.
  """

  noise_dim: int = 62
  noise_prior: str = "uniform"
  noise_scale: float = 1.0
  categorical: Tuple[int, ...] = (10,)
  continuous: int = 2

  def validate(self) -> None:
    _require(self.noise_dim >= 0, f"noise_dim must be >= 0, got {self.noise_dim}")
    _require(
        self.noise_prior in NOISE_PRIORS,
        f"noise_prior must be one of {NOISE_PRIORS}, got {self.noise_prior!r}",
    )
    _require(self.noise_scale > 0, f"noise_scale must be > 0, got {self.noise_scale}")
    for k in self.categorical:
      _require(k >= 2, f"every categorical code needs >= 2 categories, got {k}")
    _require(self.continuous >= 0, f"continuous must be >= 0, got {self.continuous}")
    _require(
        self.noise_dim + sum(self.categorical) + self.continuous > 0,
        "the generator input is empty: set noise_dim, categorical or continuous",
    )


@dataclasses.dataclass(frozen=True)
class ModelConfig(_TypedFields):
  """Which networks to build.

  Attributes:
    architecture: 'mnist' (28x28, paper MNIST nets), 'svhn' (32x32, paper SVHN/CelebA nets) or
      'sprites64' (64x64 variant for sprite/shape/face data).
    precision: 'float32', 'mixed_bfloat16' (bfloat16 compute, float32 variables; pays on
      CPUs with AVX512_BF16/AMX and on TPUs/recent GPUs) or 'float64' (several times slower;
      a reference for checking float32 numerics).
    image_shape: (height, width, channels) the networks produce and consume; None takes the
      training data's shape (the trainer writes the resolved shape to config.json).
    sync_batch_norm: Synchronise BatchNormalization statistics across replicas.
    spectral_norm: Spectral normalisation (Miyato et al. 2018) of the discriminator's trunk
      and D head, whose trunk then has no BatchNorm (the SN-GAN recipe; the Q head keeps its
      BatchNorm). False = the paper's nets.
  """

  architecture: str = "mnist"
  image_shape: Optional[Tuple[int, int, int]] = None
  sync_batch_norm: bool = False
  precision: str = "float32"
  spectral_norm: bool = False

  def validate(self) -> None:
    _require(
        self.architecture in ARCHITECTURES,
        f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}",
    )
    _require(self.precision in PRECISIONS,
             f"precision must be one of {PRECISIONS}, got {self.precision!r}")
    if self.image_shape is not None:
      _require(
          len(self.image_shape) == 3 and all(d > 0 for d in self.image_shape),
          f"image_shape must be (height, width, channels), got {self.image_shape}",
      )


@dataclasses.dataclass(frozen=True)
class LossConfig(_TypedFields):
  """Weights and form of the InfoGAN objective.

  Attributes:
    lambda_categorical: lambda for the categorical part of L_I.
    lambda_continuous: lambda for the continuous part of L_I.
    continuous_std: None to learn the Gaussian std of Q (the paper), or a fixed std
      (the official code uses 1.0, i.e. a scaled MSE).
    real_info_weight: Extension, 0 = off (the paper). Also trains Q's categorical heads on
      *real* images, unsupervised: maximise the mutual information between Q's assignments of
      a real batch and of a second view of it (IIC, Ji et al. 2019), weighted by this factor,
      in the D/Q update.
    real_info_pairing: The second view: 'augment' (a randomly shifted/flipped copy of each
      image) or 'neighbour' (each image's nearest other image of the batch in D's trunk
      features, as in SCAN, Van Gansbeke et al. 2020).
    augment_shift: Max shift in pixels of the augmented copy.
    augment_flip: Also mirror the augmented copy left-right at random.
    augment_zoom: Also rescale the augmented copy about its centre by a random factor in
      [1 - augment_zoom, 1 + augment_zoom] (0 = no zoom): asks Q for size-invariant clusters.
  """

  lambda_categorical: float = 1.0
  lambda_continuous: float = 0.1
  continuous_std: Optional[float] = None
  real_info_weight: float = 0.0
  real_info_pairing: str = "augment"
  augment_shift: int = 2
  augment_flip: bool = False
  augment_zoom: float = 0.0

  def validate(self) -> None:
    _require(self.lambda_categorical >= 0, "lambda_categorical must be >= 0")
    _require(self.lambda_continuous >= 0, "lambda_continuous must be >= 0")
    _require(
        self.continuous_std is None or self.continuous_std > 0,
        f"continuous_std must be 'learned' or > 0, got {self.continuous_std}",
    )
    _require(self.real_info_weight >= 0, "real_info_weight must be >= 0")
    _require(self.real_info_pairing in REAL_INFO_PAIRINGS,
             f"real_info_pairing must be one of {REAL_INFO_PAIRINGS}, "
             f"got {self.real_info_pairing!r}")
    _require(self.augment_shift >= 0, "augment_shift must be >= 0")
    _require(0 <= self.augment_zoom < 1,
             f"augment_zoom must be in [0, 1), got {self.augment_zoom}")
    if self.real_info_weight == 0:  # the IIC extension is off: its settings do nothing
      ignored = _changed_fields(self, ("real_info_pairing", "augment_shift", "augment_flip",
                                       "augment_zoom"))
      _require(not ignored, f"{', '.join(ignored)}: only used with real_info_weight > 0 "
               "(the IIC extension is off)")


# Settings of the ss pseudo-label term (SemiSupervisedConfig), used only when its weight is > 0.
_CONSISTENCY_FIELDS = ("consistency_threshold", "strong_shift", "cutout",
                       "strong_randaugment_ops", "consistency_extra_images",
                       "consistency_alignment", "consistency_from_average",
                       "consistency_adaptive_threshold")


@dataclasses.dataclass(frozen=True)
class SemiSupervisedConfig(_TypedFields):
  """ss-InfoGAN (Spurr et al. 2017): a few labelled real images decide what codes mean.

  A semi-supervised categorical code c_ss is tied to a label column: its category k means
  label k, with no matching. Off (the unsupervised InfoGAN of the paper) when `codes` is empty.

  How labelled images are mixed in: every step sees one unlabelled batch (`batch_size`) and
  beside it one labelled batch of `labelled_batch_size` drawn from the labelled subset. A fixed
  pairing keeps the compiled step's shapes static and gives Q_ss a steady supervised signal;
  the authors' coin flip between labelled and unlabelled batches wastes steps and needs a
  schedule in the checkpoint.

  Attributes:
    codes: Indices into `LatentConfig.categorical` of the semi-supervised codes.
    label_columns: One per ss code: 'label' (the dataset's class label) or the name of a
      ground-truth factor with integer values (e.g. 'shape' of the procedural data).
    labels_per_class: Labelled images per class of the first ss code's column (balanced,
      drawn with `label_seed`); 0 to use `labelled_fraction` instead.
    labelled_fraction: Fraction of the labelled training images to use when
      `labels_per_class` is 0 (drawn with `label_seed`, not balanced).
    label_seed: Seed of the labelled-subset draw (independent of the training seed).
    labelled_batch_size: Global size of the labelled batch trained beside each unlabelled one.
    lambda_ss: Weight of L_IS1 (Q_ss on labelled real images, D step) and L_IS2 (Q_ss on
      generated images, G step).
    q_ss_on_generated: Also train Q_ss (D step) on generated images against the c_ss that
      made them. False = the authors' code: Q_ss learns from labelled real images only.
    augment_shift: Max shift in pixels of the labelled images (and of the strong view).
    augment_flip: Mirror labelled images (and the strong view) left-right at random: suits
      clothes and shapes, not digits.
    labelled_cutout: Side of a square cut out of each labelled image (0 = none).
    consistency_weight: Weight of the pseudo-label term on unlabelled real images (0 = off):
      Q_ss's confident arg-max on a real image is the target for a strongly augmented copy.
    consistency_threshold: Minimum max-probability for an image to get a pseudo-label.
    strong_shift: Max shift in pixels of the strong view.
    cutout: Side of the square cut out of the strong view (0 = none).
    strong_randaugment_ops: RandAugment operations drawn per image for the strong view,
      between the shift/mirror and the cut-out (`infogan_tf.rand_augment`; FixMatch uses 2).
      0 = the strong view is shifted, mirrored and cut out only.
    consistency_extra_images: Global number of extra unlabelled real images per step that only
      the pseudo-label term sees, beside the unlabelled GAN batch (FixMatch trains on several
      times more unlabelled than labelled images; 0 = the GAN batch only).
    consistency_alignment: Distribution alignment (ReMixMatch, Berthelot et al. 2020): divide
      Q_ss's weak-view probabilities by their mean over the replica's batch and renormalise
      before taking pseudo-labels, so classes Q_ss under-predicts still get pseudo-labels.
    consistency_from_average: Take the pseudo-labels from the moving average of D's weights
      (a "mean teacher"; needs `OptimizerConfig.d_average_decay` > 0) instead of D itself.
    consistency_adaptive_threshold: Per-class self-adaptive thresholds (FreeMatch, Wang et
      al. 2023; `infogan_tf.adaptive_threshold`) instead of the fixed
      `consistency_threshold`: classes Q_ss is less sure of get lower thresholds.
  """

  codes: Tuple[int, ...] = ()
  label_columns: Tuple[str, ...] = ()
  labels_per_class: int = 0
  labelled_fraction: float = 0.0
  label_seed: int = 0
  labelled_batch_size: int = 32
  lambda_ss: float = 1.0
  q_ss_on_generated: bool = False
  augment_shift: int = 2
  augment_flip: bool = False
  labelled_cutout: int = 0
  consistency_weight: float = 0.0
  consistency_threshold: float = 0.95
  strong_shift: int = 4
  cutout: int = 12
  strong_randaugment_ops: int = 0
  consistency_extra_images: int = 0
  consistency_alignment: bool = False
  consistency_from_average: bool = False
  consistency_adaptive_threshold: bool = False

  @property
  def enabled(self) -> bool:
    return bool(self.codes)

  def replica_split_sizes(self) -> Dict[str, int]:
    """The global sizes this mode splits evenly over replicas (none when it is off)."""
    if not self.enabled:
      return {}
    return {"labelled_batch_size": self.labelled_batch_size,
            "consistency_extra_images": self.consistency_extra_images}

  def validate(self) -> None:
    if not self.enabled:  # every other setting would be silently ignored
      ignored = _changed_fields(self, [f.name for f in dataclasses.fields(self)
                                       if f.name != "codes"])
      _require(not ignored, f"{', '.join(ignored)}: only used with semi-supervised codes "
               "(set ss_codes)")
      return
    _require(len(set(self.codes)) == len(self.codes),
             f"ss_codes must not repeat a code, got {self.codes}")
    _require(all(c >= 0 for c in self.codes), f"ss_codes must be >= 0, got {self.codes}")
    _require(len(self.label_columns) == len(self.codes),
             f"one label column per ss code: {len(self.codes)} codes {self.codes} but "
             f"label_columns {self.label_columns}")
    _require(self.labels_per_class >= 0, "labels_per_class must be >= 0")
    _require(0 <= self.labelled_fraction <= 1,
             f"labelled_fraction must be in [0, 1], got {self.labelled_fraction}")
    _require((self.labels_per_class > 0) != (self.labelled_fraction > 0),
             "set exactly one of labels_per_class (> 0) and labelled_fraction (> 0) for "
             "semi-supervised codes")
    _require(self.labelled_batch_size > 0, "labelled_batch_size must be > 0")
    _require(self.lambda_ss >= 0, "lambda_ss must be >= 0")
    _require(self.augment_shift >= 0 and self.strong_shift >= 0,
             "augment_shift and strong_shift must be >= 0")
    _require(self.consistency_weight >= 0, "consistency_weight must be >= 0")
    _require(0 < self.consistency_threshold <= 1,
             f"consistency_threshold must be in (0, 1], got {self.consistency_threshold}")
    _require(self.cutout >= 0 and self.labelled_cutout >= 0,
             "cutout and labelled_cutout must be >= 0")
    _require(self.consistency_extra_images >= 0, "consistency_extra_images must be >= 0")
    _require(0 <= self.strong_randaugment_ops <= 10,
             f"strong_randaugment_ops must be in [0, 10], got {self.strong_randaugment_ops}")
    if self.consistency_weight == 0:  # the pseudo-label term is off: its settings do nothing
      ignored = _changed_fields(self, _CONSISTENCY_FIELDS)
      _require(not ignored, f"{', '.join(ignored)}: only used with consistency_weight > 0 "
               "(the pseudo-label term is off)")


@dataclasses.dataclass(frozen=True)
class OptimizerConfig(_TypedFields):
  """Adam settings (Q trains with D's optimizer, as in the official code) and weight averaging.

  Attributes:
    d_learning_rate: Adam learning rate of D's trunk, D head and Q head.
    g_learning_rate: Adam learning rate of G.
    beta1: Adam beta1 (both optimisers).
    beta2: Adam beta2 (both optimisers).
    d_average_decay: Keep an exponential moving average of D's weights with this decay per
      step (`infogan_tf.averaging`; 0.999 averages over ~1000 steps); evaluation and export
      then encode with the average. 0 = off: they use the last weights.
  """

  d_learning_rate: float = 2e-4
  g_learning_rate: float = 1e-3
  beta1: float = 0.5
  beta2: float = 0.999
  d_average_decay: float = 0.0

  @property
  def averages_discriminator(self) -> bool:
    return self.d_average_decay > 0

  def validate(self) -> None:
    _require(self.d_learning_rate > 0, "d_learning_rate must be > 0")
    _require(self.g_learning_rate > 0, "g_learning_rate must be > 0")
    _require(0 <= self.beta1 < 1 and 0 <= self.beta2 < 1, "beta1/beta2 must be in [0, 1)")
    _require(0 <= self.d_average_decay < 1,
             f"d_average_decay must be in [0, 1), got {self.d_average_decay}")


@dataclasses.dataclass(frozen=True)
class DataConfig(_TypedFields):
  """Where training images come from.

  Attributes:
    name: One of DATASETS.
    data_dir: tfds data dir, IDX directory or image folder (meaning depends on `name`).
    split: Split to train on.
    image_size: Side length images are resized to ('celeb_a', 'folder') or rendered at
      ('procedural'); other datasets keep their native size.
    channels: Channels for 'folder' and 'procedural' images (1 or 3).
    num_examples: Number of procedural images to render.
    shuffle_buffer: tf.data shuffle buffer size.
    cache: Cache decoded images in memory.
    unlabelled_folder: 'folder' data: the sub-folder of images without a label (the others
      are classes).
  """

  name: str = "procedural"
  data_dir: Optional[str] = None
  split: str = "train"
  image_size: int = 28
  channels: int = 1
  num_examples: int = 20000
  shuffle_buffer: int = 10000
  cache: bool = True
  unlabelled_folder: str = "unlabelled"

  def validate(self) -> None:
    _require(self.name in DATASETS, f"dataset must be one of {DATASETS}, got {self.name!r}")
    _require(self.image_size >= 8, f"image_size must be >= 8, got {self.image_size}")
    _require(self.channels in (1, 3), f"channels must be 1 or 3, got {self.channels}")
    _require(self.num_examples > 0, "num_examples must be > 0")
    _require(self.shuffle_buffer >= 1, "shuffle_buffer must be >= 1")
    if self.name in ("idx", "folder"):
      _require(bool(self.data_dir), f"dataset={self.name} needs data_dir")


@dataclasses.dataclass(frozen=True)
class TrainConfig(_TypedFields):
  """How long and where to train.

  Attributes:
    workdir: Checkpoints, summaries, config.json and traversal PNGs go here.
    steps: Total number of training steps (rerunning continues up to this).
    batch_size: Global batch size, split evenly over replicas.
    seed: Seeds the latent sampler, data order and initialisation.
    strategy: 'mirrored', 'one_device' or 'multi_worker'.
    virtual_cpus: Split the host CPU into this many logical devices (0 = leave as is).
    jit_compile: Compile the per-replica step with XLA.
    steps_per_loop: Train steps per host call of the compiled loop.
    log_every: Steps between progress/metric logs.
    checkpoint_every: Steps between checkpoints.
    image_every: Steps between traversal grids (TensorBoard + PNG).
    keep_checkpoints: Checkpoints to keep.
  """

  workdir: str = ""
  steps: int = 1000
  batch_size: int = 64
  seed: int = 0
  strategy: str = "mirrored"
  virtual_cpus: int = 0
  jit_compile: bool = False
  steps_per_loop: int = 10
  log_every: int = 50
  checkpoint_every: int = 500
  image_every: int = 500
  keep_checkpoints: int = 3

  def validate(self) -> None:
    _require(bool(self.workdir), "workdir is required (--workdir=/path/to/run)")
    _require(self.steps > 0, f"steps must be > 0, got {self.steps}")
    _require(self.batch_size > 0, f"batch_size must be > 0, got {self.batch_size}")
    _require(
        self.strategy in STRATEGIES,
        f"strategy must be one of {STRATEGIES}, got {self.strategy!r}",
    )
    _require(self.virtual_cpus >= 0, "virtual_cpus must be >= 0")
    if self.virtual_cpus and self.strategy == "mirrored":
      _require(
          self.batch_size % self.virtual_cpus == 0,
          f"batch_size {self.batch_size} must be divisible by virtual_cpus "
          f"{self.virtual_cpus} (one equal shard per replica)",
      )
    for name in ("steps_per_loop", "log_every", "checkpoint_every", "image_every"):
      _require(getattr(self, name) > 0, f"{name} must be > 0")
    _require(self.keep_checkpoints >= 1, "keep_checkpoints must be >= 1")


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
  """Everything that defines one InfoGAN run."""

  latent: LatentConfig = LatentConfig()
  model: ModelConfig = ModelConfig()
  loss: LossConfig = LossConfig()
  optimizer: OptimizerConfig = OptimizerConfig()
  data: DataConfig = DataConfig()
  train: TrainConfig = TrainConfig()
  semi_supervised: SemiSupervisedConfig = SemiSupervisedConfig()

  def validate(self) -> "ExperimentConfig":
    """Checks every field; raises ConfigError naming what to fix. Returns self."""
    for part in (self.latent, self.model, self.loss, self.optimizer, self.data, self.train,
                 self.semi_supervised):
      part.validate()
    ss = self.semi_supervised
    for c in ss.codes:
      _require(c < len(self.latent.categorical),
               f"ss code {c} does not exist: the latent has {len(self.latent.categorical)} "
               "categorical code(s) (--categorical)")
    _require(self.optimizer.averages_discriminator or not ss.consistency_from_average,
             "consistency_from_average needs d_average_decay > 0 (the average to take "
             "pseudo-labels from)")
    if self.train.virtual_cpus and self.train.strategy == "mirrored":
      for name, size in ss.replica_split_sizes().items():
        _require(size % self.train.virtual_cpus == 0,
                 f"{name} {size} must be divisible by virtual_cpus {self.train.virtual_cpus}")
    if self.model.image_shape is not None and self.data.name in ("procedural", "folder"):
      want = (self.data.image_size, self.data.image_size)
      _require(
          tuple(self.model.image_shape[:2]) == want,
          f"model image_shape {self.model.image_shape} does not match data image_size "
          f"{self.data.image_size}",
      )
    return self

  def to_dict(self) -> dict:
    return dataclasses.asdict(self)

  @classmethod
  def from_dict(cls, d: dict) -> "ExperimentConfig":
    """Inverse of to_dict; unknown keys are an error so stale configs are noticed."""
    parts = {}
    for field in dataclasses.fields(cls):
      sub_cls = _PART_TYPES[field.name]
      values = dict(d.get(field.name, {}))
      names = {f.name for f in dataclasses.fields(sub_cls)}
      unknown = set(values) - names
      _require(not unknown, f"unknown {field.name} config keys: {sorted(unknown)}")
      for f in dataclasses.fields(sub_cls):
        if f.name in values and isinstance(values[f.name], list):
          values[f.name] = tuple(values[f.name])
      parts[field.name] = sub_cls(**values)
    return cls(**parts)

  def to_json(self) -> str:
    return json.dumps(self.to_dict(), indent=2, sort_keys=True)

  @classmethod
  def from_json(cls, text: str) -> "ExperimentConfig":
    return cls.from_dict(json.loads(text))

  def replace(self, **parts: Any) -> "ExperimentConfig":
    return dataclasses.replace(self, **parts)


_PART_TYPES = {
    "latent": LatentConfig,
    "model": ModelConfig,
    "loss": LossConfig,
    "optimizer": OptimizerConfig,
    "data": DataConfig,
    "train": TrainConfig,
    "semi_supervised": SemiSupervisedConfig,
}

CONFIG_FILENAME = "config.json"


def save_config(config: ExperimentConfig, workdir: str,
                resume: Optional[dict] = None) -> str:
  """Writes config.json into workdir (atomically) and returns its path.

  The file holds the config (what `load_config` reads) and a `history`: the first run's config
  stays as `original`, and every resume that changed something appends
  {'step': resumed at, 'date', 'changed': {'part.field': [old, new]}}.

  Args:
    config: The config this run uses.
    workdir: The run directory.
    resume: For a resumed run, {'step': ..., 'changed': ...} to append to the history.
  """
  os.makedirs(workdir, exist_ok=True)
  path = os.path.join(workdir, CONFIG_FILENAME)
  record = config.to_dict()
  previous = {}
  if os.path.exists(path):
    with open(path) as f:
      previous = json.load(f)
  original = {k: v for k, v in previous.items() if k != "history"} or config.to_dict()
  record["history"] = previous.get("history") or {"original": original, "resumes": []}
  record["history"].setdefault("resumes", [])
  if resume is not None and resume.get("changed"):
    record["history"]["resumes"].append(
        {"date": time.strftime("%Y-%m-%d %H:%M:%S"), **resume})
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    f.write(json.dumps(record, indent=2, sort_keys=True) + "\n")
  os.replace(tmp, path)
  return path


def load_config(workdir: str) -> ExperimentConfig:
  """Reads the config.json written by `save_config`."""
  path = os.path.join(workdir, CONFIG_FILENAME)
  if not os.path.exists(path):
    raise ConfigError(f"no {CONFIG_FILENAME} in {workdir}: is it a training workdir?")
  with open(path) as f:
    record = json.load(f)
  record.pop("history", None)
  return ExperimentConfig.from_dict(record)


# What a resumed run must keep. Changing the checkpoint's shape (latent, model) is always refused;
# changing what the run trains on (data, batch, the labelled subset) is refused unless the caller
# allows it, and then recorded in config.json's history. Everything else (steps, learning rates,
# logging, ...) may change and is recorded. None = every field of the part.
_FIXED_SHAPE = {"latent": None, "model": None}
_FIXED_DATA = {
    "data": ("name", "data_dir", "split", "image_size", "channels", "num_examples",
             "unlabelled_folder"),
    "train": ("batch_size",),
    "semi_supervised": ("codes", "label_columns", "labels_per_class", "labelled_fraction",
                        "label_seed", "labelled_batch_size"),
}


# Options that add state to the checkpoint: they cannot be switched on or off on resume.
_CHECKPOINTED_OPTIONS = {
    "a moving average of D (d_average_decay)":
        lambda c: c.optimizer.averages_discriminator,
    "adaptive pseudo-label thresholds (consistency_adaptive_threshold)":
        lambda c: c.semi_supervised.enabled and c.semi_supervised.consistency_adaptive_threshold,
}


def config_changes(saved: ExperimentConfig, new: ExperimentConfig) -> dict:
  """{'part.field': [old, new]} for every field that differs."""
  changes = {}
  for part in _PART_TYPES:
    a, b = getattr(saved, part), getattr(new, part)
    for f in dataclasses.fields(a):
      old, value = getattr(a, f.name), getattr(b, f.name)
      if old != value:
        changes[f"{part}.{f.name}"] = [old, value]
  return changes


def check_resume_compatible(saved: ExperimentConfig, new: ExperimentConfig,
                            allow_data_changes: bool = False) -> dict:
  """Raises ConfigError if `new` cannot continue from a workdir trained with `saved`.

  Args:
    saved: The workdir's config.
    new: The config of the run that wants to resume.
    allow_data_changes: Accept changes of the data, batch size and labelled subset.

  Returns:
    The changes (see `config_changes`), to be recorded.
  """
  changes = config_changes(saved, new)
  for what, kept in _CHECKPOINTED_OPTIONS.items():
    if kept(saved) != kept(new):
      raise ConfigError(
          f"workdir was trained {'with' if kept(saved) else 'without'} {what}, which its "
          f"checkpoints {'hold' if kept(saved) else 'do not hold'}: keep it "
          f"{'on' if kept(saved) else 'off'} to resume (its settings may change), or use a new "
          "--workdir")
  rules = dict(_FIXED_SHAPE, **({} if allow_data_changes else _FIXED_DATA))
  for part, fields in rules.items():
    bad = [f"{k.split('.', 1)[1]}: {old!r} -> {value!r}" for k, (old, value) in changes.items()
           if k.split(".")[0] == part and (fields is None or k.split(".", 1)[1] in fields)]
    if bad:
      hint = ("use a new --workdir or the original flags" if part in _FIXED_SHAPE else
              "use the original flags, a new --workdir, or --allow_resume_changes to train on "
              "with the change (recorded in config.json)")
      raise ConfigError(f"workdir was trained with a different {part} config "
                        f"({'; '.join(bad)}); {hint}")
  return changes
