"""The prologue the commands share (`trainers.main`, `trainers.evaluate`, `export.main`).

`--debug` and `--verbose`, unexpected arguments as a usage error, absl's logging at WARNING,
every failure as one line and an exit code (`infogan_tf.cli.errors`), Ctrl-C as exit 130 and
SIGTERM during training as 143 (after the trainer saved). TensorFlow's log environment is set by
the command's package (`trainers/__init__.py`, `export/__init__.py`: it runs before anything
imports infogan_tf, which imports TensorFlow, so `INFOGAN_TF_QUIET_STARTUP` is set in time); a
command module defines its flags and ends with

  if __name__ == "__main__":
    command.run("export.main", work, outputs="--export_dir")

where `work()` does the command's job with the parsed flags and returns its exit code.
"""

from __future__ import annotations

import sys
from typing import Callable, List

from absl import app
from absl import flags
from absl import logging

from infogan_tf import errors
from infogan_tf.cli import errors as cli_errors


def define_flags(fv: flags.FlagValues = flags.FLAGS) -> None:
  """--debug and --verbose (idempotent per FlagValues)."""
  if "debug" in fv:
    return
  flags.DEFINE_bool("debug", False, "Print the traceback of an error (also INFOGAN_DEBUG=1).",
                    flag_values=fv)
  flags.DEFINE_bool("verbose", False, "Show TensorFlow's own C++ log lines (also "
                    "INFOGAN_TF_VERBOSE=1).", flag_values=fv)


def main_function(program: str, work: Callable[[], int], outputs: str,
                  fv: flags.FlagValues = flags.FLAGS) -> Callable[[List[str]], int]:
  """The `main(argv)` absl's `app.run` calls: the shared prologue around `work`."""

  def main(argv: List[str]) -> int:
    if len(argv) > 1:
      raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)
    try:
      return cli_errors.run(program, work, fv.debug, outputs=outputs)
    except errors.TerminationRequested:
      return 143  # 128 + SIGTERM, as if the signal had ended the process, after saving
    except KeyboardInterrupt:
      return 130

  return main


def flags_parser(program: str, fv: flags.FlagValues = flags.FLAGS) -> Callable:
  """absl's flag parsing with an unknown flag or a bad value as one line and exit 2 (a usage
  error, as every command's other usage errors; absl's own parser exits 1 with two lines)."""

  def parse(argv: List[str]) -> List[str]:
    try:
      return fv(argv)
    except flags.Error as e:
      print(f"{program}: usage error: {e} (--helpshort lists the flags)", file=sys.stderr)
      sys.exit(2)

  return parse


def run(program: str, work: Callable[[], int], outputs: str) -> None:
  """Runs the command (parses flags, then `work`) and exits with its code."""
  app.run(main_function(program, work, outputs), flags_parser=flags_parser(program))
