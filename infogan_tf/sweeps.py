"""A sweep: the seeds of one setting, their runs, and which of them have finished.

`trainers.sweep` trains `parse_seeds(--seeds)` one after another (or one seed per task of a
cluster job array: `task_index`, `seed_of_task`), each in `<sweep>/seed_<n>` with
`seed_config`; the selection (`infogan_tf.selection`) then compares the finished runs
(`finished_runs` waits for the others or names them). Nothing here loads a model.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import time
from typing import Dict, List, Optional, Sequence, Tuple

from infogan_tf import config as config_lib
from infogan_tf.errors import RunsNotFinishedError, SelectionError
from infogan_tf.training import checkpointing

MIN_RUNS = 3  # the fewest runs a selection compares

SEED_DIR = "seed_{}"  # a sweep's workdir of one seed, under the sweep's workdir


def parse_seeds(text: str) -> List[int]:
  """'0-4' -> [0, 1, 2, 3, 4]; '0,3,7' -> [0, 3, 7]; both may mix ('0-2,9')."""
  seeds = []
  for part in filter(None, (p.strip() for p in text.split(","))):
    low, dash, high = part.partition("-")
    try:
      values = range(int(low), int(high) + 1) if dash else [int(part)]
    except ValueError:
      raise config_lib.ConfigError(f"--seeds: {part!r} is not a seed or a range like 0-4"
                                   ) from None
    if dash and int(high) < int(low):
      raise config_lib.ConfigError(f"--seeds: the range {part} is empty")
    seeds.extend(s for s in values if s not in seeds)
  if not seeds:
    raise config_lib.ConfigError("--seeds names no seed")
  if min(seeds) < 0:
    raise config_lib.ConfigError("--seeds must be >= 0")
  return seeds


def seed_config(config: config_lib.ExperimentConfig, seed: int) -> config_lib.ExperimentConfig:
  """The config of one seed: <workdir>/seed_<seed>, train.seed = seed."""
  train = dataclasses.replace(config.train, seed=seed,
                              workdir=os.path.join(config.train.workdir, SEED_DIR.format(seed)))
  return config.replace(train=train)


# Where cluster schedulers put an array task's index: a Kubernetes Indexed Job, a SLURM array.
TASK_INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID")


def task_index(explicit: Optional[int] = None,
               environ: Optional[Dict[str, str]] = None) -> Optional[Tuple[int, str]]:
  """(index, where it came from) of this array task: `explicit` (a flag), else the first of
  TASK_INDEX_VARIABLES set in `environ`; None when neither is set (not an array task).

  Raises:
    ConfigError: A variable that is not a non-negative integer.
  """
  if explicit is not None:
    return explicit, "--task_index"
  environ = os.environ if environ is None else environ
  for name in TASK_INDEX_VARIABLES:
    value = environ.get(name, "").strip()
    if value:
      if not value.isascii() or not value.isdigit():
        raise config_lib.ConfigError(f"{name}={value!r} is not a task index (an integer >= 0)")
      return int(value), name
  return None


def seed_of_task(seeds: Sequence[int], index: int, source: str) -> int:
  """The seed array task `index` trains: the index-th of `seeds`.

  Raises:
    ConfigError: The index is past the list (the message says how to size the array).
  """
  if not 0 <= index < len(seeds):
    raise config_lib.ConfigError(
        f"task index {index} (from {source}) is past the {len(seeds)} seeds "
        f"({', '.join(map(str, seeds))}): give the array {len(seeds)} tasks, indices "
        f"0-{len(seeds) - 1}")
  return seeds[index]


@dataclasses.dataclass(frozen=True)
class RunStatus:
  """How far a run is: its latest checkpoint's step of the steps it trains (0 when it has no
  checkpoint or no config yet)."""

  workdir: str
  step: int
  steps: Optional[int]

  @property
  def finished(self) -> bool:
    return self.steps is not None and self.step >= self.steps

  def describe(self) -> str:
    if self.steps is None:
      return f"{self.workdir} not started"
    return f"{self.workdir} at step {self.step} of {self.steps}"


def run_status(workdir: str) -> RunStatus:
  """A run's progress, read from its config.json and checkpoint state (no lock is taken: the
  runs may be on storage shared with machines still training them)."""
  if not os.path.exists(os.path.join(workdir, config_lib.CONFIG_FILENAME)):
    return RunStatus(workdir, 0, None)
  steps = config_lib.load_config(workdir).train.steps
  latest = checkpointing.latest_checkpoint(workdir)
  step = int(latest.rsplit("-", 1)[1]) if latest else 0
  return RunStatus(workdir, step, steps)


def finished_runs(workdirs: Sequence[str], wait_seconds: float = 0.0,
                  allow_unfinished: bool = False, poll_seconds: float = 30.0,
                  log=print) -> List[str]:
  """The runs to select among once training is over: every run, after waiting up to
  `wait_seconds` for unfinished ones; with `allow_unfinished`, the finished ones (at least
  MIN_RUNS) when others are still unfinished then.

  Raises:
    RunsNotFinishedError: Runs still unfinished (each named with its step, or 'not started').
  """
  unfinished = wait_for_runs(workdirs, wait_seconds, poll_seconds, log)
  if not unfinished:
    return list(workdirs)
  named = "; ".join(s.describe() for s in unfinished)
  done = [w for w in workdirs if w not in {s.workdir for s in unfinished}]
  if allow_unfinished and len(done) >= MIN_RUNS:
    log(f"select: leaving out {len(unfinished)} unfinished run(s): {named}")
    return done
  advice = ("wait for them (--wait=SECONDS), or select among the finished ones "
            "(--allow_unfinished)" if len(done) >= MIN_RUNS else
            f"wait for them (--wait=SECONDS): {len(done)} finished, {MIN_RUNS} needed")
  raise RunsNotFinishedError(f"{len(unfinished)} run(s) not finished: {named}; {advice}")


def wait_for_runs(workdirs: Sequence[str], wait_seconds: float, poll_seconds: float = 30.0,
                  log=print) -> List[RunStatus]:
  """Waits up to `wait_seconds` for every run to finish; returns the runs still unfinished."""
  deadline = time.monotonic() + wait_seconds
  while True:
    unfinished = [s for s in map(run_status, workdirs) if not s.finished]
    if not unfinished or time.monotonic() >= deadline:
      return unfinished
    log(f"select: waiting for {len(unfinished)} run(s): "
        + "; ".join(s.describe() for s in unfinished))
    time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))


def expand_workdirs(patterns: Sequence[str]) -> List[str]:
  """Workdirs from paths or glob patterns (sorted, duplicates dropped, order kept)."""
  out = []
  for pattern in patterns:
    matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    if not matches:
      raise SelectionError(f"no workdir matches {pattern}")
    out.extend(m for m in matches if m not in out)
  return out
