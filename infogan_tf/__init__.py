"""infogan_tf: InfoGAN (Chen et al., 2016) and ss-InfoGAN (Spurr et al., 2017) in TF 2 / Keras 3.

The public surface (each name has its own docstring):

  configs      ExperimentConfig and its parts: LatentConfig, ModelConfig, LossConfig,
               SemiSupervisedConfig, OptimizerConfig, DataConfig, TrainConfig; load_config
  train        train(config) -> TrainResult: trains (or resumes) a workdir
  evaluate     evaluate(workdir) -> report dict (also written to <workdir>/eval/report.json)
  export       export(workdir, export_dir) -> ExportResult: a TF Serving SavedModel version
               with encoder.keras and generator.keras beside it
  refine       refine(workdir, RefineConfig()) -> RefineResult: self-labelling, a finishing
               step that sharpens the categorical codes (writes <workdir>/refined)
  InfoGAN      the model: G, D with its Q head, the latent code; compile/fit, encode, generate,
               sample, invert, save as .keras, InfoGAN.from_workdir(run | refined | selection)
  callbacks    the package's periodic work for fit: Evaluate, Traversals, NonFiniteGuard,
               CalibrateBatchNorm
  models       Generator, Discriminator, DiscriminatorOutput, build_models, LatentSpec
  errors       InfoGANError (the root of every error the library raises) and each class,
               all exported here: ConfigError, WorkdirError, DataError, CheckpointError, ...
  Keras reuse  SavedModelLayer (an exported signature as a Keras layer), LatentInput

Importing the package registers its Keras classes, so `keras.models.load_model` reads the
exported `.keras` files (and `InfoGAN`'s) after `import infogan_tf`.

Importing it also sets TF_ENABLE_ONEDNN_OPTS=1 for the whole process when the variable is not
set (`os.environ.setdefault`): TensorFlow then uses its oneDNN CPU kernels on AVX2-only CPUs too,
where it would fall back to Eigen's (2.1x slower for these nets). It takes effect only when
infogan_tf is imported before TensorFlow; set TF_ENABLE_ONEDNN_OPTS=0 to keep Eigen's kernels.
"""

import os

# TensorFlow turns its oneDNN CPU kernels on by default only on CPUs with AVX512/AMX
# features; on AVX2-only CPUs it falls back to Eigen, which trains these nets 2.1x slower
# (124 vs 263 images/s, MNIST nets, batch 64, 2-core AVX2 AMD EPYC: the two train-step
# matrices of docs/results.md, from benchmarks/throughput.py).
# setdefault: an explicit TF_ENABLE_ONEDNN_OPTS=0 still wins. Read when TensorFlow is first
# imported, so this takes effect when infogan_tf is imported before TensorFlow.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from infogan_tf.cli import tf_log_filter as _tf_log_filter  # noqa: E402  (stdlib only)

# The command-line tools ask for TensorFlow's C++ start-up lines to be filtered (before
# TensorFlow is imported just below); library users keep their stderr as it is.
if os.environ.pop(_tf_log_filter.QUIET_ENV, "") == "1":
  _tf_log_filter.install()

from infogan_tf.config import (  # noqa: E402
    ConfigError, DataConfig, ExperimentConfig, LatentConfig, LossConfig, ModelConfig,
    OptimizerConfig, SemiSupervisedConfig, TrainConfig, load_config)
from infogan_tf.errors import (CheckpointError, DataError, ExportError,  # noqa: E402
                               InfoGANError, NonFiniteLossError, NonFiniteStateError,
                               RefineError, RunsNotFinishedError, SelectionError,
                               TerminationRequested, WorkdirError, WorkdirLockedError,
                               WorkerLostError)
from infogan_tf.evaluation import evaluate  # noqa: E402
from infogan_tf.latent import LatentSample, LatentSpec  # noqa: E402
from infogan_tf.model import InfoGAN  # noqa: E402
from infogan_tf import callbacks  # noqa: E402
from infogan_tf.self_labelling import RefineConfig, RefineResult, refine  # noqa: E402
from infogan_tf.models import (Discriminator, DiscriminatorOutput, Generator,  # noqa: E402
                               build_models)
from infogan_tf.serving.exporter import ExportResult  # noqa: E402
from infogan_tf.serving.exporter import export_workdir as export  # noqa: E402
from infogan_tf.serving.keras_files import LatentInput  # noqa: E402
from infogan_tf.serving.keras_layers import SavedModelLayer  # noqa: E402
from infogan_tf.training import TrainResult, train  # noqa: E402

__version__ = "0.2.0"

__all__ = [
    "CheckpointError", "ConfigError", "DataConfig", "DataError", "Discriminator",
    "DiscriminatorOutput", "ExperimentConfig", "ExportError", "ExportResult", "Generator",
    "InfoGAN", "InfoGANError", "LatentConfig", "LatentInput", "LatentSample", "LatentSpec",
    "LossConfig", "ModelConfig", "NonFiniteLossError", "NonFiniteStateError", "OptimizerConfig",
    "RefineConfig", "RefineError", "RefineResult", "RunsNotFinishedError", "SavedModelLayer",
    "SelectionError", "SemiSupervisedConfig", "TerminationRequested", "TrainConfig",
    "TrainResult", "WorkdirError", "WorkdirLockedError", "WorkerLostError", "build_models",
    "callbacks", "evaluate", "export", "load_config", "refine", "train",
]
