"""One line per failure for the command-line tools: what went wrong and what to do.

`run(program, fn, debug)` calls `fn` and turns any exception into one line on stderr and an exit
code: 2 when what was asked cannot work as given (a configuration, a path that is not a run, runs
that cannot be selected, a run that cannot be refined: change the command), 1 when the work
failed or must wait (data, OS, checkpoints, divergence, a busy workdir, unfinished runs, a lost
worker, an export: the command may be right). The command
lines (`trainers.main`, `trainers.evaluate`, `export.main`) wrap their work in it; `--debug` (or
the environment variable INFOGAN_DEBUG=1) also prints the traceback.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import traceback
from typing import Callable, Tuple

from infogan_tf import errors
from infogan_tf.errors import first_line

DEBUG_ENV = "INFOGAN_DEBUG"

# The library's error classes (infogan_tf.errors) -> (prefix, exit code).
_KNOWN = {
    errors.ConfigError: ("invalid configuration", 2),
    errors.WorkdirError: ("not a run", 2),
    errors.DataError: ("data error", 1),
    errors.NonFiniteLossError: ("training diverged", 1),
    errors.CheckpointError: ("checkpoint error", 1),
    errors.WorkdirLockedError: ("workdir busy", 1),
    errors.WorkerLostError: ("worker lost", 1),
    errors.ExportError: ("export error", 1),
    errors.SelectionError: ("selection error", 2),
    errors.RunsNotFinishedError: ("selection error", 1),
    errors.RefineError: ("cannot refine", 2),
}


def _written_path(text: str) -> str:
  """The first file path in a TensorFlow error message, without a checkpoint save's temporary
  suffix; TensorFlow's device names (/job:localhost/replica:0/...) are not paths."""
  text = re.sub(r"\{\{[^}]*\}\}", " ", text)
  for match in re.finditer(r"(?<![\w:])/[^\s;,'\"{}]+", text):
    path = match.group(0)
    if not path.startswith("/job:") and "/device:" not in path:
      return re.split(r"_temp|\.tempstate", path)[0]
  return ""


def _os_error(e: OSError, outputs: str) -> str:
  where = e.filename or ""
  if e.errno == errno.EROFS:
    return f"{where} is on a read-only file system: pick a writable {outputs}"
  if e.errno == errno.ENOSPC:
    return f"no space left on the device while writing {where}: free space and rerun"
  if e.errno in (errno.EACCES, errno.EPERM):
    return f"permission denied: {where} (pick a writable {outputs} if it is an output)"
  if e.errno in (errno.ENOTDIR, errno.EEXIST) and where:
    return f"{where} (or a folder above it) is a file, not a folder"
  if e.errno == errno.ENOENT:
    return f"not found: {where}"
  return f"{e.strerror or first_line(e)}: {where}".rstrip(": ")


def describe(error: BaseException, outputs: str = "output folder") -> Tuple[str, int]:
  """(one-line message, exit code) for an exception.

  Args:
    error: The exception.
    outputs: The flags that choose where the program writes, named in the advice of an
      unwritable-location error (e.g. '--workdir').
  """
  for cls in type(error).__mro__:
    if cls in _KNOWN:
      prefix, code = _KNOWN[cls]
      return f"{prefix}: {first_line(error)}", code
  if isinstance(error, OSError):
    return f"OS error: {_os_error(error, outputs)}", 1
  module = type(error).__module__ or ""
  text = str(error)
  if "No space left on device" in text:  # TF's file writers report ENOSPC in the message
    where = _written_path(text)
    return (f"OS error: no space left on the device while writing "
            f"{where or 'a file'}: free space and rerun"), 1
  if module.startswith("tensorflow"):  # tf.errors.*: data or resource problems
    return f"TensorFlow error ({type(error).__name__}): {first_line(error)}", 1
  return (f"internal error ({type(error).__name__}): {first_line(error)} (rerun with --debug "
          "for the traceback and report it)"), 1


def run(program: str, fn: Callable[[], int], debug: bool = False,
        outputs: str = "output folder") -> int:
  """Runs `fn`; any exception becomes one line on stderr and an exit code.

  Args:
    program: Prefix of the message (e.g. 'trainers.main').
    fn: The command's work; returns its exit code.
    debug: Also print the traceback (as does INFOGAN_DEBUG=1).
    outputs: See `describe`.

  Returns:
    fn's exit code, or the error's.
  """
  try:
    return fn()
  except KeyboardInterrupt:
    raise
  except Exception as e:  # pylint: disable=broad-except
    if debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
      traceback.print_exc()
    message, code = describe(e, outputs)
    print(f"{program}: {message}", file=sys.stderr)
    return code
