r"""Trains an InfoGAN.

  python -m trainers.main --flagfile=trainers/flagfiles/demo.flags
  python -m trainers.main --flagfile=trainers/flagfiles/mnist.flags --workdir=/tmp/mnist

Rerunning the same command resumes from the last checkpoint; a larger --steps trains on.
"""

from __future__ import annotations


from absl import flags

from infogan_tf.cli import command
from infogan_tf.cli import config_flags
from trainers import flags as trainer_flags

trainer_flags.define_flags()
flags.adopt_module_key_flags(trainer_flags)  # --help lists the trainer's flags
flags.adopt_module_key_flags(config_flags)  # and the config's
flags.adopt_module_key_flags(command)  # and --debug, --verbose
FLAGS = flags.FLAGS


def work() -> int:
  from infogan_tf import training  # pylint: disable=g-import-not-at-top
  config = trainer_flags.config_from_flags(FLAGS)
  training.train(config, allow_resume_changes=FLAGS.allow_resume_changes)
  return 0


if __name__ == "__main__":
  command.run("trainers.main", work, outputs="--workdir")
