r"""Trains an InfoGAN.

  python -m trainers.main --flagfile=trainers/flagfiles/demo.flags
  python -m trainers.main --flagfile=trainers/flagfiles/mnist.flags --workdir=/tmp/mnist

Rerunning the same command resumes from the last checkpoint; a larger --steps trains on.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if __name__ == "__main__":  # `import infogan_tf` then keeps TF's C++ start-up lines off stderr
  os.environ["INFOGAN_TF_QUIET_STARTUP"] = "1"

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging  # noqa: E402

from infogan_tf.cli import config_flags  # noqa: E402
from trainers import flags as trainer_flags  # noqa: E402

trainer_flags.define_flags()
flags.adopt_module_key_flags(trainer_flags)  # --help lists the trainer's flags
flags.adopt_module_key_flags(config_flags)  # and the config's
FLAGS = flags.FLAGS


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  logging.set_verbosity(logging.WARNING)
  from infogan_tf import cli_errors  # pylint: disable=g-import-not-at-top
  from infogan_tf import training

  def work() -> int:
    config = trainer_flags.config_from_flags(FLAGS)
    training.train(config, allow_resume_changes=FLAGS.allow_resume_changes)
    return 0

  try:
    return cli_errors.run("trainers.main", work, FLAGS.debug,
                        outputs="--workdir")
  except training.TerminationRequested:
    return 143  # 128 + SIGTERM, as if the signal had ended the process, after saving
  except KeyboardInterrupt:
    return 130


if __name__ == "__main__":
  app.run(main)
