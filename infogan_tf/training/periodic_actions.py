"""What the host does between calls of the compiled train loop, each with its own cadence.

`train` runs the compiled loop up to the next step at which some action is due, then shows the
call's `LoopCall` to every action (`observe`) and runs the due ones (in the order listed). Every
worker of a multi-worker run has the same actions, so their loops stop at the same steps. The
actions do not know one another; what several read (the last good checkpoint) is on the shared
`Run`.

  NanGuard     every call   non-finite metrics stop the run (nothing saved after them)
  LogMetrics   log_every    derived metrics -> TensorBoard, metrics.jsonl, the progress line
  Checkpoint   checkpoint_every   BatchNorm calibration + a checkpoint (refuses non-finite state)
  Traversals   image_every  traversal grids (chief only) -> PNGs and TensorBoard

Signals (SIGTERM, Ctrl-C) and a lost worker end the loop itself; `train` then saves through
the Checkpoint action.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Callable, Dict, List, Optional

from infogan_tf import config as config_lib
from infogan_tf import visualize
from infogan_tf.errors import NonFiniteLossError, NonFiniteStateError
from infogan_tf.training import summaries
from infogan_tf.training.progress import Progress

TRAVERSAL_SUBDIR = "traversals"


def divergence_message(what: str, step: int, last_good: Optional[str]) -> str:
  """The one-line message of a run stopped by NaN/Inf losses or weights."""
  return (f"{what} at step {step}; stopped without saving. The last good checkpoint "
          f"({last_good or 'none'}) is kept: lower the learning rates or lambdas and rerun the "
          "same command to resume from it")


@dataclasses.dataclass
class Run:
  """What the actions of one `train` call share.

  Attributes:
    last_good: The last checkpoint known to be finite (restored or saved).
    history: The logged metrics of this call (dicts with 'step').
  """

  last_good: Optional[str] = None
  history: List[Dict[str, float]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class LoopCall:
  """One call of the compiled loop.

  Attributes:
    step: The step reached.
    metrics: {metric: mean over the call's steps}, as the step returns them.
    num_steps: Steps the call ran.
    seconds: Its wall time.
    first: The first call of this `train` (it includes tracing: not a throughput sample).
    last: The run reached its final step.
  """

  step: int
  metrics: Dict[str, float]
  num_steps: int
  seconds: float
  first: bool
  last: bool


class Action:
  """Something the host does every `every` steps and at the final step (None: after every
  call, without making the loop stop for it)."""

  every: Optional[int] = None

  def observe(self, call: LoopCall) -> None:
    """Sees every call, due or not (e.g. to count images for the throughput)."""

  def due(self, call: LoopCall) -> bool:
    return self.every is None or call.step % self.every == 0 or call.last

  def __call__(self, call: LoopCall) -> None:
    raise NotImplementedError


class NanGuard(Action):
  """Stops the run at the first non-finite metric."""

  def __init__(self, run: Run):
    self.run = run

  def __call__(self, call: LoopCall) -> None:
    bad = [k for k, v in call.metrics.items() if not math.isfinite(v)]
    if bad:
      raise NonFiniteLossError(divergence_message(f"non-finite {', '.join(bad)}", call.step,
                                                  self.run.last_good))


class LogMetrics(Action):
  """The loop's metrics, with what the loss families derive from them (L_I, H(c)) and images/s,
  to TensorBoard, metrics.jsonl and the progress line.

  Throughput counts every call but the first (tracing); `images_per_sec` is this call's mean.
  """

  def __init__(self, every: int, batch_size: int,
               derive: Callable[[Dict[str, float]], Dict[str, float]],
               writer: summaries.SummaryWriter, progress: Progress, run: Run,
               progress_fields: Callable[[Dict[str, float]], Dict[str, str]]):
    self.every, self.batch_size, self.derive = every, batch_size, derive
    self.writer, self.progress, self.run = writer, progress, run
    self.progress_fields = progress_fields
    self.window_images, self.window_time = 0, 0.0
    self.total_images, self.total_time = 0, 0.0

  def observe(self, call: LoopCall) -> None:
    if not call.first:  # every call counts towards the throughput, due or not
      self.window_images += call.num_steps * self.batch_size
      self.window_time += call.seconds

  def __call__(self, call: LoopCall) -> None:
    ips = self.window_images / self.window_time if self.window_time else 0.0
    metrics = self.derive(call.metrics)
    metrics["perf/images_per_sec"] = ips
    self.writer.scalars(call.step, metrics)
    self.run.history.append({"step": call.step, **metrics})
    self.progress.update(call.step, ips, ips / self.batch_size, self.progress_fields(metrics))
    self.total_images += self.window_images
    self.total_time += self.window_time
    self.window_images, self.window_time = 0, 0.0

  @property
  def images_per_sec(self) -> float:
    """Mean throughput of every call so far but the first."""
    images = self.total_images + self.window_images
    seconds = self.total_time + self.window_time
    return images / seconds if seconds else 0.0


class Checkpoint(Action):
  """Saves a checkpoint. First every discriminator's inference-mode BatchNorm statistics are set
  to those of real images (`calibration`), so the checkpoint encodes real images as training
  did; then `checkpointer.save()` writes it, refusing non-finite weights or optimizer state,
  which stops the run (NonFiniteLossError; the last good checkpoint is kept).

  Args:
    every: Steps between saves.
    checkpointer: What writes checkpoints (`checkpointing.Checkpointer`: `save() -> path`).
    run: The shared Run; `last_good` becomes each saved path.
    discriminators: The discriminators to calibrate (D, and its moving average when kept).
    calibration: [N, H, W, C] real images in the architecture's pixel range.
    step: Returns the current step (named when the state is not finite).
  """

  def __init__(self, every: int, checkpointer, run: Run, discriminators=(), calibration=None,
               step: Callable[[], int] = lambda: 0):
    self.every, self.checkpointer, self.run = every, checkpointer, run
    self.discriminators, self.calibration, self.step = discriminators, calibration, step

  def save(self) -> str:
    """Calibrates, saves and returns the checkpoint's path (also on signals and preemption)."""
    for discriminator in self.discriminators:
      discriminator.calibrate_inference_statistics(self.calibration)
    try:
      self.run.last_good = self.checkpointer.save()
    except NonFiniteStateError as e:
      raise NonFiniteLossError(divergence_message(str(e), self.step(), self.run.last_good)
                               ) from e
    return self.run.last_good

  def __call__(self, call: LoopCall) -> None:
    self.save()


class Traversals(Action):
  """Draws the traversal grids (`write_traversals`) of the chief's run; on another worker
  (`writer` None) it draws nothing but keeps the cadence, so every worker's loop stops at the
  same steps (multi-worker loop calls are collective)."""

  def __init__(self, every: int, state, config: config_lib.ExperimentConfig,
               writer: Optional[summaries.SummaryWriter]):
    self.every, self.state, self.config, self.writer = every, state, config, writer

  def __call__(self, call: LoopCall) -> None:
    if self.writer is not None:
      write_traversals(self.state, self.config, call.step, self.writer)


def write_traversals(state, config: config_lib.ExperimentConfig, step: int,
                     writer: summaries.SummaryWriter, seed: int = 0) -> Dict:
  """Draws the traversal grids of `state`'s (an InfoGAN's) generator, writes PNGs
  (step-stamped and latest, in <workdir>/traversals) and image summaries; returns the grids."""
  grids = visualize.display_traversal_grids(state.generator, state.spec, state.pixel_range,
                                            seed=seed)
  out_dir = os.path.join(config.train.workdir, TRAVERSAL_SUBDIR)
  for name, grid in grids.items():
    visualize.write_png(os.path.join(out_dir, f"{name}_step{step:07d}.png"), grid)
    visualize.write_png(os.path.join(out_dir, f"{name}.png"), grid)
  writer.images(step, grids)
  return grids


def dispatch(actions: List[Action], call: LoopCall) -> None:
  """Shows `call` to every action, then runs the due ones in order."""
  for action in actions:
    action.observe(call)
  for action in [a for a in actions if a.due(call)]:
    action(call)


def next_stop(step: int, total: int, steps_per_loop: int, actions: List[Action]) -> int:
  """The next step at which some action is due, the loop's chunk ends, or the run ends."""
  stops = [total, step + steps_per_loop]
  for action in actions:
    if action.every is not None:
      stops.append((step // action.every + 1) * action.every)
  return min(stops)
