"""Typed, validated experiment configuration (frozen dataclasses, JSON round-trip).

Each field is defined once, with its help text beside it (`field`): the trainer's flags, their
`--help` and docs/flags.md are generated from these definitions (`infogan_tf.cli.config_flags`),
and validation stays here. The library never reads flags; everything below the command line
receives these objects.
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

from infogan_tf import datasets
from infogan_tf.errors import ConfigError

ARCHITECTURES = ("mnist", "svhn", "sprites64")
NOISE_PRIORS = ("uniform", "normal")
STRATEGIES = ("mirrored", "one_device", "multi_worker")
PRECISIONS = ("auto", "float32", "mixed_bfloat16", "mixed_float16", "float64")
REAL_INFO_PAIRINGS = ("augment", "neighbour")
CR_CLASSIFIERS = ("separate", "trunk")


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
def field_types(cls) -> Dict[str, Any]:
  """{field name: its type} of a config part (`typing` hints, resolved)."""
  return typing.get_type_hints(cls)


def field(default, help: str, *, choices: Optional[Tuple[Any, ...]] = None,  # noqa: A002
          flag: Optional[str] = None, none_means: Optional[str] = None):
  """A config field with its one description, beside it.

  Everything else that describes a field is derived from these: the trainer's flags and their
  `--help`, docs/flags.md, and the validation of `choices`.

  Args:
    default: The default value.
    help: What the field means, in a sentence or a few; the flag's help.
    choices: The allowed values (validated; the flag becomes an enum).
    flag: The command-line name when it is not the field's name (two parts have a field of
      the same name, or an older flag name that flagfiles use).
    none_means: For an optional number: the word the command line uses for None.
  """
  metadata = {"help": " ".join(help.split())}
  if choices is not None:
    metadata["choices"] = tuple(choices)
  if flag is not None:
    metadata["flag"] = flag
  if none_means is not None:
    metadata["none_means"] = none_means
  return dataclasses.field(default=default, metadata=metadata)


def flag_name(f: dataclasses.Field) -> str:
  """A field's command-line name: `flag=` beside the field, else the field's name."""
  return f.metadata.get("flag", f.name)


def _label(f: dataclasses.Field) -> str:
  """How messages name a field: 'cutout', or 'augment_flip (--ss_augment_flip)'."""
  return f.name if flag_name(f) == f.name else f"{f.name} (--{flag_name(f)})"


class _Part:
  """A config part: every field's type is checked when a part is made (a ConfigError naming
  the field); lists become tuples and numpy numbers Python ones, so `categorical=[10]` works.
  `validate()` checks `choices` and then the part's own rules (`_check`)."""

  def __post_init__(self):
    for f in dataclasses.fields(self):
      hint = field_types(type(self))[f.name]
      value = getattr(self, f.name)
      try:
        conformed = _conform(value, hint)
      except TypeError:
        raise ConfigError(f"{_label(f)} must be {_describe_type(hint)}, got {value!r} "
                          f"({type(value).__name__})") from None
      object.__setattr__(self, f.name, conformed)

  def validate(self) -> None:
    """Raises ConfigError naming the first field to fix."""
    for f in dataclasses.fields(self):
      choices = f.metadata.get("choices")
      if choices is not None:
        value = getattr(self, f.name)
        _require(value in choices,
                 f"{_label(f)} must be one of {choices}, got {value!r}")
    self._check()

  def _check(self) -> None:
    """The part's own rules beyond types and choices."""

  def _ignored(self, names) -> str:
    """The fields among `names` that differ from their defaults, named for a message."""
    by_name = {f.name: f for f in dataclasses.fields(self)}
    return ", ".join(_label(by_name[n]) for n in _changed_fields(self, names))


