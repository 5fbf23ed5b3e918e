"""The training loop: resolve config, build state on a strategy, train, checkpoint, log, resume.

`train(config)` is what `python -m trainers.main` runs. `config.train.steps` is the *total* step
count: calling it again with the same workdir continues from the latest checkpoint, and a
larger `steps` trains on to it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import sys
import threading
import time
from typing import Dict, List, Optional, TextIO, Tuple

import tensorflow as tf

from infogan_tf import model as model_lib
from infogan_tf import objectives, traced_graphs
from infogan_tf import machine as machine_lib
from infogan_tf import precision as precision_lib
from infogan_tf.training import checkpointing, distribute, periodic_actions, preemption, summaries
from infogan_tf.training import step as train_step
from infogan_tf.training import workdir_lock
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.models import architectures
from infogan_tf.training.progress import Progress
from infogan_tf.errors import TerminationRequested, WorkerLostError

# Real images D's inference-mode BatchNorm statistics are set from before every checkpoint.
CALIBRATION_IMAGES = 1024


def _raise_termination(signum, frame):  # pylint: disable=unused-argument
  raise TerminationRequested()


@dataclasses.dataclass
class TrainResult:
  """What a `train` call did.

  Attributes:
    config: The resolved config.
    start_step: Step restored from the checkpoint (0 for a fresh run).
    final_step: Step reached.
    history: Logged metrics (dicts with 'step'), this call only.
    images_per_sec: Mean training throughput of this call (excluding the first, tracing call).
    checkpoint: Path of the last checkpoint.
  """

  config: config_lib.ExperimentConfig
  start_step: int
  final_step: int
  history: List[Dict[str, float]]
  images_per_sec: float
  checkpoint: Optional[str]


def resolve_config(config: config_lib.ExperimentConfig,
                   source: data_lib.ImageSource) -> config_lib.ExperimentConfig:
  """Fills `model.image_shape` from the data and checks data/architecture agree.

  Raises:
    ConfigError: If the data's images do not fit the configured shape or architecture.
  """
  shape = tuple(source.image_shape)
  if config.model.image_shape is None:
    config = config.replace(model=dataclasses.replace(config.model, image_shape=shape))
  elif tuple(config.model.image_shape) != shape:
    raise config_lib.ConfigError(
        f"dataset {source.name!r} gives {shape} images but the model is configured for "
        f"{tuple(config.model.image_shape)}")
  try:
    architectures.check_image_shape(config.model.architecture, shape)
  except ValueError as e:
    raise config_lib.ConfigError(
        f"{e} (dataset {source.name!r} gives {shape[0]}x{shape[1]}x{shape[2]} images; pick "
        "another --architecture or --image_size)") from e
  return config.validate()


def resolve_precision(config: config_lib.ExperimentConfig
                      ) -> Tuple[config_lib.ExperimentConfig, Optional[dict]]:
  """Turns `precision='auto'` into the precision this run trains with.

  A fresh run chooses from this machine's devices (`infogan_tf.precision.choose`; on several
  workers each detects its own, so a mixed cluster should configure a precision); a resumed run
  keeps the one in its config.json.

  Returns:
    (config with a concrete precision, {'requested': 'auto', 'precision', 'reason'} or None when
    the precision was configured).
  """
  if config.model.precision != precision_lib.AUTO:
    return config, None
  workdir = config.train.workdir
  saved = (config_lib.load_config(workdir).model.precision
           if os.path.exists(os.path.join(workdir, config_lib.CONFIG_FILENAME)) else None)
  chosen, reason = precision_lib.resolve(precision_lib.AUTO, saved)
  config = config.replace(model=dataclasses.replace(config.model, precision=chosen))
  return config, {"requested": precision_lib.AUTO, "precision": chosen, "reason": reason}


def check_strategy(config: config_lib.ExperimentConfig, strategy: tf.distribute.Strategy):
  """Rejects combinations TensorFlow cannot run.

  Raises:
    ConfigError: XLA (`jit_compile`) across several *logical CPU* replicas: XLA places the
      cluster on CPU:0 and cannot reach variables on CPU:1 (a TF limitation).
  """
  n = strategy.num_replicas_in_sync
  for name, size in objectives.replica_split_sizes(config).items():
    if size % n:
      raise config_lib.ConfigError(f"{name} {size} must be divisible by the {n} replicas")
  if config.train.jit_compile and n > 1 and not tf.config.list_logical_devices("GPU"):
    raise config_lib.ConfigError(
        "jit_compile with several replicas on CPU devices is not supported by TensorFlow's "
        "XLA (variables on CPU:1 are unreachable from the XLA cluster on CPU:0); use "
        "--strategy=one_device or --virtual_cpus=0 with --jit_compile, or drop --jit_compile")


def _prepare_workdir(config: config_lib.ExperimentConfig, chief: bool,
                     allow_resume_changes: bool) -> Optional[dict]:
  """Checks a reused workdir can continue with `config`; returns the changes (None if new)."""
  workdir = config.train.workdir
  if not os.path.exists(os.path.join(workdir, config_lib.CONFIG_FILENAME)):
    return None
  saved = config_lib.load_config(workdir)
  changes = config_lib.check_resume_compatible(saved, config, allow_resume_changes)
  objectives.check_resume(saved, config)
  return changes


@traced_graphs.releasing  # the step's graph is freed with the run, not kept by TensorFlow
def train(config: config_lib.ExperimentConfig, stream: Optional[TextIO] = None,
          strategy: Optional[tf.distribute.Strategy] = None,
          allow_resume_changes: bool = False) -> TrainResult:
  """Trains (or resumes training) an InfoGAN as configured.

  Args:
    config: The experiment config (validated here).
    stream: Where progress goes (default stderr).
    strategy: An existing strategy (default: built from config.train).
    allow_resume_changes: Let a resumed run change its data, batch size or labelled subset
      (recorded in config.json's history); otherwise such changes are refused.

  Returns:
    A TrainResult.

  Raises:
    ConfigError: Invalid or incompatible configuration.
    DataError: Missing or malformed data.
    NonFiniteLossError: A loss became NaN/Inf (the last good checkpoint is kept).
    WorkerLostError: Multi-worker: another worker stopped answering.
    WorkdirLockedError: Another trainer is using the workdir.
  """
  stream = stream or sys.stderr
  config.validate()
  tc = config.train
  strategy = strategy or distribute.make_strategy(tc.strategy, tc.virtual_cpus)
  source = data_lib.load_source(config.data, seed=0)
  config = resolve_config(config, source)
  config, precision_choice = resolve_precision(config)
  check_strategy(config, strategy)
  chief = distribute.is_chief(strategy)
  # One trainer per workdir (the chief holds the lock; other workers write elsewhere).
  lock = workdir_lock.WorkdirLock(tc.workdir) if chief else None
  # SIGTERM (what schedulers and preemption send) saves a checkpoint like Ctrl-C does.
  in_main_thread = threading.current_thread() is threading.main_thread()
  previous = signal.signal(signal.SIGTERM, _raise_termination) if in_main_thread else None
  try:
    return _train_locked(config, strategy, source, stream, chief, allow_resume_changes,
                         precision_choice)
  finally:
    if in_main_thread:
      signal.signal(signal.SIGTERM, previous)
    if lock is not None:
      lock.release()


def _train_locked(config: config_lib.ExperimentConfig, strategy: tf.distribute.Strategy,
                  source: data_lib.ImageSource, stream: TextIO, chief: bool,
                  allow_resume_changes: bool, precision_choice: Optional[dict] = None
                  ) -> TrainResult:
  """`train` once the workdir is this process's: restore, input, actions, run."""
  tc = config.train
  changes = _prepare_workdir(config, chief, allow_resume_changes)
  state, checkpointer, start = _restore(config, strategy, stream)
  if chief:  # config.json keeps the first run's config and every resume's changes
    config_lib.save_config(config, tc.workdir,
                           {"step": start, "changed": changes} if changes else None,
                           precision_choice if precision_choice and not start else None,
                           machine_lib.describe())
  chosen = (f"; precision {config.model.precision} ({precision_choice['reason']})"
            if precision_choice else "")
  print(f"infogan_tf: {distribute.describe(strategy)}; data {source.name} "
        f"{source.image_shape} from {source.origin}{chosen}; "
        + (f"resumed at step {start}" if start else "fresh start"), file=stream)
  if start >= tc.steps:
    print(f"infogan_tf: already at step {start} >= steps={tc.steps}; nothing to train "
          "(pass a larger --steps to continue)", file=stream)
    return TrainResult(config, start, start, [], 0.0, checkpointer.latest)
  iterator = iter(model_lib.training_batches(config, strategy, source, chief,
                                             allow_resume_changes, start, state.pixel_range))
  run = periodic_actions.Run(last_good=checkpointer.latest)
  writer = summaries.SummaryWriter(tc.workdir if chief else None)
  progress = Progress(tc.steps, start, stream)
  actions = _actions(config, state, checkpointer, source, writer, progress, run, chief)
  log, checkpoint = actions[1], actions[2]
  try:
    step = _run(config, strategy, state, iterator, source, actions, checkpoint, progress, start)
  finally:
    writer.close()
    if not chief:  # a worker's throw-away checkpoints (its own temp dir, made by _restore)
      shutil.rmtree(os.path.dirname(checkpointer.manager.directory), ignore_errors=True)
  ips = log.images_per_sec
  progress.close(f"infogan_tf: reached step {step}; checkpoint {run.last_good}; "
                 f"{ips:.0f} images/s; outputs in {tc.workdir}")
  return TrainResult(config, start, step, run.history, ips, run.last_good)


def _restore(config: config_lib.ExperimentConfig, strategy: tf.distribute.Strategy,
             stream: TextIO):
  """The train state on `strategy`, restored from the latest checkpoint that restores:
  (state, checkpointer, the step it starts at)."""
  tc = config.train
  state = train_step.create_state(config, strategy)
  checkpointer = checkpointing.Checkpointer(
      state, os.path.join(distribute.worker_dir(tc.workdir, strategy),
                          checkpointing.CHECKPOINT_SUBDIR), tc.keep_checkpoints,
      restore_directory=os.path.join(tc.workdir, checkpointing.CHECKPOINT_SUBDIR))
  for path in checkpointer.remove_partial_saves():
    print(f"infogan_tf: removed {path}, left by a save that did not finish", file=stream)
  start = checkpointer.restore_latest(log=lambda line: print(line, file=stream))
  # Checkpoints hold the optimisers' learning rates; the configured ones win on resume.
  state.g_optimizer.learning_rate = config.optimizer.g_learning_rate
  state.d_optimizer.learning_rate = config.optimizer.d_learning_rate
  return state, checkpointer, start


def _actions(config: config_lib.ExperimentConfig, state: model_lib.InfoGAN, checkpointer,
             source: data_lib.ImageSource, writer: summaries.SummaryWriter, progress: Progress,
             run: periodic_actions.Run, chief: bool) -> List[periodic_actions.Action]:
  """What the host does between loop calls: [NanGuard, LogMetrics, Checkpoint, Traversals]."""
  tc = config.train
  # The same calibration images on every worker, so mirrored variables stay identical.
  calibration = data_lib.first_images(source, CALIBRATION_IMAGES, state.pixel_range)
  return [
      periodic_actions.NanGuard(run),
      periodic_actions.LogMetrics(tc.log_every, tc.batch_size,
                                  lambda metrics: objectives.derived_metrics(config, metrics),
                                  writer, progress, run,
                                  lambda metrics: objectives.progress_fields(config, metrics)),
      periodic_actions.Checkpoint(tc.checkpoint_every, checkpointer, run,
                                  state.discriminators, calibration,
                                  lambda: int(state.step.numpy())),
      periodic_actions.Traversals(tc.image_every, state, config, writer if chief else None)]


def _run(config: config_lib.ExperimentConfig, strategy: tf.distribute.Strategy,
         state: model_lib.InfoGAN, iterator, source: data_lib.ImageSource,
         actions: List[periodic_actions.Action], checkpoint: periodic_actions.Checkpoint,
         progress: Progress, start: int) -> int:
  """Runs the compiled loop up to each next action's stop until the last step; saves on a
  signal; returns the step reached."""
  tc = config.train
  train_loop = train_step.make_train_loop(state, config, strategy)
  # Multi-worker: SIGTERM on any worker makes every worker save at the same loop call.
  runner = preemption.LoopRunner(strategy, checkpoint.save)
  run = checkpoint.run
  step = start
  try:
    while step < tc.steps:
      n = periodic_actions.next_stop(step, tc.steps, tc.steps_per_loop, actions) - step
      t0 = time.perf_counter()
      with source.reading():  # a corrupt image file is named
        raw = runner.run(train_loop, iterator, n)
      seconds = time.perf_counter() - t0
      step = int(state.step.numpy())
      call = periodic_actions.LoopCall(step, raw, n, seconds, first=step - n == start,
                                       last=step >= tc.steps)
      periodic_actions.dispatch(actions, call)
  except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError) as e:
    lost = distribute.lost_worker(e, strategy)
    if not lost:
      raise
    resume = f"resume from {run.last_good}" if run.last_good else "start again"
    raise WorkerLostError(
        f"lost contact with {lost} after step {step} (its process ended or "
        f"the network between the workers failed): restart every worker with the same command "
        f"to {resume}") from e
  except KeyboardInterrupt as e:
    preempted = isinstance(e, preemption.PreemptionSaved)  # every worker saved already
    if preempted:
      run.last_good = e.path
    else:
      checkpoint.save()
    what = ("terminated (SIGTERM)" if preempted or isinstance(e, TerminationRequested)
            else "interrupted")
    progress.close(f"infogan_tf: {what}; saved {run.last_good} "
                   f"(step {int(state.step.numpy())}); rerun the same command to resume")
    if preempted:
      raise TerminationRequested() from e
    raise
  finally:
    runner.close()
  return step
