"""Keeps TensorFlow's C++ start-up chatter out of the command-line tools' stderr.

On a CPU-only machine every TensorFlow process prints lines such as
  WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
  I0000 00:00:... port.cc:153] oneDNN custom operations are on. ...
  I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, ...
  E0000 00:00:... cuda_executor.cc:...] failed call to cuInit: ...
  E0000 00:00:... meta_optimizer.cc:967] remapper failed: ...
and TF 2.21 writes them before `TF_CPP_MIN_LOG_LEVEL` is read, so that variable does not hide
them. They are not about the user's run; they bury the lines that are.

`install()` (run by `import infogan_tf` before TensorFlow loads when a command-line tool set
QUIET_ENV; library users' stderr is left alone)
points file descriptor 2 at a pipe read by a small forked process, which passes every line
through except C++ info/warning lines and a short list of known-harmless error lines. A
separate process, not a thread: if TensorFlow aborts the process, its last words still reach
the terminal. `INFOGAN_TF_VERBOSE=1` (or `--verbose` on the command line) leaves stderr alone.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import sys
import time
from typing import Sequence

VERBOSE_ENV = "INFOGAN_TF_VERBOSE"
# Set by a command-line tool before it imports infogan_tf, which then calls `install()`.
QUIET_ENV = "INFOGAN_TF_QUIET_STARTUP"

# absl's C++ log prefix: severity letter, MMDD, time, thread id, file:line]
_CPP_LOG = re.compile(rb"^([IWEF])\d{4} [\d:.]+\s+\d+ [\w.+-]+:\d+\] ")
# Error-level C++ lines that are harmless on a CPU-only machine.
_HARMLESS_ERRORS = (
    b"failed call to cuInit",
    b"remapper failed",
    b"Unable to register cu",  # cuDNN/cuFFT/cuBLAS factory registration
    b"could not open file to read NUMA node",
    # A multi-worker run that lost a worker: the collectives' own reports of it (the trainer
    # ends with one line naming the worker and the checkpoint to resume from).
    b"ring_alg.cc",
    b"base_collective_executor.cc",
    b"coordination_service.cc",
    b"coordination_service_agent.cc",
)
_NOISE_LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called",
    b"To enable the following instructions:",  # cpu_feature_guard's second line
    # gRPC's continuation lines of those collective errors
    b"Additional GRPC error information from remote target",
    b":UNKNOWN:Error received from peer",
)


def is_noise(line: bytes) -> bool:
  """True for a TensorFlow C++ info/warning line or a known-harmless error line."""
  if line.startswith(_NOISE_LINES):
    return True
  match = _CPP_LOG.match(line)
  if not match:
    return False
  if match.group(1) in (b"I", b"W"):
    return True
  return match.group(1) == b"E" and any(s in line for s in _HARMLESS_ERRORS)


def wants_verbose(argv: Sequence[str]) -> bool:
  """True when the user asked for TensorFlow's own logs (env var or --verbose)."""
  if os.environ.get(VERBOSE_ENV, "") not in ("", "0"):
    return True
  return any(a in ("--verbose", "--verbose=true", "--verbose=1") for a in argv)


def _forward(read_fd: int, write_fd: int) -> None:
  """The filter process: copy lines from the pipe to the real stderr, dropping noise."""
  with os.fdopen(read_fd, "rb", buffering=0) as pipe:
    pending = b""
    while True:
      chunk = pipe.read(65536)
      if not chunk:
        break
      pending += chunk
      *lines, pending = pending.split(b"\n")
      out = b"".join(l + b"\n" for l in lines if not is_noise(l))
      if out:
        os.write(write_fd, out)
    if pending and not is_noise(pending):
      os.write(write_fd, pending)


_installed = False


def install(argv: Sequence[str] = ()) -> bool:
  """Filters this process's stderr from now on; returns False if it left stderr alone.

  Call before TensorFlow is imported (no threads may be running: it forks). Does nothing when
  verbose output was asked for, on platforms without fork, or when it has already run.
  """
  global _installed
  if _installed or wants_verbose(argv or sys.argv) or not hasattr(os, "fork"):
    return False
  try:
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    real_stderr = os.dup(2)
    pid = os.fork()
  except OSError:
    return False
  if pid == 0:  # the filter process: lives until every writer has closed the pipe
    try:
      os.close(write_fd)
      # Ctrl-C or a SIGTERM to the process group is for the trainer, which still has lines
      # to print (e.g. where it saved); the filter ends when the pipe closes.
      for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
      _forward(read_fd, real_stderr)
    finally:
      os._exit(0)
  os.close(read_fd)
  os.dup2(write_fd, 2)
  os.close(write_fd)
  _installed = True
  atexit.register(_drain, pid, real_stderr)
  return True


def _drain(pid: int, real_stderr: int) -> None:
  """At exit: close our end of the pipe and let the filter print the last lines first."""
  try:
    sys.stderr.flush()
  except (OSError, ValueError):
    pass
  os.dup2(real_stderr, 2)  # the pipe's last writer in this process goes away
  deadline = time.monotonic() + 2.0
  while time.monotonic() < deadline:  # other writers (child processes) may keep it open
    try:
      done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
      return
    if done:
      return
    time.sleep(0.01)