@dataclasses.dataclass(frozen=True)
class LatentConfig(_Part):
  """The generator input: incompressible noise z and the latent code c."""

  noise_dim: int = field(62, "Size of the noise z.")
  noise_prior: str = field("uniform", "Prior of z: 'uniform' (U(-1, 1), the official code) or "
                           "'normal' (N(0, 1)).", choices=NOISE_PRIORS)
  noise_scale: float = field(
      1.0, "Multiplies z after drawing it (1 = the prior as named). Small values (e.g. 0.1 with "
      "a normal prior, as in ClusterGAN) leave the codes most of the generator's input "
      "variation.")
  categorical: Tuple[int, ...] = field(
      (10,), "Cardinality of each categorical code, a comma list: 10 for one Cat(10), 10,10 for "
      "two; empty for none.")
  continuous: int = field(2, "Number of continuous codes, each with a U(-1, 1) prior.")

  def code_names(self) -> Tuple[str, ...]:
    """The codes' names in logs, reports and flags: cat0, cat1, ..., cont0, cont1, ..."""
    return (tuple(f"cat{i}" for i in range(len(self.categorical)))
            + tuple(f"cont{j}" for j in range(self.continuous)))

  def _check(self) -> None:
    _require(self.noise_dim >= 0, f"noise_dim must be >= 0, got {self.noise_dim}")
    _require(self.noise_scale > 0, f"noise_scale must be > 0, got {self.noise_scale}")
    for k in self.categorical:
      _require(k >= 2, f"every categorical code needs >= 2 categories, got {k}")
    _require(self.continuous >= 0, f"continuous must be >= 0, got {self.continuous}")
    _require(
        self.noise_dim + sum(self.categorical) + self.continuous > 0,
        "the generator input is empty: set noise_dim, categorical or continuous",
    )


@dataclasses.dataclass(frozen=True)
class ModelConfig(_Part):
  """Which networks to build."""

  architecture: str = field(
      "mnist", "Network family: 'mnist' (28x28, sigmoid output: the paper's MNIST nets), 'svhn' "
      "(32x32, tanh: the paper's SVHN/CelebA nets) or 'sprites64' (64x64, sigmoid: sprite, "
      "shape and face data).", choices=ARCHITECTURES)
  image_shape: Optional[Tuple[int, int, int]] = field(
      None, "height,width,channels the networks produce and consume; empty = the training "
      "data's shape (the trainer writes the resolved shape to config.json).")
  sync_batch_norm: bool = field(False, "Synchronise BatchNormalization statistics across "
                                "replicas.")
  precision: str = field(
      "float32", "'float32', 'mixed_bfloat16' (bfloat16 compute, float32 variables; pays on CPUs "
      "with AVX512_BF16/AMX and on TPUs/recent GPUs, but lowers the codes' match to the data's "
      "factors: docs/performance.md), 'mixed_float16' (float16 compute with dynamic loss "
      "scaling, for GPUs without fast bfloat16: V100, T4), 'auto' (mixed_bfloat16 where the "
      "devices run bfloat16 natively, mixed_float16 on 7.x GPUs, float32 elsewhere; a resumed "
      "run keeps the precision it started with; the choice and its reason are on the start "
      "line and in config.json) or 'float64' (several times slower; a reference for checking "
      "float32 numerics).", choices=PRECISIONS)
  spectral_norm: bool = field(
      False, "Spectral normalisation (Miyato et al. 2018) of the discriminator's trunk and D "
      "head, whose trunk then has no BatchNorm (the SN-GAN recipe; the Q head keeps its "
      "BatchNorm). Off = the paper's nets.")

  def _check(self) -> None:
    if self.image_shape is not None:
      _require(
          len(self.image_shape) == 3 and all(d > 0 for d in self.image_shape),
          f"image_shape must be (height, width, channels), got {self.image_shape}",
      )


