"""Every trainer flag, and the one place flags become a typed `ExperimentConfig`."""

from __future__ import annotations

from absl import flags

from infogan_tf import config as config_lib

_D = config_lib.ExperimentConfig()


def define_flags(fv: flags.FlagValues = flags.FLAGS) -> None:
  """Defines the trainer flags on `fv` (idempotent per FlagValues)."""
  if "workdir" in fv:
    return
  # Run.
  flags.DEFINE_string("workdir", None, "Run directory (checkpoints, summaries, PNGs).",
                      flag_values=fv)
  flags.DEFINE_integer("steps", _D.train.steps, "Total training steps (resume continues to it).",
                       flag_values=fv)
  flags.DEFINE_integer("batch_size", _D.train.batch_size, "Global batch size.", flag_values=fv)
  flags.DEFINE_integer("seed", _D.train.seed, "Seed for init, latents and data order.",
                       flag_values=fv)
  flags.DEFINE_enum("strategy", _D.train.strategy, list(config_lib.STRATEGIES),
                    "Distribution strategy.", flag_values=fv)
  flags.DEFINE_integer("virtual_cpus", _D.train.virtual_cpus,
                       "Split the CPU into N logical devices (0: leave as is).", flag_values=fv)
  flags.DEFINE_bool("jit_compile", _D.train.jit_compile, "Compile the step with XLA.",
                    flag_values=fv)
  flags.DEFINE_integer("steps_per_loop", _D.train.steps_per_loop,
                       "Train steps per host call.", flag_values=fv)
  flags.DEFINE_integer("log_every", _D.train.log_every, "Steps between metric logs.",
                       flag_values=fv)
  flags.DEFINE_integer("checkpoint_every", _D.train.checkpoint_every,
                       "Steps between checkpoints.", flag_values=fv)
  flags.DEFINE_integer("image_every", _D.train.image_every,
                       "Steps between traversal grids.", flag_values=fv)
  flags.DEFINE_bool("debug", False, "Print the traceback of an error (also INFOGAN_DEBUG=1).",
                    flag_values=fv)
  flags.DEFINE_bool("verbose", False, "Show TensorFlow's own C++ log lines (also "
                    "INFOGAN_TF_VERBOSE=1).", flag_values=fv)
  flags.DEFINE_bool("allow_resume_changes", False,
                    "Let a resumed run change its data, batch size or labelled subset "
                    "(recorded in config.json's history); refused otherwise.", flag_values=fv)
  flags.DEFINE_integer("keep_checkpoints", _D.train.keep_checkpoints,
                       "Checkpoints to keep.", flag_values=fv)
  # Data.
  flags.DEFINE_enum("dataset", _D.data.name, list(config_lib.DATASETS), "Training data.",
                    flag_values=fv)
  flags.DEFINE_string("data_dir", None, "tfds data dir, IDX folder or image folder.",
                      flag_values=fv)
  flags.DEFINE_string("split", _D.data.split, "Split to train on.", flag_values=fv)
  flags.DEFINE_integer("image_size", _D.data.image_size,
                       "Image side for procedural, folder and celeb_a data.", flag_values=fv)
  flags.DEFINE_integer("channels", _D.data.channels,
                       "Channels for folder and procedural data (1 or 3).", flag_values=fv)
  flags.DEFINE_integer("num_examples", _D.data.num_examples,
                       "Procedural images to render.", flag_values=fv)
  flags.DEFINE_integer("shuffle_buffer", _D.data.shuffle_buffer, "Shuffle buffer size.",
                       flag_values=fv)
  flags.DEFINE_bool("cache", _D.data.cache, "Cache decoded images in memory.", flag_values=fv)
  # Model.
  flags.DEFINE_enum("architecture", _D.model.architecture, list(config_lib.ARCHITECTURES),
                    "Network family.", flag_values=fv)
  flags.DEFINE_bool("sync_batch_norm", _D.model.sync_batch_norm,
                    "Synchronise BatchNorm across replicas.", flag_values=fv)
  flags.DEFINE_bool("spectral_norm", _D.model.spectral_norm,
                    "Spectrally normalised discriminator trunk and D head (no BatchNorm in the "
                    "trunk), instead of the paper's BatchNorm discriminator.", flag_values=fv)
  flags.DEFINE_enum("precision", _D.model.precision, list(config_lib.PRECISIONS),
                    "float32, or mixed_bfloat16 (bf16 compute, f32 variables).",
                    flag_values=fv)
  # Latent code.
  flags.DEFINE_integer("noise_dim", _D.latent.noise_dim, "Size of the noise z.", flag_values=fv)
  flags.DEFINE_enum("noise_prior", _D.latent.noise_prior, list(config_lib.NOISE_PRIORS),
                    "Prior of z.", flag_values=fv)
  flags.DEFINE_float("noise_scale", _D.latent.noise_scale,
                     "Multiplies z after drawing it (e.g. 0.1 with a normal prior, as in "
                     "ClusterGAN).", flag_values=fv)
  flags.DEFINE_list("categorical", [str(k) for k in _D.latent.categorical],
                    "Comma list of categorical code cardinalities ('' for none).",
                    flag_values=fv)
  flags.DEFINE_integer("continuous", _D.latent.continuous,
                       "Number of U(-1, 1) continuous codes.", flag_values=fv)
  # Loss and optimiser.
  flags.DEFINE_float("lambda_categorical", _D.loss.lambda_categorical,
                     "lambda for categorical L_I.", flag_values=fv)
  flags.DEFINE_float("lambda_continuous", _D.loss.lambda_continuous,
                     "lambda for continuous L_I.", flag_values=fv)
  flags.DEFINE_string("continuous_std", "learned",
                      "'learned' (paper) or a fixed Gaussian std for Q, e.g. 1.0.",
                      flag_values=fv)
  flags.DEFINE_float("real_info_weight", _D.loss.real_info_weight,
                     "Extension (0 = paper): weight of the IIC mutual information between Q's "
                     "categorical assignments of real images and of a second view of them "
                     "(see --real_info_pairing).", flag_values=fv)
  flags.DEFINE_enum("real_info_pairing", _D.loss.real_info_pairing,
                    list(config_lib.REAL_INFO_PAIRINGS),
                    "Second view for --real_info_weight: 'augment' (shifted/flipped copy) or "
                    "'neighbour' (nearest other image of the batch in D's trunk features).",
                    flag_values=fv)
  flags.DEFINE_integer("augment_shift", _D.loss.augment_shift,
                       "Max pixel shift of the augmented real copy.", flag_values=fv)
  flags.DEFINE_bool("augment_flip", _D.loss.augment_flip,
                    "Randomly mirror the augmented real copy.", flag_values=fv)
  flags.DEFINE_float("augment_zoom", _D.loss.augment_zoom,
                     "Also zoom the augmented real copy by a random factor in "
                     "[1 - z, 1 + z] (0: no zoom).", flag_values=fv)
  # Semi-supervised codes (ss-InfoGAN).
  _S = _D.semi_supervised
  flags.DEFINE_list("ss_codes", [], "Indices of the categorical codes that are semi-supervised "
                    "(ss-InfoGAN), e.g. 0 ('' = unsupervised InfoGAN).", flag_values=fv)
  flags.DEFINE_list("label_columns", [], "Label column of each ss code: 'label' (the class) or "
                    "a factor name such as 'shape'. Default: 'label' for every ss code.",
                    flag_values=fv)
  flags.DEFINE_integer("labels_per_class", _S.labels_per_class,
                       "Labelled training images per class (balanced, drawn with --label_seed).",
                       flag_values=fv)
  flags.DEFINE_float("labelled_fraction", _S.labelled_fraction,
                     "Or: this fraction of the labelled training images (1 = all of them).",
                     flag_values=fv)
  flags.DEFINE_integer("label_seed", _S.label_seed, "Seed of the labelled-subset draw.",
                       flag_values=fv)
  flags.DEFINE_integer("labelled_batch_size", _S.labelled_batch_size,
                       "Global labelled batch trained beside every unlabelled batch.",
                       flag_values=fv)
  flags.DEFINE_float("lambda_ss", _S.lambda_ss,
                     "Weight of L_IS1 (labelled real images) and L_IS2 (generated images).",
                     flag_values=fv)
  flags.DEFINE_bool("q_ss_on_generated", _S.q_ss_on_generated,
                    "Also train Q_ss on generated images (the authors' code does not).",
                    flag_values=fv)
  flags.DEFINE_integer("ss_augment_shift", _S.augment_shift,
                       "Max pixel shift of labelled images.", flag_values=fv)
  flags.DEFINE_bool("ss_augment_flip", _S.augment_flip,
                    "Mirror labelled images and the strong view at random (clothes, shapes; "
                    "not digits).", flag_values=fv)
  flags.DEFINE_integer("labelled_cutout", _S.labelled_cutout,
                       "Side of a square cut out of each labelled image (0 = none).",
                       flag_values=fv)
  flags.DEFINE_float("consistency_weight", _S.consistency_weight,
                     "Weight of the pseudo-label term on unlabelled real images (0 = off).",
                     flag_values=fv)
  flags.DEFINE_float("consistency_threshold", _S.consistency_threshold,
                     "Q_ss confidence needed for a pseudo-label.", flag_values=fv)
  flags.DEFINE_integer("strong_shift", _S.strong_shift, "Max pixel shift of the strong view.",
                       flag_values=fv)
  flags.DEFINE_integer("cutout", _S.cutout, "Side of the square cut out of the strong view.",
                       flag_values=fv)
  flags.DEFINE_integer("strong_randaugment_ops", _S.strong_randaugment_ops,
                       "RandAugment operations per image in the strong view (FixMatch: 2; "
                       "0 = shift, mirror and cut-out only).", flag_values=fv)
  flags.DEFINE_integer("consistency_extra_images", _S.consistency_extra_images,
                       "Extra unlabelled real images per step for the pseudo-label term only "
                       "(global; 0 = the GAN batch only).", flag_values=fv)
  flags.DEFINE_bool("consistency_alignment", _S.consistency_alignment,
                    "Distribution alignment of the pseudo-labels (divide by the batch's mean "
                    "prediction).", flag_values=fv)
  flags.DEFINE_bool("consistency_from_average", _S.consistency_from_average,
                    "Pseudo-labels from the moving average of D's weights (a mean teacher; "
                    "needs --d_average_decay).", flag_values=fv)
  flags.DEFINE_bool("consistency_adaptive_threshold", _S.consistency_adaptive_threshold,
                    "Per-class self-adaptive pseudo-label thresholds (FreeMatch) instead of "
                    "--consistency_threshold.", flag_values=fv)
  flags.DEFINE_string("unlabelled_folder", _D.data.unlabelled_folder,
                      "--dataset=folder: the sub-folder of images without labels.",
                      flag_values=fv)
  flags.DEFINE_float("d_learning_rate", _D.optimizer.d_learning_rate, "Adam lr of D and Q.",
                     flag_values=fv)
  flags.DEFINE_float("g_learning_rate", _D.optimizer.g_learning_rate, "Adam lr of G.",
                     flag_values=fv)
  flags.DEFINE_float("beta1", _D.optimizer.beta1, "Adam beta1.", flag_values=fv)
  flags.DEFINE_float("beta2", _D.optimizer.beta2, "Adam beta2.", flag_values=fv)
  flags.DEFINE_float("d_average_decay", _D.optimizer.d_average_decay,
                     "Moving average of D's weights with this decay per step, used by "
                     "evaluation and export (0 = off: the last weights).", flag_values=fv)


