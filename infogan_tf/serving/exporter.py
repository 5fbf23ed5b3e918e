"""Write a trained workdir as a versioned SavedModel that TF Serving can watch.

Layout written:
  export_dir/
    models.config                      model_config_list for `tensorflow_model_server`
    <version>/                          an integer: TF Serving ignores other names
      saved_model.pb, variables/        signatures from serving.signatures
      assets.extra/tf_serving_warmup_requests
      assets.extra/infogan_config.json  the training config and the signature contract
      assets.extra/model_card.md        what the model is, its data, scores and origin
                                        (serving.model_card)
      encoder.keras, generator.keras    the models as Keras 3 files (serving.keras_files;
                                        TF Serving ignores them)

A version is written under a temporary hidden name and renamed into place, so a server watching
export_dir never sees a half-written model; an existing version is never overwritten. The
version number is taken when the finished folder is renamed, under an exclusive lock on
export_dir/.export.lock: two exports into one export_dir at once become versions N and N+1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
from typing import Dict, List, Optional

import keras

from infogan_tf.training import checkpointing, workdir_lock
from infogan_tf import data as data_lib
from infogan_tf import traced_graphs
from infogan_tf.model import InfoGAN
from infogan_tf.serving import keras_files, model_card
from infogan_tf.serving import signatures as sig
from infogan_tf.serving import warmup
from infogan_tf.errors import ExportError

CONFIG_ASSET = "infogan_config.json"
MODELS_CONFIG = "models.config"
LOCK_FILENAME = ".export.lock"
DEFAULT_MODEL_NAME = sig.DEFAULT_MODEL_NAME


@dataclasses.dataclass
class ExportResult:
  """Where and what was exported."""

  path: str
  version: int
  checkpoint: Optional[str]
  signatures: List[str]


def existing_versions(export_dir: str) -> List[int]:
  """Integer version folders already in export_dir (sorted)."""
  if not os.path.isdir(export_dir):
    return []
  return sorted(int(n) for n in os.listdir(export_dir)
                if re.fullmatch(r"\d+", n) and os.path.isdir(os.path.join(export_dir, n)))


def next_version(export_dir: str) -> int:
  versions = existing_versions(export_dir)
  return versions[-1] + 1 if versions else 1


@contextlib.contextmanager
def _versions_locked(export_dir: str):
  """Holds export_dir's lock while a version number is chosen and taken (waits for others)."""
  with open(os.path.join(export_dir, LOCK_FILENAME), "a") as lock:
    fcntl = workdir_lock.posix_locks()
    fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process dies
    yield


def _check_free(export_dir: str, version: int) -> str:
  final = os.path.join(export_dir, str(version))
  if os.path.exists(final):
    raise ExportError(f"{final} exists; versions are never overwritten (pick another "
                      f"--version, next free is {next_version(export_dir)})")
  return final


def models_config_text(model_name: str, base_path: str) -> str:
  """A TF Serving model_config_list serving every version folder under base_path."""
  return (
      "model_config_list {\n"
      "  config {\n"
      f"    name: '{model_name}'\n"
      f"    base_path: '{base_path}'\n"
      "    model_platform: 'tensorflow'\n"
      "    model_version_policy { latest { num_versions: 1 } }\n"
      "  }\n"
      "}\n")


