"""The library's error classes and the one-line text of any error (a leaf: it imports nothing
of infogan_tf, so every package may import it).

Every error the library raises on purpose is an `InfoGANError` (`except ig.InfoGANError`
catches them all), and keeps the built-in base it had (`ConfigError` is still a ValueError).
`TerminationRequested` is the exception: it is a KeyboardInterrupt (a stop, not an error).
Each class's message says what went wrong and what to do, in a sentence meant for a person. The
command-line tools give each class a prefix and an exit code (`infogan_tf.cli.errors`); library
code that reports another exception inside its own message uses `first_line`.
"""

from __future__ import annotations

import re
from typing import List


class InfoGANError(Exception):
  """The root of the library's errors; the message is one sentence saying what to do."""


class ConfigError(InfoGANError, ValueError):
  """An invalid configuration value; the message says what to fix."""


class DataError(InfoGANError, RuntimeError):
  """Data is missing or malformed; the message says where it was looked for and what to do."""


class CheckpointError(InfoGANError, RuntimeError):
  """Checkpoints exist but cannot be restored, or do not fit the model."""


class NonFiniteStateError(InfoGANError, RuntimeError):
  """The training state holds NaN/Inf values; it was not saved.

  Attributes:
    names: Paths of the non-finite variables.
  """

  def __init__(self, message: str, names: List[str]):
    super().__init__(message)
    self.names = names


class NonFiniteLossError(InfoGANError, RuntimeError):
  """A loss became NaN/Inf; nothing was saved after the last good checkpoint."""


class WorkdirLockedError(InfoGANError, RuntimeError):
  """Another live process holds the workdir's lock.

  Attributes:
    holder: The holder's pid, as it wrote it in the lock file ('unknown' when unreadable).
  """

  def __init__(self, message: str, holder: str = "unknown"):
    super().__init__(message)
    self.holder = holder


class WorkerLostError(InfoGANError, RuntimeError):
  """A multi-worker run lost another worker (killed, crashed, network); the message says which
  and the checkpoint every worker resumes from."""


class TerminationRequested(KeyboardInterrupt):
  """SIGTERM arrived (a scheduler's stop or preemption); handled like Ctrl-C: save, then stop."""


class WorkdirError(InfoGANError, ValueError):
  """A path that is not a run, a refined run or a selection; the message says what it is."""


class ExportError(InfoGANError, RuntimeError):
  """The export cannot be written as asked; the message says why."""


class SelectionError(InfoGANError, ValueError):
  """The runs cannot be compared (too few, different latents or data, no checkpoint), or are
  not finished (`RunsNotFinishedError`)."""


class RunsNotFinishedError(SelectionError):
  """Runs of a sweep are still training or not started: wait for them (the message names each
  run and its step)."""


class RefineError(InfoGANError, ValueError):
  """A run that cannot be refined (no categorical code, too few confident images); the message
  says why. A run still training is a `WorkdirLockedError`."""


# Lines TensorFlow wraps a graph's error in ("Graph execution error:", "Detected at node ...
# defined at (most recent call last):", "<stack traces unavailable>", "[[{{node ...}}]]").
_TF_FRAME = re.compile(r"^(Graph execution error:?|Detected at node .*|<stack traces unavailable>|"
                       r"\[\[.*\]\].*|File \".*|)$")


def first_line(error: BaseException) -> str:
  """An exception's message, first line only (at most 300 characters), without TensorFlow's
  '{{function_node ...}}' and '[Op:...]' decorations and the lines a graph's error is wrapped
  in (the op's own message is the line kept)."""
  text = (getattr(error, "message", None) or str(error) or "").strip()
  text = re.sub(r"\{\{[^}]*\}\}\s*", "", text)
  lines = [line.strip() for line in text.splitlines()]
  line = next((line for line in lines if not _TF_FRAME.match(line)), lines[0] if lines else "")
  line = re.sub(r"\s*\[Op:[^\]]*\].*$", "", line).strip()
  return line[:300] or type(error).__name__