@dataclasses.dataclass(frozen=True)
class LossConfig(_Part):
  """Weights and form of the InfoGAN objective, and the IIC extension (off by default)."""

  lambda_categorical: float = field(1.0, "lambda of the categorical part of L_I.")
  lambda_continuous: float = field(0.1, "lambda of the continuous part of L_I.")
  continuous_std: Optional[float] = field(
      None, "'learned': Q learns the Gaussian std of each continuous code (the paper); or a "
      "fixed std (the official code uses 1.0, i.e. a scaled MSE).", none_means="learned")
  real_info_weight: float = field(
      0.0, "Extension, 0 = off (the paper). Also trains Q's categorical heads on real images, "
      "unsupervised: maximise the mutual information between Q's assignments of a real batch "
      "and of a second view of it (IIC, Ji et al. 2019), weighted by this factor, in the D/Q "
      "update.")
  real_info_pairing: str = field(
      "augment", "The second view for real_info_weight: 'augment' (a randomly shifted/flipped "
      "copy of each image) or 'neighbour' (each image's nearest other image of the batch in D's "
      "trunk features, as in SCAN, Van Gansbeke et al. 2020).", choices=REAL_INFO_PAIRINGS)
  augment_shift: int = field(2, "Max shift in pixels of the augmented real copy.")
  augment_flip: bool = field(False, "Also mirror the augmented real copy left-right at random.")
  augment_zoom: float = field(
      0.0, "Also rescale the augmented real copy about its centre by a random factor in "
      "[1 - z, 1 + z] (0 = no zoom): asks Q for size-invariant clusters.")
  cr_weight: float = field(
      0.0, "InfoGAN-CR (Lin et al. 2020), 0 = off: weight in G's loss of the contrastive "
      "regularizer. A pair classifier learns which code a pair of generated images shares (the "
      "pair shares one code's value and differs in the other codes); G is trained to make that "
      "easy, i.e. to give each code its own visible effect.")
  cr_start_step: int = field(
      0, "Step at which G's CR weight starts to rise from 0 (the pair classifier trains from "
      "step 0). The paper's dSprites schedule: 0, then 2.0 from step 288k.")
  cr_ramp_steps: int = field(
      0, "Steps over which G's CR weight rises linearly from 0 to cr_weight after cr_start_step "
      "(0 = all at once).")
  cr_pair_fraction: float = field(
      0.25, "Pairs per step as a fraction of the batch (each pair's first image is one of the "
      "step's generated images; its second is generated for the pair). In (0, 1].")
  cr_codes: Tuple[str, ...] = field(
      (), "Codes a pair may share, e.g. cont0,cont1,cat0 (empty = every code; at least two).")
  cr_gap_start: float = field(
      0.0, "Least distance, at step 0, between a pair's values of each continuous code it does "
      "not share (codes are U(-1, 1); in [0, 1)).")
  cr_gap_end: float = field(
      0.0, "The gap after cr_gap_steps (linear from cr_gap_start; in [0, 1)).")
  cr_gap_steps: int = field(0, "Steps over which the gap moves from cr_gap_start to cr_gap_end.")
  cr_classifier: str = field(
      "separate", "The pair classifier: 'separate' (its own small conv net on the two images "
      "stacked along channels, as in the paper; D is untouched) or 'trunk' (a head on D's "
      "trunk features of both images; the CR loss then also trains D's trunk).",
      choices=CR_CLASSIFIERS)
  cr_learning_rate: Optional[float] = field(
      None, "Adam learning rate of the pair classifier (default: d_learning_rate; Adam's betas "
      "are the optimizer's).", none_means="d_learning_rate")

  def _check(self) -> None:
    _require(self.lambda_categorical >= 0, "lambda_categorical must be >= 0")
    _require(self.lambda_continuous >= 0, "lambda_continuous must be >= 0")
    _require(
        self.continuous_std is None or self.continuous_std > 0,
        f"continuous_std must be 'learned' or > 0, got {self.continuous_std}",
    )
    _require(self.real_info_weight >= 0, "real_info_weight must be >= 0")
    _require(self.augment_shift >= 0, "augment_shift must be >= 0")
    _require(0 <= self.augment_zoom < 1,
             f"augment_zoom must be in [0, 1), got {self.augment_zoom}")
    if self.real_info_weight == 0:  # the IIC extension is off: its settings do nothing
      ignored = self._ignored(("real_info_pairing", "augment_shift", "augment_flip",
                               "augment_zoom"))
      _require(not ignored, f"{ignored}: only used with real_info_weight > 0 "
               "(the IIC extension is off)")
    _require(self.cr_weight >= 0, "cr_weight must be >= 0")
    for name in ("cr_start_step", "cr_ramp_steps", "cr_gap_steps"):
      _require(getattr(self, name) >= 0, f"{name} must be >= 0")
    for name in ("cr_gap_start", "cr_gap_end"):
      value = getattr(self, name)
      _require(0 <= value < 1, f"{name} must be in [0, 1) (continuous codes are U(-1, 1)), "
               f"got {value}")
    _require(0 < self.cr_pair_fraction <= 1,
             f"cr_pair_fraction must be in (0, 1], got {self.cr_pair_fraction}")
    _require(self.cr_learning_rate is None or self.cr_learning_rate > 0,
             "cr_learning_rate must be > 0")
    if self.cr_weight == 0:  # InfoGAN-CR is off: its settings do nothing
      ignored = self._ignored([f.name for f in dataclasses.fields(self)
                               if f.name.startswith("cr_") and f.name != "cr_weight"])
      _require(not ignored, f"{ignored}: only used with cr_weight > 0 (InfoGAN-CR is off)")


