"""One trainer per workdir: an exclusive lock the OS releases when its holder dies.

The lock is `fcntl.flock` on `<workdir>/.lock`, which holds the holder's pid for the message a
second trainer gets. A killed trainer's lock is released by the OS with its process, so a stale
lock file (a dead pid) never blocks. (flock is advisory and local: on a network file system
shared by several machines it may not exclude a trainer on another machine.)
"""

from __future__ import annotations

import os
from typing import Optional

from infogan_tf.errors import WorkdirLockedError

LOCK_FILENAME = ".lock"


class WorkdirLock:
  """Holds `<workdir>/.lock` exclusively until `release()` (or process exit).

  Args:
    workdir: The run directory (created if missing).

  Raises:
    WorkdirLockedError: Another process holds the lock (the message names its pid).
  """

  def __init__(self, workdir: str):
    os.makedirs(workdir, exist_ok=True)
    self.path = os.path.join(workdir, LOCK_FILENAME)
    self._fd: Optional[int] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl = posix_locks()
      fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      holder = os.pread(self._fd, 64, 0).decode(errors="replace").strip() or "unknown"
      os.close(self._fd)
      self._fd = None
      raise WorkdirLockedError(
          f"{workdir} is in use by another trainer (pid {holder}); wait for it to finish, "
          "stop it, or use another --workdir", holder) from None
    os.ftruncate(self._fd, 0)
    os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

  def release(self) -> None:
    """Releases the lock (idempotent)."""
    if self._fd is not None:
      posix_locks().flock(self._fd, posix_locks().LOCK_UN)
      os.close(self._fd)
      self._fd = None

  def __enter__(self) -> "WorkdirLock":
    return self

  def __exit__(self, *exc) -> None:
    self.release()


def posix_locks():
  """POSIX file locks (imported here, not at the top, so the package imports on Windows too;
  locking a workdir there is not supported)."""
  try:
    import fcntl  # pylint: disable=g-import-not-at-top
  except ImportError as e:
    raise OSError("locking a workdir needs POSIX file locks (fcntl), which this platform "
                  "lacks: train on Linux or macOS") from e
  return fcntl
