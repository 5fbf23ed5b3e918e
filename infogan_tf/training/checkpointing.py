"""Checkpoints of the full training state; resume from the latest one."""

from __future__ import annotations

import os
import shutil
from typing import Callable, List, Optional

import numpy as np
import tensorflow as tf

from infogan_tf.errors import CheckpointError, NonFiniteStateError, first_line
from infogan_tf.model import (CHECKPOINT_SUBDIR, DISCRIMINATOR_AVERAGE_KEY,  # noqa: F401
                              InfoGAN, restore_models)


class Checkpointer:
  """Wraps tf.train.CheckpointManager over an `InfoGAN`'s training state.

  Args:
    state: The compiled InfoGAN (its `checkpoint()` lists what is saved).
    directory: Where checkpoints go (workdir/checkpoints on the chief).
    max_to_keep: Number of checkpoints to keep.
    restore_directory: Where `restore_latest` looks (default `directory`). Workers other than
      a MultiWorkerMirroredStrategy chief write throw-away copies elsewhere but must resume
      from the chief's checkpoints.
  """

  def __init__(self, state, directory: str, max_to_keep: int = 3,
               restore_directory: Optional[str] = None):
    self.state = state
    self.restore_directory = restore_directory or directory
    self.checkpoint = state.checkpoint()
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, directory, max_to_keep=max_to_keep, checkpoint_name="ckpt",
        step_counter=state.step)

  @property
  def latest(self) -> Optional[str]:
    return self.manager.latest_checkpoint

  def remove_partial_saves(self) -> List[str]:
    """Deletes `*_temp*` folders a failed save (e.g. a full disk) left behind; returns them."""
    directory = self.manager.directory
    if not os.path.isdir(directory):
      return []
    removed = []
    for name in sorted(os.listdir(directory)):
      if "_temp" in name:
        path = os.path.join(directory, name)
        shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
        removed.append(path)
    return removed

  def restore_latest(self, log: Callable[[str], None] = lambda message: None) -> int:
    """Restores the newest checkpoint that restores; returns its step (0 if there is none).

    A checkpoint that fails to restore (truncated, garbage, missing files) is skipped for the
    next newer-to-older one, saying so through `log` in one line.

    Raises:
      CheckpointError: Checkpoints exist but none restores.
    """
    failures = []
    if self.restore_directory == self.manager.directory:
      paths = self.manager.checkpoints
    else:
      found = tf.train.get_checkpoint_state(self.restore_directory)
      paths = list(found.all_model_checkpoint_paths) if found else []
    for path in reversed(paths):  # newest first
      try:
        self.checkpoint.restore(path).assert_existing_objects_matched()
      except (tf.errors.OpError, ValueError, IndexError, AssertionError) as e:
        reason = first_line(e)
        failures.append(f"{os.path.basename(path)} ({reason})")
        log(f"infogan_tf: checkpoint {path} does not restore ({reason}); trying an older one")
        continue
      if failures:
        log(f"infogan_tf: restored {path} instead of the newest checkpoint, which does not "
            "restore")
      return int(self.state.step.numpy())
    if failures:
      raise CheckpointError(
          f"no checkpoint in {self.restore_directory} restores: {'; '.join(failures)}; move "
          "the folder away to start fresh, or use another --workdir")
    return 0

  def state_variables(self) -> list:
    """Every variable a checkpoint holds: G, D (with BatchNorm statistics) and its average
    when kept, both optimisers."""
    s = self.state
    return (list(s.generator.variables) + [v for d in s.discriminators for v in d.variables]
            + list(s.g_optimizer.variables) + list(s.d_optimizer.variables))

  def save(self) -> str:
    """Saves at the current step (no-op if that step is already saved); returns the path.

    Raises:
      NonFiniteStateError: A variable holds NaN/Inf; nothing is written.
    """
    bad = non_finite_variables(self.state_variables())
    if bad:
      raise NonFiniteStateError(
          f"non-finite weights or optimizer state in {describe_non_finite(bad)}", bad)
    step = int(self.state.step.numpy())
    if self.manager.latest_checkpoint and self.manager.latest_checkpoint.endswith(f"-{step}"):
      return self.manager.latest_checkpoint
    try:
      return self.manager.save(checkpoint_number=step)
    except (tf.errors.OpError, OSError):
      self.remove_partial_saves()  # e.g. a full disk: keep no half-written checkpoint
      raise


def non_finite_variables(variables) -> List[str]:
  """Names (paths) of the variables holding NaN or Inf anywhere.

  Args:
    variables: tf/Keras variables (mirrored ones are read from their primary copy).
  """
  bad = []
  for v in variables:
    value = v.numpy() if hasattr(v, "numpy") else np.asarray(v)
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
      bad.append(getattr(v, "path", None) or getattr(v, "name", "?"))
  return bad


def describe_non_finite(names: List[str]) -> str:
  """'3 tensors (generator/g_fc1/kernel, ...)' for messages."""
  shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
  return f"{len(names)} tensor{'s' if len(names) != 1 else ''} ({shown})"


def latest_checkpoint(workdir: str) -> Optional[str]:
  """The path prefix of a workdir's latest checkpoint, or None."""
  return tf.train.latest_checkpoint(os.path.join(workdir, CHECKPOINT_SUBDIR))


def checkpoint_path(workdir: str, step: int) -> str:
  """The path prefix of a workdir's checkpoint of `step` (it may not exist)."""
  return os.path.join(workdir, CHECKPOINT_SUBDIR, f"ckpt-{step}")


def restore_trained_models(config, workdir: str, checkpoint: Optional[str] = None):
  """`config`'s G and the discriminator inference uses (D's moving average when the run keeps
  one), restored from `workdir` (`InfoGAN.restore`).

  Returns:
    (generator, discriminator, the checkpoint path restored).
  """
  model = InfoGAN(config)
  path = model.restore(workdir, checkpoint)
  return model.generator, model.encoder, path


def restore_for_inference(generator, discriminator, workdir: str,
                          checkpoint: Optional[str] = None, averaged: bool = False) -> str:
  """Restores G and, into `discriminator`, D's last weights or (`averaged`) their moving
  average, from a workdir's checkpoint (default the latest); returns its path.

  Raises:
    CheckpointError: As `infogan_tf.model.restore_models`.
  """
  if averaged:
    return restore_models(generator, None, workdir, checkpoint, average=discriminator)
  return restore_models(generator, discriminator, workdir, checkpoint)
