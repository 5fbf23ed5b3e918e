"""Where a benchmark's results go, and what every results file carries.

Every benchmark writes one JSON file under benchmarks/results/ and nothing else; the pages that
show the figures (docs/results.md, the README's results table) are rendered from those files by
`python -m benchmarks.results_page`. `write` stamps each file with the three facts every row of
that page shows beside its figures: the date, the machine (`infogan_tf.machine.describe`: CPU
model and ISA, core count, versions) and the command that reproduces it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from typing import Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")


def command_line(argv: Optional[Sequence[str]] = None) -> str:
  """This process's command as a user reruns it: `python -m <module> <args>`.

  Args:
    argv: the arguments (sys.argv when None); argv[0] is the module's file.
  """
  argv = list(sys.argv if argv is None else argv)
  script = os.path.abspath(argv[0]) if argv else ""
  if script.startswith(ROOT + os.sep) and script.endswith(".py"):
    module = os.path.relpath(script, ROOT)[:-3].replace(os.sep, ".")
    head = ["python", "-m", module]
  else:
    head = ["python", os.path.basename(script)] if script else ["python"]
  args = [a.replace(ROOT + os.sep, "") for a in argv[1:]]
  return shlex.join(head + args)


def stamp(payload: dict, command: Optional[str] = None) -> dict:
  """payload with `date`, `machine` and `command` (kept where payload already has them)."""
  from infogan_tf import machine  # pylint: disable=g-import-not-at-top
  out = dict(payload)
  out.setdefault("date", time.strftime("%Y-%m-%d", time.gmtime()))
  out.setdefault("machine", machine.describe())
  out.setdefault("command", command or command_line())
  return out


def write(name_or_path: str, payload: dict, command: Optional[str] = None,
          indent: int = 2) -> str:
  """Writes payload (stamped) as benchmarks/results/<name>.json, or to a path; returns it.

  Args:
    name_or_path: a bare name ("throughput_avx2") or a path ending in .json.
    payload: the results.
    command: the command that reproduces them (this process's when None).
    indent: JSON indent.
  """
  path = (name_or_path if name_or_path.endswith(".json")
          else os.path.join(RESULTS, f"{name_or_path}.json"))
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  with open(path, "w") as f:
    json.dump(stamp(payload, command), f, indent=indent)
    f.write("\n")
  return path