def write_saved_model(model, export_dir: str, version: Optional[int] = None,
                      model_name: str = DEFAULT_MODEL_NAME,
                      checkpoint: Optional[str] = None,
                      serving_base_path: Optional[str] = None,
                      class_names: Optional[Dict[str, List[str]]] = None) -> ExportResult:
  """Exports in-memory models as export_dir/<version>/.

  Args:
    model: The trained `InfoGAN` (its inference discriminator is exported).
    export_dir: The model's base path (TF Serving's --model_base_path).
    version: Integer version (default: one more than the newest existing when the export is
      complete).
    model_name: Name used in warmup requests and models.config.
    checkpoint: The checkpoint the weights came from (recorded in the config asset).
    serving_base_path: base_path written into models.config, i.e. where the server sees
      export_dir (e.g. /models/infogan inside the tensorflow/serving container); default the
      absolute export_dir.
    class_names: ss-InfoGAN models: {label column: class names}, written to the config asset.

  Raises:
    ExportError: If the version exists or is not a positive integer.
  """
  config = model.config
  os.makedirs(export_dir, exist_ok=True)
  if version is not None:
    version = int(version)
    if version < 1:
      raise ExportError(f"version must be a positive integer, got {version}")
    _check_free(export_dir, version)  # fail before the work; checked again when renaming

  functions = sig.ServingFunctions(model)
  archive = keras.export.ExportArchive()
  archive.track(model.generator)
  archive.track(model.encoder)
  endpoints = functions.endpoints()
  for ep in endpoints:
    archive.add_endpoint(ep.name, ep.serving_fn, input_signature=ep.serving_signature)

  tmp = tempfile.mkdtemp(prefix=".tmp-", dir=export_dir)
  try:
    archive.write_out(tmp, verbose=False)
    keras_files.write_keras_files(model, tmp)
    warmup.write_warmup(tmp, warmup.warmup_logs(model, model_name))
    meta = {
        "config": config.to_dict(),
        "checkpoint": checkpoint,
        # Which of the checkpoint's discriminators `encode` serves (`OptimizerConfig`).
        "discriminator_weights": ("moving average" if config.optimizer.averages_discriminator
                                  else "last"),
        "default_signature": sig.DEFAULT_SIGNATURE,
        "signatures": {ep.name: {"inputs": ep.input_names,
                                 "input_shapes": {s.name: [d if d is not None else -1
                                                           for d in s.shape.as_list()]
                                                  for s in ep.input_signature},
                                 "input_dtypes": {s.name: s.dtype.name
                                                  for s in ep.input_signature}}
                       for ep in endpoints},
        # Each signature's cap on one request's work (serving.budgets; docs/serving.md).
        "budgets": functions.budgets.to_json(),
        "pixel_range": [0.0, 1.0],
        "class_names": class_names or {},
    }
    with open(os.path.join(tmp, warmup.ASSETS_EXTRA, CONFIG_ASSET), "w") as f:
      json.dump(meta, f, indent=2, sort_keys=True)
    with open(os.path.join(tmp, warmup.ASSETS_EXTRA, model_card.FILENAME), "w") as f:
      f.write(model_card.card(model, checkpoint,
                              [ep.name for ep in endpoints] + [sig.SERVING_DEFAULT]))
    os.chmod(tmp, 0o755)
    with _versions_locked(export_dir):
      if version is None:
        version = next_version(export_dir)
      final = _check_free(export_dir, version)
      os.rename(tmp, final)
      with open(os.path.join(export_dir, MODELS_CONFIG), "w") as f:
        f.write(models_config_text(model_name,
                                   serving_base_path or os.path.abspath(export_dir)))
  except BaseException:
    shutil.rmtree(tmp, ignore_errors=True)
    raise
  return ExportResult(final, version, checkpoint,
                      [ep.name for ep in endpoints] + [sig.SERVING_DEFAULT])


@traced_graphs.releasing
def export_workdir(workdir: str, export_dir: str, version: Optional[int] = None,
                   checkpoint: Optional[str] = None,
                   model_name: str = DEFAULT_MODEL_NAME,
                   serving_base_path: Optional[str] = None) -> ExportResult:
  """Exports the trained model of a run, a refined run or a selection (`InfoGAN.from_workdir`).

  Args:
    workdir: A run, its refined/ run, or a selection.json (its pick).
    export_dir: Base path of the exported model.
    version: Integer version (default: next free).
    checkpoint: A checkpoint path prefix (default: the latest of the run).
    model_name: Model name for warmup requests and models.config.
    serving_base_path: See `write_saved_model`.

  Raises:
    WorkdirError: `workdir` is none of the three.
    ConfigError: No usable config.json in the run.
    CheckpointError: No checkpoint, or one that does not fit the config.
    ExportError: See `write_saved_model`.
  """
  model = InfoGAN.from_workdir(workdir, checkpoint)
  path = model.checkpoint_path
  bad = checkpointing.non_finite_variables(model.generator.variables + model.encoder.variables)
  if bad:
    raise ExportError(f"{path} holds non-finite weights in "
                      f"{checkpointing.describe_non_finite(bad)}: a diverged run; export an "
                      "earlier checkpoint with --checkpoint")
  record = data_lib.labelled.load_record(model.workdir) or {}
  return write_saved_model(model, export_dir, version, model_name, checkpoint=path,
                           serving_base_path=serving_base_path,
                           class_names=record.get("class_names"))