# Settings of the ss pseudo-label term (SemiSupervisedConfig), used only when its weight is > 0.
_CONSISTENCY_FIELDS = ("consistency_threshold", "strong_shift", "cutout",
                       "strong_randaugment_ops", "consistency_extra_images",
                       "consistency_alignment", "consistency_from_average",
                       "consistency_adaptive_threshold")


@dataclasses.dataclass(frozen=True)
class SemiSupervisedConfig(_Part):
  """ss-InfoGAN (Spurr et al. 2017): a few labelled real images decide what codes mean.

  A semi-supervised categorical code c_ss is tied to a label column: its category k means
  label k, with no matching. Off (the unsupervised InfoGAN of the paper) when `codes` is empty.

  How labelled images are mixed in: every step sees one unlabelled batch (`batch_size`) and
  beside it one labelled batch of `labelled_batch_size` drawn from the labelled subset. A fixed
  pairing keeps the compiled step's shapes static and gives Q_ss a steady supervised signal;
  the authors' coin flip between labelled and unlabelled batches wastes steps and needs a
  schedule in the checkpoint.
  """

  codes: Tuple[int, ...] = field(
      (), "Indices of the categorical codes that are semi-supervised (ss-InfoGAN), e.g. 0; "
      "empty = unsupervised InfoGAN.", flag="ss_codes")
  label_columns: Tuple[str, ...] = field(
      (), "One per ss code: 'label' (the dataset's class label) or the name of a ground-truth "
      "factor with integer values (e.g. 'shape' of the procedural data). Empty = 'label' for "
      "every ss code.")
  labels_per_class: int = field(
      0, "Labelled training images per class of the first ss code's column (balanced, drawn "
      "with label_seed); 0 to use labelled_fraction instead.")
  labelled_fraction: float = field(
      0.0, "Fraction of the labelled training images to use when labels_per_class is 0 (drawn "
      "with label_seed, not balanced; 1 = all of them).")
  label_seed: int = field(0, "Seed of the labelled-subset draw (independent of the training "
                          "seed).")
  labelled_batch_size: int = field(32, "Global size of the labelled batch trained beside each "
                                   "unlabelled one.")
  lambda_ss: float = field(1.0, "Weight of L_IS1 (Q_ss on labelled real images, D step) and "
                           "L_IS2 (Q_ss on generated images, G step).")
  q_ss_on_generated: bool = field(
      False, "Also train Q_ss (D step) on generated images against the c_ss that made them. "
      "Off = the authors' code: Q_ss learns from labelled real images only.")
  augment_shift: int = field(2, "Max shift in pixels of the labelled images (and of the strong "
                             "view).", flag="ss_augment_shift")
  augment_flip: bool = field(
      False, "Mirror labelled images (and the strong view) left-right at random: suits clothes "
      "and shapes, not digits.", flag="ss_augment_flip")
  labelled_cutout: int = field(0, "Side of a square cut out of each labelled image (0 = none).")
  consistency_weight: float = field(
      0.0, "Weight of the pseudo-label term on unlabelled real images (0 = off): Q_ss's "
      "confident arg-max on a real image is the target for a strongly augmented copy.")
  consistency_threshold: float = field(0.95, "Minimum max-probability for an image to get a "
                                       "pseudo-label.")
  strong_shift: int = field(4, "Max shift in pixels of the strong view.")
  cutout: int = field(12, "Side of the square cut out of the strong view (0 = none).")
  strong_randaugment_ops: int = field(
      0, "RandAugment operations drawn per image for the strong view, between the shift/mirror "
      "and the cut-out (FixMatch uses 2); 0 = the strong view is shifted, mirrored and cut out "
      "only.")
  consistency_extra_images: int = field(
      0, "Global number of extra unlabelled real images per step that only the pseudo-label "
      "term sees, beside the unlabelled GAN batch (FixMatch trains on several times more "
      "unlabelled than labelled images; 0 = the GAN batch only).")
  consistency_alignment: bool = field(
      False, "Distribution alignment (ReMixMatch, Berthelot et al. 2020): divide Q_ss's "
      "weak-view probabilities by their mean over the replica's batch and renormalise before "
      "taking pseudo-labels, so classes Q_ss under-predicts still get pseudo-labels.")
  consistency_from_average: bool = field(
      False, "Take the pseudo-labels from the moving average of D's weights (a mean teacher; "
      "needs d_average_decay > 0) instead of D itself.")
  consistency_adaptive_threshold: bool = field(
      False, "Per-class self-adaptive thresholds (FreeMatch, Wang et al. 2023) instead of the "
      "fixed consistency_threshold: classes Q_ss is less sure of get lower thresholds.")

  def __post_init__(self):
    super().__post_init__()
    if self.codes and not self.label_columns:  # the class label by default
      object.__setattr__(self, "label_columns", ("label",) * len(self.codes))

  @property
  def enabled(self) -> bool:
    return bool(self.codes)

  def _check(self) -> None:
    if not self.enabled:  # every other setting would be silently ignored
      ignored = self._ignored([f.name for f in dataclasses.fields(self) if f.name != "codes"])
      _require(not ignored, f"{ignored}: only used with semi-supervised codes (set ss_codes)")
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
             "ss_augment_shift and strong_shift must be >= 0")
    _require(self.consistency_weight >= 0, "consistency_weight must be >= 0")
    _require(0 < self.consistency_threshold <= 1,
             f"consistency_threshold must be in (0, 1], got {self.consistency_threshold}")
    _require(self.cutout >= 0 and self.labelled_cutout >= 0,
             "cutout and labelled_cutout must be >= 0")
    _require(self.consistency_extra_images >= 0, "consistency_extra_images must be >= 0")
    _require(0 <= self.strong_randaugment_ops <= 10,
             f"strong_randaugment_ops must be in [0, 10], got {self.strong_randaugment_ops}")
    if self.consistency_weight == 0:  # the pseudo-label term is off: its settings do nothing
      ignored = self._ignored(_CONSISTENCY_FIELDS)
      _require(not ignored, f"{ignored}: only used with consistency_weight > 0 "
               "(the pseudo-label term is off)")


