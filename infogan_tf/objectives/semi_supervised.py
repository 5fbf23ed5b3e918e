"""ss-InfoGAN (Spurr et al. 2017): semi-supervised codes c_ss tied to a few labels.

  D step  ss_labelled     lambda_ss * -log Q_ss(y | aug(x_l))  L_IS1   trunk, Q head (Q_ss)
          ss_generated    lambda_ss * -log Q_ss(c_ss | G(z, c))        trunk, Q head (Q_ss);
                          only with `q_ss_on_generated` (the authors train Q_ss on labelled
                          images only)
          ss_consistency  w * mask * -log Q_ss(argmax Q_ss(x) | strong(x))
                          pseudo-labels on unlabelled real images (the GAN batch plus any
                          extra images); the arg-max from the moving average of D with
                          `consistency_from_average` (whose weights no term trains); kept
                          above a fixed or a per-class self-adaptive threshold
                                                                      trunk, Q head (Q_ss)
  G step  ss_generated    lambda_ss * -log Q_ss(c_ss | G(z, c))  L_IS2  G

Q_ss: Q's outputs for the ss codes. On when `semi_supervised.codes` is set. Needs a labelled
batch beside every unlabelled one (and 'extra_images' with `consistency_extra_images`); keeps the
adaptive thresholds' running statistics in the checkpoint when they are on. Logs
ss/L_IS1, ss/accuracy (labelled batch), ss/consistency, ss/mask_rate, ss/threshold and
ss/L_IS2, per ss code.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Tuple

import tensorflow as tf

from infogan_tf import augment, losses
from infogan_tf.objectives import adaptive_threshold
from infogan_tf.augment import rand_augment
from infogan_tf import config as config_lib
from infogan_tf.objectives import base

# The checkpoint key of the adaptive thresholds' statistics.
THRESHOLDS_KEY = "adaptive_thresholds"


class SemiSupervised(base.Family):
  """L_IS1, L_IS2 and the pseudo-label term of the semi-supervised codes."""

  name = "semi_supervised"

  @classmethod
  def enabled(cls, config: config_lib.ExperimentConfig) -> bool:
    return config.semi_supervised.enabled

  @classmethod
  def state_keys(cls, config: config_lib.ExperimentConfig) -> FrozenSet[str]:
    ss = config.semi_supervised
    adaptive = ss.consistency_weight > 0 and ss.consistency_adaptive_threshold
    return frozenset([THRESHOLDS_KEY] if adaptive else [])

  @classmethod
  def create_state(cls, config: config_lib.ExperimentConfig) -> Dict[str, Any]:
    if THRESHOLDS_KEY not in cls.state_keys(config):
      return {}
    sizes = [config.latent.categorical[c] for c in config.semi_supervised.codes]
    return {THRESHOLDS_KEY: adaptive_threshold.AdaptiveThresholds(sizes)}

  @classmethod
  def batch_inputs(cls, config: config_lib.ExperimentConfig) -> base.BatchInputs:
    ss = config.semi_supervised
    return base.BatchInputs(labelled_batch=ss.labelled_batch_size,
                            extra_images=ss.consistency_extra_images)

  @classmethod
  def progress_fields(cls, config: config_lib.ExperimentConfig,
                      metrics: Dict[str, float]) -> Dict[str, str]:
    """Per ss code: Q_ss on labelled real images (L_IS1, accuracy) and on generated ones
    (L_IS2); the pseudo-label term and the share of images above the threshold."""
    fields = {}
    for c in config.semi_supervised.codes:
      fields[f"L_IS1(cat{c})"] = f"{metrics[f'ss/L_IS1/cat{c}']:.2f}"
      fields[f"L_IS2(cat{c})"] = f"{metrics[f'ss/L_IS2/cat{c}']:.2f}"
      fields[f"acc(cat{c})"] = f"{metrics[f'ss/accuracy/cat{c}']:.2f}"
      if f"ss/mask_rate/cat{c}" in metrics:
        fields[f"pseudo(cat{c})"] = (f"{metrics[f'ss/consistency/cat{c}']:.2f} "
                                     f"@{metrics[f'ss/mask_rate/cat{c}']:.2f}")
    return fields

  def __init__(self, context: base.StepContext):
    super().__init__(context)
    self.ss = self.config.semi_supervised
    self.codes = tuple(self.ss.codes)
    self.teacher = context.average if self.ss.consistency_from_average else None
    if self.ss.consistency_from_average and context.average is None:
      raise ValueError("consistency_from_average needs the moving average of D")
    self.thresholds = context.state.get(THRESHOLDS_KEY)
    if (self.ss.consistency_weight > 0 and self.ss.consistency_adaptive_threshold
        and self.thresholds is None):
      raise ValueError("consistency_adaptive_threshold needs its AdaptiveThresholds")

  def _generated(self, info: losses.InfoLoss) -> tf.Tensor:
    """[b] sum over ss codes of -log Q_ss(c_ss | G(z, c)), weighted by lambda_ss."""
    return self.ss.lambda_ss * tf.add_n([info.categorical[c] for c in self.codes])

  def _view(self, images: tf.Tensor, shift: int, cutout: int = 0) -> tf.Tensor:
    rng, low = self.context.rng, self.context.pixel_low
    view = augment.random_view(images, rng, shift, self.ss.augment_flip, low)
    return augment.cutout(view, rng, cutout, low)  # [b, H, W, C]

  def _strong_view(self, images: tf.Tensor) -> tf.Tensor:
    """Shift and mirror, then RandAugment when configured, then cut-out (FixMatch's order)."""
    rng, low = self.context.rng, self.context.pixel_low
    view = augment.random_view(images, rng, self.ss.strong_shift, self.ss.augment_flip, low)
    view = rand_augment.rand_augment(view, rng, self.ss.strong_randaugment_ops,
                                     self.context.pixel_range)
    return augment.cutout(view, rng, self.ss.cutout, low)  # [b, H, W, C]

  def _consistency(self, D, d_pass: base.DiscriminatorPass, logs: base.Logs) -> tf.Tensor:
    """The pseudo-label term on unlabelled real images (and its diagnostics into `logs`).

    The weak view is the image itself: Q_ss's logits from the GAN pass (plus one more pass
    over 'extra_images' when present), or with a teacher (the moving average of D) that
    model's logits on the same images, batch statistics in both cases. The strong view is
    shifted, mirrored, RandAugmented (`strong_randaugment_ops` > 0) and cut out, and D learns
    on it. Pseudo-labels are kept above the fixed threshold, or above their class's
    self-adaptive threshold.
    """
    batch, scale = d_pass.batch, self.context.scale
    images = batch["images"]  # [b, H, W, C]
    if "extra_images" in batch:
      images = tf.concat([images, batch["extra_images"]], 0)  # [b + e, H, W, C]
    if self.teacher is not None:
      teacher_out = self.teacher(images, training=True)
      weak_logits = [tf.stop_gradient(teacher_out.categorical_logits[c])
                     for c in self.codes]  # [b + e, k] each
    else:
      weak_logits = [d_pass.real_out.categorical_logits[c] for c in self.codes]  # [b, k] each
      if "extra_images" in batch:
        extra_out = D(batch["extra_images"], training=True)
        weak_logits = [tf.concat([w, extra_out.categorical_logits[c]], 0)
                       for w, c in zip(weak_logits, self.codes)]  # [b + e, k]
    global_images = self.context.global_batch + self.ss.consistency_extra_images
    strong_out = D(self._strong_view(images), training=True)
    consistency = []
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    for index, (weak, c) in enumerate(zip(weak_logits, self.codes)):
      probs = losses.pseudo_label_probabilities(weak, self.ss.consistency_alignment)  # [b+e, k]
      threshold = self.ss.consistency_threshold
      if self.thresholds is not None:
        threshold = self.thresholds.thresholds(index, probs)  # [k]
        logs[f"ss/threshold/cat{c}"] = tf.reduce_mean(threshold) / replicas
      ce, mask = losses.masked_pseudo_label_loss(probs, strong_out.categorical_logits[c],
                                                 threshold)  # [b + e], [b + e]
      consistency.append(ce)
      logs[f"ss/consistency/cat{c}"] = scale(ce, global_images)
      logs[f"ss/mask_rate/cat{c}"] = scale(mask, global_images)
    return self.ss.consistency_weight * scale(tf.add_n(consistency), global_images)

  def discriminator_terms(self, D, d_pass: base.DiscriminatorPass
                          ) -> Tuple[base.Terms, base.Logs]:
    scale, labelled_batch = self.context.scale, self.ss.labelled_batch_size
    labelled_view = self._view(d_pass.batch["labelled_images"], self.ss.augment_shift,
                               self.ss.labelled_cutout)
    labelled_out = D(labelled_view, training=True)
    labels = d_pass.batch["labels"]  # [l, n_ss]
    terms, logs, l_is1 = {}, {}, []
    for column, c in enumerate(self.codes):
      logits = labelled_out.categorical_logits[c]  # [l, k]
      ce = losses.categorical_info_loss(logits, labels[:, column])  # [l]
      l_is1.append(ce)
      hit = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels[:, column]),
                    tf.float32)
      logs[f"ss/L_IS1/cat{c}"] = scale(ce, labelled_batch)
      logs[f"ss/accuracy/cat{c}"] = scale(hit, labelled_batch)
    terms["ss_labelled"] = self.ss.lambda_ss * scale(tf.add_n(l_is1), labelled_batch)
    if self.ss.q_ss_on_generated:
      terms["ss_generated"] = scale(self._generated(d_pass.info))
    if self.ss.consistency_weight > 0:
      terms["ss_consistency"] = self._consistency(D, d_pass, logs)
    return terms, logs

  def generator_terms(self, D, g_pass: base.GeneratorPass) -> Tuple[base.Terms, base.Logs]:
    scale = self.context.scale
    logs = {f"ss/L_IS2/cat{c}": scale(g_pass.info.categorical[c]) for c in self.codes}
    return {"ss_generated": scale(self._generated(g_pass.info))}, logs
