"""A one-line progress bar: step, images/s, ETA, losses and L_I against H(c)."""

from __future__ import annotations

import sys
import time
from typing import Dict, Optional, TextIO


def format_duration(seconds: float) -> str:
  seconds = max(0, int(seconds))
  h, rem = divmod(seconds, 3600)
  m, s = divmod(rem, 60)
  return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
  """Prints training progress; rewrites one line on a terminal, one line per update otherwise.

  Args:
    total_steps: The step count training runs to.
    start_step: The step training (re)starts from.
    stream: Output stream (default stderr).
  """

  def __init__(self, total_steps: int, start_step: int = 0, stream: Optional[TextIO] = None):
    self.total = total_steps
    self.start = start_step
    self.stream = stream or sys.stderr
    self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
    self.t0 = time.time()

  def line(self, step: int, images_per_sec: float, steps_per_sec: float,
           values: Dict[str, str]) -> str:
    """The progress text at `step`; `steps_per_sec` drives the ETA (0 = unknown)."""
    width = 20
    done = min(width, int(width * step / max(1, self.total)))
    bar = "#" * done + "-" * (width - done)
    eta = format_duration((self.total - step) / steps_per_sec) if steps_per_sec else "?"
    fields = " ".join(f"{k}={v}" for k, v in values.items())
    # The first call includes tracing and compiling: no speed until a later one is timed.
    speed = f"{images_per_sec:.0f}" if images_per_sec > 0 else "-"
    return (f"step {step}/{self.total} [{bar}] {speed} img/s ETA {eta} "
            f"{fields}").rstrip()

  def update(self, step: int, images_per_sec: float, steps_per_sec: float,
             values: Dict[str, str]) -> None:
    """Shows the state at `step`."""
    text = self.line(step, images_per_sec, steps_per_sec, values)
    if self.tty:
      self.stream.write("\r\033[K" + text)
    else:
      self.stream.write(text + "\n")
    self.stream.flush()

  def close(self, message: str = "") -> None:
    if self.tty:
      self.stream.write("\n")
    if message:
      self.stream.write(message + "\n")
    self.stream.flush()
