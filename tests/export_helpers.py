"""Helpers shared by the export tests: reload a workdir's models for comparisons."""

from infogan_tf.training import checkpointing
from infogan_tf import config as config_lib


def reload_models(workdir):
  """(config, generator, discriminator) restored from the workdir's latest checkpoint, the
  discriminator as export uses it (the moving average of D when the run keeps one)."""
  config = config_lib.load_config(workdir)
  generator, discriminator, _ = checkpointing.restore_trained_models(config, workdir)
  return config, generator, discriminator
