"""The public surface is pinned, as TF-GAN pins its exposed symbols: `infogan_tf.__all__`, the
parameters of the package's entry points and every command with its own flags. A change here is
an API change: update the pin on purpose, in the same commit as the CHANGELOG-worthy change.
(The exported signatures are pinned in tests/export/public_api_test.py.)"""

import inspect
import json
import os
import subprocess
import sys

import pytest

import infogan_tf as ig
from tests import helpers

ALL = [
    "CheckpointError", "ConfigError", "DataConfig", "DataError", "Discriminator",
    "DiscriminatorOutput", "ExperimentConfig", "ExportError", "ExportResult", "Generator",
    "InfoGAN", "InfoGANError", "LatentConfig", "LatentInput", "LatentSample", "LatentSpec",
    "LossConfig", "ModelConfig", "NonFiniteLossError", "NonFiniteStateError", "OptimizerConfig",
    "RefineConfig", "RefineError", "RefineResult", "RunsNotFinishedError", "SavedModelLayer",
    "SelectionError", "SemiSupervisedConfig", "TerminationRequested", "TrainConfig",
    "TrainResult", "WorkdirError", "WorkdirLockedError", "WorkerLostError", "build_models",
    "callbacks", "evaluate", "export", "load_config", "refine", "train",
]

PARAMETERS = {
    "train": ["config", "stream", "strategy", "allow_resume_changes"],
    "evaluate": ["workdir", "num_samples", "classifier_dir", "probe_fractions",
                 "max_train_examples", "checkpoint", "seed", "write", "output_dir",
                 "projector_images", "agreement", "dci_boosted_trees"],
    "export": ["workdir", "export_dir", "version", "checkpoint", "model_name",
               "serving_base_path"],
    "refine": ["workdir", "config", "output_dir", "stream"],
    "load_config": ["workdir"],
    "build_models": ["config"],
}

COMMON = ["debug", "verbose"]
# Each command's own flags (trainers.main and trainers.sweep also take every config flag, which
# tests/trainers/flags_test.py pins against docs/training.md and docs/flags.md).
COMMANDS = {
    "trainers.main": ["allow_resume_changes"],
    "trainers.sweep": ["allow_resume_changes", "allow_unfinished", "criterion", "seeds", "select",
                       "select_images", "select_only", "task_index", "wait"],
    "trainers.evaluate": ["checkpoint", "classifier_dir", "dci_boosted_trees", "num_samples",
                          "output_dir", "probe_fractions", "projector_images", "seed",
                          "workdir"],
    "trainers.select": ["allow_unfinished", "criterion", "num_images", "output", "seed", "wait",
                        "workdirs"],
    "trainers.refine": ["augment", "batch_size", "class_weights", "epochs", "flip",
                        "generated_batch_size", "info_weight", "layers", "learning_rate",
                        "max_images", "max_shift", "output_dir", "randaugment_ops", "rounds",
                        "seed", "threshold", "workdir"],
    "export.main": ["checkpoint", "export_dir", "model_name", "serving_base_path", "version",
                    "workdir"],
    "export.client_main": ["classes", "count", "images", "model_name", "out", "print_request",
                           "protocol", "restarts", "seed", "server", "signature", "steps",
                           "timeout", "version"],
    "export.explore": ["allowed_hosts", "host", "model_dir", "model_name", "port", "server"],
}

LIST_FLAGS = r"""
import importlib, json, sys
from absl import flags
import infogan_tf
from infogan_tf.cli import config_flags
before = set(flags.FLAGS)
module = importlib.import_module(sys.argv[1])
if hasattr(module, "define_flags"):
  module.define_flags()
config = set()
if sys.argv[1] in ("trainers.main", "trainers.sweep"):
  fv = flags.FlagValues()
  config_flags.define_config_flags(fv)
  config = set(fv)
print(json.dumps(sorted(set(flags.FLAGS) - before - config)))
"""


def test_the_package_exports_exactly_its_public_names():
  assert sorted(ig.__all__) == ALL
  for name in ALL:
    assert inspect.getdoc(getattr(ig, name)), f"infogan_tf.{name} has no docstring"


def test_the_entry_points_keep_their_parameters():
  for name, parameters in PARAMETERS.items():
    assert list(inspect.signature(getattr(ig, name)).parameters) == parameters, name


@pytest.mark.slow  # a process per command
def test_every_command_exists_with_its_own_flags():
  for module, own in COMMANDS.items():
    proc = subprocess.run([sys.executable, "-c", LIST_FLAGS, module], cwd=helpers.ROOT,
                          env={**os.environ, "PYTHONPATH": helpers.ROOT,
                               "TF_CPP_MIN_LOG_LEVEL": "3"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = json.loads(proc.stdout.splitlines()[-1])
    assert names == sorted(COMMON + own), module


def test_every_error_class_is_exported_under_the_root_with_a_command_line_exit_code():
  import inspect  # pylint: disable=g-import-not-at-top
  from infogan_tf import errors  # pylint: disable=g-import-not-at-top
  from infogan_tf.cli import errors as cli_errors  # pylint: disable=g-import-not-at-top
  classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
             if c.__module__ == errors.__name__]
  for cls in classes:
    assert getattr(ig, cls.__name__) is cls, cls
    if cls is errors.TerminationRequested:  # a stop (KeyboardInterrupt), not an error
      continue
    assert issubclass(cls, ig.InfoGANError), cls
    if cls not in (ig.InfoGANError, errors.NonFiniteStateError):  # caught inside the library
      line, code = cli_errors.describe(cls("x"), "the output folder")
      assert code in (1, 2) and line.endswith(": x"), (cls, line)