@dataclasses.dataclass(frozen=True)
class OptimizerConfig(_Part):
  """Adam settings (Q trains with D's optimizer, as in the official code) and weight averaging."""

  d_learning_rate: float = field(2e-4, "Adam learning rate of D's trunk, D head and Q head.")
  g_learning_rate: float = field(1e-3, "Adam learning rate of G.")
  beta1: float = field(0.5, "Adam beta1 (both optimisers).")
  beta2: float = field(0.999, "Adam beta2 (both optimisers).")
  d_average_decay: float = field(
      0.0, "Keep an exponential moving average of D's weights with this decay per step (0.999 "
      "averages over ~1000 steps); evaluation and export then encode with the average. 0 = off: "
      "they use the last weights.")

  @property
  def averages_discriminator(self) -> bool:
    return self.d_average_decay > 0

  def _check(self) -> None:
    _require(self.d_learning_rate > 0, "d_learning_rate must be > 0")
    _require(self.g_learning_rate > 0, "g_learning_rate must be > 0")
    _require(0 <= self.beta1 < 1 and 0 <= self.beta2 < 1, "beta1/beta2 must be in [0, 1)")
    _require(0 <= self.d_average_decay < 1,
             f"d_average_decay must be in [0, 1), got {self.d_average_decay}")


