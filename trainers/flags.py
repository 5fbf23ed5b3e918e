"""The trainer's flags: one per config field (generated), and the trainer's own few."""

from __future__ import annotations

from absl import flags

from infogan_tf import config as config_lib
from infogan_tf.cli import command, config_flags


def define_flags(fv: flags.FlagValues = flags.FLAGS) -> None:
  """Defines the trainer flags on `fv` (idempotent per FlagValues)."""
  if "allow_resume_changes" in fv:
    return
  config_flags.define_config_flags(fv)
  command.define_flags(fv)
  flags.DEFINE_bool("allow_resume_changes", False,
                    "Let a resumed run change its data, batch size or labelled subset "
                    "(recorded in config.json's history); refused otherwise.", flag_values=fv)


def config_from_flags(fv: flags.FlagValues = flags.FLAGS) -> config_lib.ExperimentConfig:
  """The validated ExperimentConfig of parsed flags; ConfigError names the flag to fix."""
  return config_flags.config_from_flags(fv)
