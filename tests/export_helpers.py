"""Helpers shared by the export tests: reload a workdir's model, and the serving contract's
output keys of a model (written here, from the signatures' docstring, so the tests pin the
contract independently of the code that makes it)."""

from typing import Dict, Tuple

import infogan_tf as ig


def reload_models(workdir):
  """(config, generator, discriminator) restored from the workdir's latest checkpoint, the
  discriminator as export uses it (the moving average of D when the run keeps one)."""
  model = ig.InfoGAN.from_workdir(workdir)
  return model.config, model.generator, model.encoder


def expected_outputs(model) -> Dict[str, Tuple[str, ...]]:
  """{signature: sorted output keys} of `model`'s export (infogan_tf/serving/signatures.py)."""
  spec = model.spec
  encode = ["features"] + [f"cat{i}{s}" for i in range(len(spec.categorical))
                           for s in ("_probs", "")]
  if spec.num_continuous:
    encode += ["continuous_mean", "continuous_std"]
  for name in model.class_outputs.values():
    encode += [name, name + "_probs"]
  codes = (["noise"] if spec.noise_dim else []) + (
      ["categorical"] if spec.categorical else []) + (
      ["continuous"] if spec.num_continuous else [])
  keys = {"encode": encode, "encode_image_bytes": encode + ["images"], "generate": ["images"],
          "sample": ["images"] + codes, "invert": ["images", "error"] + codes,
          "invert_with_settings": ["images", "error"] + codes}
  if spec.categorical or spec.num_continuous:
    keys["sample_with_codes"] = ["images"] + codes
  if model.class_outputs:
    keys["generate_class"] = ["images"] + codes
  keys["serving_default"] = keys["encode"]
  return {k: tuple(sorted(v)) for k, v in keys.items()}