@dataclasses.dataclass(frozen=True)
class DataConfig(_Part):
  """Where training images come from."""

  name: str = field("procedural", "Training data (each dataset's record: "
                    "infogan_tf/datasets.py; a table in docs/flags.md).",
                    choices=datasets.NAMES, flag="dataset")
  data_dir: Optional[str] = field(None, "tfds data dir, IDX directory or image folder (meaning "
                                  "depends on the dataset).")
  split: str = field("train", "Split to train on.")
  image_size: int = field(28, "Side length images are resized to (celeb_a, folder) or rendered "
                          "at (procedural); other datasets keep their native size.")
  channels: int = field(1, "Channels of folder and procedural images (1 or 3); other datasets "
                        "keep their files' channels.")
  num_examples: int = field(20000, "Number of procedural images to render.")
  shuffle_buffer: int = field(10000, "tf.data shuffle buffer size.")
  cache: bool = field(True, "Cache decoded images in memory.")
  in_order: bool = field(True, "Keep tf.data's parallel maps in order, so the images come in "
                         "the seed's order and a run repeats on one machine. False: up to ~2x "
                         "more batches/s from the pipeline (benchmarks/studies/pipeline_order.py), "
                         "for an accelerator whose step outruns it; runs then differ.")
  unlabelled_folder: str = field("unlabelled", "Folder data: the sub-folder of images without a "
                                 "label (the others are classes).")

  def _check(self) -> None:
    _require(self.image_size >= 8, f"image_size must be >= 8, got {self.image_size}")
    _require(self.channels in (1, 3), f"channels must be 1 or 3, got {self.channels}")
    _require(self.num_examples > 0, "num_examples must be > 0")
    _require(self.shuffle_buffer >= 1, "shuffle_buffer must be >= 1")
    if datasets.get(self.name).needs_data_dir:
      _require(bool(self.data_dir), f"dataset={self.name} needs data_dir")


@dataclasses.dataclass(frozen=True)
class TrainConfig(_Part):
  """How long and where to train."""

  workdir: str = field("", "Run directory: checkpoints, summaries, config.json and traversal "
                       "PNGs go here (required).")
  steps: int = field(1000, "Total number of training steps (rerunning continues up to it).")
  batch_size: int = field(64, "Global batch size, split evenly over replicas.")
  seed: int = field(0, "Seeds the latent sampler, data order and initialisation.")
  strategy: str = field("mirrored", "Distribution strategy: 'mirrored' (the devices of one "
                        "machine), 'one_device' or 'multi_worker' (TF_CONFIG).",
                        choices=STRATEGIES)
  virtual_cpus: int = field(0, "Split the host CPU into this many logical devices (0 = leave "
                            "as is).")
  jit_compile: bool = field(False, "Compile the per-replica step with XLA.")
  steps_per_loop: int = field(10, "Train steps per host call of the compiled loop.")
  log_every: int = field(50, "Steps between progress/metric logs.")
  checkpoint_every: int = field(500, "Steps between checkpoints.")
  image_every: int = field(500, "Steps between traversal grids (TensorBoard + PNG).")
  keep_checkpoints: int = field(3, "Checkpoints to keep.")

  def _check(self) -> None:
    _require(bool(self.workdir), "workdir is required (--workdir=/path/to/run)")
    _require(self.steps > 0, f"steps must be > 0, got {self.steps}")
    _require(self.batch_size > 0, f"batch_size must be > 0, got {self.batch_size}")
    _require(self.virtual_cpus >= 0, "virtual_cpus must be >= 0")
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

  def cr_participating_codes(self) -> Tuple[str, ...]:
    """The codes an InfoGAN-CR pair may share, in the latent's order (cat0, ..., cont0, ...):
    `loss.cr_codes`, or every code when it is empty."""
    names = self.latent.code_names()
    chosen = set(self.loss.cr_codes or names)
    return tuple(n for n in names if n in chosen)

  def validate(self) -> "ExperimentConfig":
    """Checks every field; raises ConfigError naming what to fix. Returns self. (That each
    batch splits evenly over the replicas is checked by `train`, against the strategy it runs
    on.)"""
    for part in (self.latent, self.model, self.loss, self.optimizer, self.data, self.train,
                 self.semi_supervised):
      part.validate()
    ss = self.semi_supervised
    for c in ss.codes:
      _require(c < len(self.latent.categorical),
               f"ss code {c} does not exist: the latent has {len(self.latent.categorical)} "
               "categorical code(s) (--categorical)")
    if self.loss.cr_weight > 0:
      names = self.latent.code_names()
      for code in self.loss.cr_codes:
        _require(code in names, f"cr_codes: {code!r} is not a code of this latent (codes: "
                 f"{', '.join(names) or 'none'})")
      _require(len(self.cr_participating_codes()) >= 2,
               f"InfoGAN-CR needs at least two codes a pair may share, got "
               f"{list(self.cr_participating_codes())} (--cr_codes, --categorical, "
               "--continuous)")
    _require(self.optimizer.averages_discriminator or not ss.consistency_from_average,
             "consistency_from_average needs d_average_decay > 0 (the average to take "
             "pseudo-labels from)")
    if self.model.image_shape is not None and datasets.get(self.data.name).sized:
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
      sub_cls = PART_TYPES[field.name]
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


