"""Helpers shared by the export tests: reload a workdir's models for comparisons."""

from infogan_tf.training import checkpointing
from infogan_tf import config as config_lib
from infogan_tf.models import build_models


def reload_models(workdir):
  """(config, generator, discriminator) restored from the workdir's latest checkpoint, the
  discriminator as export uses it (the moving average of D when the run keeps one)."""
  config = config_lib.load_config(workdir)
  generator, discriminator = build_models(config)
  checkpointing.restore_for_inference(generator, discriminator, workdir,
                                      averaged=config.optimizer.averages_discriminator)
  return config, generator, discriminator
