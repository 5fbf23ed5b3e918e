r"""Trains an InfoGAN.

  python -m trainers.main --flagfile=trainers/flagfiles/demo.flags
  python -m trainers.main --flagfile=trainers/flagfiles/mnist.flags --workdir=/tmp/mnist

Rerunning the same command resumes from the last checkpoint; a larger --steps trains on.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging  # noqa: E402

from trainers import flags as trainer_flags  # noqa: E402

trainer_flags.define_flags()
FLAGS = flags.FLAGS


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  logging.set_verbosity(logging.WARNING)
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib
  from infogan_tf import checkpointing, training
  from infogan_tf import workdir_lock

  try:
    config = trainer_flags.config_from_flags(FLAGS)
    training.train(config, allow_resume_changes=FLAGS.allow_resume_changes)
  except config_lib.ConfigError as e:
    print(f"trainers.main: invalid configuration: {e}", file=sys.stderr)
    return 2
  except data_lib.DataError as e:
    print(f"trainers.main: data error: {e}", file=sys.stderr)
    return 1
  except training.NonFiniteLossError as e:
    print(f"trainers.main: training diverged: {e}", file=sys.stderr)
    return 1
  except checkpointing.CheckpointError as e:
    print(f"trainers.main: checkpoint error: {e}", file=sys.stderr)
    return 1
  except workdir_lock.WorkdirLockedError as e:
    print(f"trainers.main: workdir busy: {e}", file=sys.stderr)
    return 1
  except training.TerminationRequested:
    return 143  # 128 + SIGTERM, as if the signal had ended the process, after saving
  except KeyboardInterrupt:
    return 130
  return 0


if __name__ == "__main__":
  app.run(main)