def _int_list(name: str, values) -> tuple:
  try:
    return tuple(int(v) for v in values if str(v).strip())
  except ValueError:
    raise config_lib.ConfigError(
        f"--{name} must be a comma list of integers, got {','.join(values)!r}") from None


def _std(value: str):
  if value.strip().lower() == "learned":
    return None
  try:
    return float(value)
  except ValueError:
    raise config_lib.ConfigError(
        f"--continuous_std must be 'learned' or a number, got {value!r}") from None


def config_from_flags(fv: flags.FlagValues = flags.FLAGS) -> config_lib.ExperimentConfig:
  """Builds and validates the ExperimentConfig from parsed flags.

  Raises:
    ConfigError: With a one-line message naming the flag to fix.
  """
  if not fv.workdir:
    raise config_lib.ConfigError("--workdir is required (where checkpoints and outputs go)")
  config = config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(
          noise_dim=fv.noise_dim, noise_prior=fv.noise_prior, noise_scale=fv.noise_scale,
          categorical=_int_list("categorical", fv.categorical), continuous=fv.continuous),
      model=config_lib.ModelConfig(architecture=fv.architecture, image_shape=None,
                                   sync_batch_norm=fv.sync_batch_norm,
                                   precision=fv.precision,
                                   spectral_norm=fv.spectral_norm),
      loss=config_lib.LossConfig(lambda_categorical=fv.lambda_categorical,
                                 lambda_continuous=fv.lambda_continuous,
                                 continuous_std=_std(fv.continuous_std),
                                 real_info_weight=fv.real_info_weight,
                                 real_info_pairing=fv.real_info_pairing,
                                 augment_shift=fv.augment_shift,
                                 augment_flip=fv.augment_flip,
                                 augment_zoom=fv.augment_zoom),
      optimizer=config_lib.OptimizerConfig(d_learning_rate=fv.d_learning_rate,
                                           g_learning_rate=fv.g_learning_rate,
                                           beta1=fv.beta1, beta2=fv.beta2,
                                           d_average_decay=fv.d_average_decay),
      data=config_lib.DataConfig(name=fv.dataset, data_dir=fv.data_dir, split=fv.split,
                                 image_size=fv.image_size, channels=fv.channels,
                                 num_examples=fv.num_examples,
                                 shuffle_buffer=fv.shuffle_buffer, cache=fv.cache,
                                 unlabelled_folder=fv.unlabelled_folder),
      train=config_lib.TrainConfig(
          workdir=fv.workdir, steps=fv.steps, batch_size=fv.batch_size, seed=fv.seed,
          strategy=fv.strategy, virtual_cpus=fv.virtual_cpus, jit_compile=fv.jit_compile,
          steps_per_loop=fv.steps_per_loop, log_every=fv.log_every,
          checkpoint_every=fv.checkpoint_every, image_every=fv.image_every,
          keep_checkpoints=fv.keep_checkpoints),
      semi_supervised=_semi_supervised(fv),
  )
  return config.validate()


