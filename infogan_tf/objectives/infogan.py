"""InfoGAN (Chen et al. 2016): the GAN game and the mutual-information term L_I.

  D step  gan   -log D(x) - log(1 - D(G(z, c)))            trunk, D head
          info  lambda * -log Q_us(c_us | G(z, c))          trunk, Q head (Q_us columns)
  G step  gan   -log D(G(z, c))                             G
          info  lambda * -log Q_us(c_us | G(z, c))          G

Q_us: Q's outputs for the unsupervised codes (every code but the ss-InfoGAN ones, which
`semi_supervised` trains). Always on. Logs D(x) and D(G(z)) (d_real, d_fake) and each code's
cross-entropy (ce/cat<i>, nll/cont<j>).
"""

from __future__ import annotations

from typing import Dict, Tuple

from infogan_tf import config as config_lib
from infogan_tf import losses
from infogan_tf.latent import LatentSample, LatentSpec
from infogan_tf.models.discriminator import DiscriminatorOutput
from infogan_tf.objectives import base

import tensorflow as tf


def info_loss(config: config_lib.ExperimentConfig, out: DiscriminatorOutput,
              latent: LatentSample) -> losses.InfoLoss:
  """Q's cross-entropies on generated images; `total` is lambda-weighted L_I over the
  unsupervised codes (the semi-supervised codes have their own terms)."""
  ss_codes = set(config.semi_supervised.codes)
  weights = [0.0 if i in ss_codes else config.loss.lambda_categorical
             for i in range(len(config.latent.categorical))]
  return losses.info_loss(out, latent.categorical, latent.continuous, weights,
                          config.loss.lambda_continuous, config.loss.continuous_std)


class InfoGAN(base.Family):
  """The paper's objective: `gan` and `info` in both steps."""

  name = "infogan"

  @classmethod
  def enabled(cls, config: config_lib.ExperimentConfig) -> bool:
    return True

  @classmethod
  def derived_metrics(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, float]:
    """Per code, the L_I estimate H(c) - CE (mi/<code>) and its ceiling H(c) (entropy/<code>),
    from the loop's cross-entropies (ce/cat<i>, nll/cont<j>)."""
    spec = LatentSpec(config.latent)
    out = {}
    for i, h in enumerate(spec.categorical_entropies()):
      out[f"entropy/cat{i}"] = h
      out[f"mi/cat{i}"] = h - metrics[f"ce/cat{i}"]
    for j in range(spec.num_continuous):
      out[f"entropy/cont{j}"] = spec.continuous_entropy()
      out[f"mi/cont{j}"] = spec.continuous_entropy() - metrics[f"nll/cont{j}"]
    return out

  @classmethod
  def progress_fields(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, str]:
    """D and G's GAN losses; per code L_I (and H(c), its maximum, for categorical codes)."""
    spec = LatentSpec(config.latent)
    fields = {"D": f"{metrics['d/gan']:.3f}", "G": f"{metrics['g/gan']:.3f}"}
    for i, h in enumerate(spec.categorical_entropies()):
      fields[f"L_I(cat{i})"] = f"{metrics[f'mi/cat{i}']:.2f}/{h:.2f}"
    for j in range(spec.num_continuous):
      fields[f"L_I(cont{j})"] = f"{metrics[f'mi/cont{j}']:.2f}"
    return fields

  def discriminator_terms(self, D, d_pass: base.DiscriminatorPass
                          ) -> Tuple[base.Terms, base.Logs]:
    scale = self.context.scale
    real_out, fake_out, info = d_pass.real_out, d_pass.fake_out, d_pass.info
    terms = {"gan": scale(losses.discriminator_loss(real_out.logits, fake_out.logits)),
             "info": scale(info.total)}
    logs = {"d_real": scale(tf.sigmoid(real_out.logits)),
            "d_fake": scale(tf.sigmoid(fake_out.logits))}
    for i, ce in enumerate(info.categorical):
      logs[f"ce/cat{i}"] = scale(ce)
    for j in range(info.continuous.shape[-1] or 0):
      logs[f"nll/cont{j}"] = scale(info.continuous[:, j])
    return terms, logs

  def generator_terms(self, D, g_pass: base.GeneratorPass) -> Tuple[base.Terms, base.Logs]:
    scale = self.context.scale
    return {"gan": scale(losses.generator_loss(g_pass.fake_out.logits)),
            "info": scale(g_pass.info.total)}, {}
