"""SIGTERM under MultiWorkerMirroredStrategy: every worker saves at the same step, then stops.

In one process, SIGTERM is turned into an exception that unwinds the train loop into the same
save Ctrl-C triggers (`training.TerminationRequested`). With several workers that cannot work:
a save is a collective operation, and the worker that got the signal would start it while the
others are still inside a train step. TensorFlow's `PreemptionCheckpointHandler` solves this:
the signalled worker publishes, through the coordination service, the train-loop call after
which every worker saves; each worker saves there and then calls an exit function.

`LoopRunner` hides the difference: `run(loop_fn, ...)` calls the loop directly in one process,
or through the handler on a multi-worker cluster, where the handler calls `save` (this
package's checkpointer: finite check, BatchNorm calibration, corrupt-checkpoint handling all
stay the same) and then raises `PreemptionSaved`. The handler's own restore and run counter
live in a scratch directory: checkpoints, resume and the step count stay this package's.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from typing import Callable, Optional

import tensorflow as tf


class PreemptionSaved(KeyboardInterrupt):
  """Every worker saved at the same step after a SIGTERM (multi-worker runs); stop now.

  Attributes:
    path: The checkpoint this worker saved.
  """

  def __init__(self, path: str):
    super().__init__(path)
    self.path = path


def is_multi_worker_cluster(strategy: tf.distribute.Strategy) -> bool:
  """True for MultiWorkerMirroredStrategy with a cluster in TF_CONFIG (not local mode)."""
  if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    return False
  resolver = getattr(strategy, "cluster_resolver", None)
  return bool(resolver is not None and resolver.cluster_spec().jobs)


class LoopRunner:
  """Calls the train loop; on a multi-worker cluster, through a PreemptionCheckpointHandler.

  Create it after the train state exists and before the first loop call, in the main thread
  (the handler installs its SIGTERM handler there); call `close` when training ends.

  Args:
    strategy: The distribution strategy.
    save: Saves a checkpoint on this worker and returns its path (called by every worker at
      the same loop call after a SIGTERM on any of them).
  """

  def __init__(self, strategy: tf.distribute.Strategy, save: Callable[[], str]):
    self._handler = None
    self._scratch: Optional[str] = None
    if (not is_multi_worker_cluster(strategy)
        or threading.current_thread() is not threading.main_thread()):
      return  # one process (or not the main thread: signals cannot be handled there)
    self._scratch = tempfile.mkdtemp(prefix="infogan_preemption_")
    saved = []

    def save_fn():
      saved.append(save())

    def exit_fn():
      raise PreemptionSaved(saved[-1] if saved else "")

    config = tf.distribute.experimental.TerminationConfig(exit_fn=exit_fn, save_fn=save_fn)
    # An empty checkpoint: the handler restores and counts its loop calls there, nothing else.
    self._handler = tf.distribute.experimental.PreemptionCheckpointHandler(
        strategy.cluster_resolver, tf.train.Checkpoint(), self._scratch, config)

  def run(self, loop_fn: Callable, *args):
    """loop_fn(*args), after saving and raising PreemptionSaved if a worker was signalled."""
    if self._handler is None:
      return loop_fn(*args)
    return self._handler.run(loop_fn, *args)

  def close(self) -> None:
    """Stops the handler's watcher threads and removes its scratch directory."""
    if self._handler is not None:
      # Lets the peer-watcher thread (blocked on the coordination service) end.
      self._handler.__del__()
      self._handler = None
    if self._scratch:
      shutil.rmtree(self._scratch, ignore_errors=True)
      self._scratch = None