# The parts of an ExperimentConfig, in order: {field name: part class}.
PART_TYPES = {
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
                resume: Optional[dict] = None, precision_choice: Optional[dict] = None,
                machine: Optional[dict] = None) -> str:
  """Writes config.json into workdir (atomically) and returns its path.

  The file holds the config (what `load_config` reads) and a `history`: the first run's config
  stays as `original`, and every resume that changed something appends
  {'step': resumed at, 'date', 'changed': {'part.field': [old, new]}}.

  Args:
    config: The config this run uses.
    workdir: The run directory.
    resume: For a resumed run, {'step': ..., 'changed': ...} to append to the history.
    precision_choice: {'requested', 'precision', 'reason'} of a run whose precision was 'auto'
      (kept as `precision_choice`; a later save without it keeps the earlier one).
    machine: `infogan_tf.machine.describe()` of the machine training now: the first one is kept
      as the history's `machine`, a resume on another CPU or TensorFlow is appended to
      `machines` (the model card names them).
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
  if machine is not None:
    history = record["history"]
    if "machine" not in history:
      history["machine"] = machine
    elif not any(_same_machine(m, machine)
                 for m in [history["machine"], *history.get("machines", [])]):
      history.setdefault("machines", []).append(machine)
  choice = precision_choice or previous.get("precision_choice")
  if choice:
    record["precision_choice"] = choice
  if resume is not None and resume.get("changed"):
    record["history"]["resumes"].append(
        {"date": time.strftime("%Y-%m-%d %H:%M:%S"), **resume})
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    f.write(json.dumps(record, indent=2, sort_keys=True) + "\n")
  os.replace(tmp, path)
  return path


def _same_machine(a: dict, b: dict) -> bool:
  return all(a.get(k) == b.get(k) for k in ("cpu", "isa", "cores", "tensorflow"))


def load_history(workdir: str) -> dict:
  """config.json's `history` (see `save_config`); {} for a run written before it had one."""
  with open(os.path.join(workdir, CONFIG_FILENAME)) as f:
    record = json.load(f)
  return {**record.get("history", {}), "precision_choice": record.get("precision_choice")}


def load_config(workdir: str) -> ExperimentConfig:
  """Reads the config.json written by `save_config`."""
  path = os.path.join(workdir, CONFIG_FILENAME)
  if not os.path.exists(path):
    raise ConfigError(f"no {CONFIG_FILENAME} in {workdir}: is it a training workdir?")
  with open(path) as f:
    record = json.load(f)
  record.pop("history", None)
  record.pop("precision_choice", None)
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


# Options that add state to the checkpoint: they cannot be switched on or off on resume. (The
# loss families' own state is checked the same way by `objectives.check_resume`.)
_CHECKPOINTED_OPTIONS = {
    "a moving average of D (d_average_decay)":
        lambda c: c.optimizer.averages_discriminator,
}


def config_changes(saved: ExperimentConfig, new: ExperimentConfig) -> dict:
  """{'part.field': [old, new]} for every field that differs."""
  changes = {}
  for part in PART_TYPES:
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