def _semi_supervised(fv: flags.FlagValues) -> config_lib.SemiSupervisedConfig:
  codes = _int_list("ss_codes", fv.ss_codes)
  columns = tuple(c.strip() for c in fv.label_columns if c.strip())
  if codes and not columns:
    columns = ("label",) * len(codes)
  return config_lib.SemiSupervisedConfig(
      codes=codes, label_columns=columns, labels_per_class=fv.labels_per_class,
      labelled_fraction=fv.labelled_fraction, label_seed=fv.label_seed,
      labelled_batch_size=fv.labelled_batch_size, lambda_ss=fv.lambda_ss,
      q_ss_on_generated=fv.q_ss_on_generated, augment_shift=fv.ss_augment_shift,
      augment_flip=fv.ss_augment_flip, labelled_cutout=fv.labelled_cutout,
      consistency_weight=fv.consistency_weight,
      consistency_threshold=fv.consistency_threshold, strong_shift=fv.strong_shift,
      cutout=fv.cutout, strong_randaugment_ops=fv.strong_randaugment_ops,
      consistency_extra_images=fv.consistency_extra_images,
      consistency_alignment=fv.consistency_alignment,
      consistency_from_average=fv.consistency_from_average,
      consistency_adaptive_threshold=fv.consistency_adaptive_threshold)
