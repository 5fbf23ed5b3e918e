"""Checkpoints of the full training state; resume from the latest one."""

from __future__ import annotations

import os
from typing import Optional

import tensorflow as tf

CHECKPOINT_SUBDIR = "checkpoints"


class Checkpointer:
  """Wraps tf.train.CheckpointManager over a `TrainState`.

  Args:
    state: The TrainState (its `checkpoint()` lists what is saved).
    directory: Where checkpoints go (workdir/checkpoints on the chief).
    max_to_keep: Number of checkpoints to keep.
  """

  def __init__(self, state, directory: str, max_to_keep: int = 3):
    self.state = state
    self.checkpoint = state.checkpoint()
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, directory, max_to_keep=max_to_keep, checkpoint_name="ckpt",
        step_counter=state.step)

  @property
  def latest(self) -> Optional[str]:
    return self.manager.latest_checkpoint

  def restore_latest(self) -> int:
    """Restores the newest checkpoint if there is one; returns the restored step (0 if none)."""
    path = self.manager.latest_checkpoint
    if path is None:
      return 0
    self.checkpoint.restore(path).assert_existing_objects_matched()
    return int(self.state.step.numpy())

  def save(self) -> str:
    """Saves at the current step (no-op if that step is already saved); returns the path."""
    step = int(self.state.step.numpy())
    if self.manager.latest_checkpoint and self.manager.latest_checkpoint.endswith(f"-{step}"):
      return self.manager.latest_checkpoint
    return self.manager.save(checkpoint_number=step)


def restore_for_inference(generator, discriminator, workdir: str,
                          checkpoint: Optional[str] = None) -> str:
  """Restores generator/discriminator weights (not optimisers) from a workdir.

  Args:
    generator: A built Generator.
    discriminator: A built Discriminator.
    workdir: Training workdir.
    checkpoint: A checkpoint path prefix; default the latest.

  Returns:
    The checkpoint path restored.

  Raises:
    FileNotFoundError: If there is no checkpoint.
  """
  path = checkpoint or tf.train.latest_checkpoint(os.path.join(workdir, CHECKPOINT_SUBDIR))
  if not path:
    raise FileNotFoundError(f"no checkpoint in {os.path.join(workdir, CHECKPOINT_SUBDIR)}")
  ckpt = tf.train.Checkpoint(generator=generator, discriminator=discriminator)
  ckpt.restore(path).expect_partial().assert_existing_objects_matched()
  return path
