"""The InfoGAN and ss-InfoGAN objectives as sums of named loss terms.

The train step minimises, per replica,
  D step:  sum(discriminator terms)  over D's variables (shared trunk, D head, Q head);
  G step:  sum(generator terms)      over G's variables.
Each term is a plain function of `infogan_tf.losses` applied to one batch; here they are put
together, weighted by the config and scaled to this replica's share of the global mean.

Which variables each term trains (tested in tests/objectives_test.py; "Q_us" / "Q_ss" are the
columns of Q's output layer for unsupervised / semi-supervised codes):

  D step (generated images are held fixed: no term reaches G)
    gan             -log D(x) - log(1 - D(G(z, c)))            trunk, D head
    info            lambda * -log Q_us(c_us | G(z, c))          trunk, Q head (Q_us columns)
    real_info       -w * I(Q(x); Q(view of x)) (IIC extension) trunk, Q head
    ss_labelled     lambda_ss * -log Q_ss(y | aug(x_l))  L_IS1  trunk, Q head (Q_ss columns)
    ss_generated    lambda_ss * -log Q_ss(c_ss | G(z, c))       trunk, Q head (Q_ss columns);
                    only with `q_ss_on_generated` (the authors train Q_ss on labelled images
                    only)
    ss_consistency  w * mask * -log Q_ss(argmax Q_ss(x) | strong(x)) (pseudo-labels on
                    unlabelled real images, the GAN batch plus any extra images; the
                    arg-max from the moving average of D with `consistency_from_average`,
                    whose weights no term trains; kept above a fixed or a per-class
                    self-adaptive threshold)
                                                                trunk, Q head (Q_ss columns)
  G step (the updated D is re-run on the same generated batch; D's variables are not updated)
    gan             -log D(G(z, c))                             G
    info            lambda * -log Q_us(c_us | G(z, c))          G
    ss_generated    lambda_ss * -log Q_ss(c_ss | G(z, c)) L_IS2 G

Adding a term: one function in losses.py, one config field, one line below.
"""

from __future__ import annotations

from typing import Dict, Tuple

import tensorflow as tf

from infogan_tf import augment, losses, rand_augment
from infogan_tf import config as config_lib
from infogan_tf.latent import LatentSample
from infogan_tf.models.discriminator import DiscriminatorOutput

Terms = Dict[str, tf.Tensor]  # term name -> scalar, this replica's share of the global mean
Logs = Dict[str, tf.Tensor]  # diagnostic name -> scalar share (summed over replicas)


class Objective:
  """Builds the named D and G terms of one replica's step.

  Args:
    config: The experiment config.
    rng: Random generator for augmentations (per-replica stream under a strategy).
    pixel_range: The architecture's (low, high) pixel values; low is the background (fill
      for shifts and cut-outs).
    global_batch: Global size of the unlabelled (and generated) batch.
    average: The moving average of D (a Discriminator) when the run keeps one; with
      `consistency_from_average` the pseudo-labels come from it.
    thresholds: The `adaptive_threshold.AdaptiveThresholds` of a run with
      `consistency_adaptive_threshold` (else the fixed `consistency_threshold` applies).
  """

  def __init__(self, config: config_lib.ExperimentConfig, rng: tf.random.Generator,
               pixel_range: Tuple[float, float], global_batch: int, average=None,
               thresholds=None):
    self.teacher = average if config.semi_supervised.consistency_from_average else None
    if config.semi_supervised.consistency_from_average and average is None:
      raise ValueError("consistency_from_average needs the moving average of D")
    if config.semi_supervised.consistency_adaptive_threshold and thresholds is None:
      raise ValueError("consistency_adaptive_threshold needs its AdaptiveThresholds")
    self.thresholds = thresholds
    self.loss = config.loss
    self.ss = config.semi_supervised
    self.rng = rng
    self.pixel_range = tuple(pixel_range)
    self.pixel_low = self.pixel_range[0]
    self.global_batch = global_batch
    self.num_categorical = len(config.latent.categorical)
    self.ss_codes = tuple(self.ss.codes)
    self.real_info = self.loss.real_info_weight > 0 and self.num_categorical > 0
    # Per-code weight of the categorical L_I term; ss codes have their own terms.
    self.info_weights = [0.0 if i in self.ss_codes else self.loss.lambda_categorical
                         for i in range(self.num_categorical)]

  def scale(self, per_example: tf.Tensor, global_batch: int = None) -> tf.Tensor:
    """[b] -> this replica's share of the mean over the global batch."""
    return tf.nn.compute_average_loss(per_example,
                                      global_batch_size=global_batch or self.global_batch)

  def _info(self, out: DiscriminatorOutput, latent: LatentSample) -> losses.InfoLoss:
    return losses.info_loss(out, latent.categorical, latent.continuous, self.info_weights,
                            self.loss.lambda_continuous, self.loss.continuous_std)

  def _ss_generated(self, info: losses.InfoLoss) -> tf.Tensor:
    """[b] sum over ss codes of -log Q_ss(c_ss | G(z, c)), weighted by lambda_ss."""
    return self.ss.lambda_ss * tf.add_n([info.categorical[c] for c in self.ss_codes])

  def _view(self, images: tf.Tensor, shift: int, cutout: int = 0) -> tf.Tensor:
    view = augment.random_view(images, self.rng, shift, self.ss.augment_flip, self.pixel_low)
    return augment.cutout(view, self.rng, cutout, self.pixel_low)  # [b, H, W, C]

  def _strong_view(self, images: tf.Tensor) -> tf.Tensor:
    """Shift and mirror, then RandAugment when configured, then cut-out (FixMatch's order)."""
    view = augment.random_view(images, self.rng, self.ss.strong_shift, self.ss.augment_flip,
                               self.pixel_low)
    view = rand_augment.rand_augment(view, self.rng, self.ss.strong_randaugment_ops,
                                     self.pixel_range)
    return augment.cutout(view, self.rng, self.ss.cutout, self.pixel_low)  # [b, H, W, C]

  def _consistency(self, D, batch: Dict[str, tf.Tensor], real_out: DiscriminatorOutput,
                   logs: Logs) -> tf.Tensor:
    """The pseudo-label term on unlabelled real images (and its diagnostics into `logs`).

    The weak view is the image itself: Q_ss's logits from the GAN pass (plus one more pass
    over 'extra_images' when present), or with a teacher (the moving average of D) that
    model's logits on the same images, batch statistics in both cases. The strong view is
    shifted, mirrored, RandAugmented (`strong_randaugment_ops` > 0) and cut out, and D learns
    on it. Pseudo-labels are kept above the fixed
    threshold, or above their class's self-adaptive threshold.
    """
    images = batch["images"]  # [b, H, W, C]
    if "extra_images" in batch:
      images = tf.concat([images, batch["extra_images"]], 0)  # [b + e, H, W, C]
    if self.teacher is not None:
      teacher_out = self.teacher(images, training=True)
      weak_logits = [tf.stop_gradient(teacher_out.categorical_logits[c])
                     for c in self.ss_codes]  # [b + e, k] each
    else:
      weak_logits = [real_out.categorical_logits[c] for c in self.ss_codes]  # [b, k] each
      if "extra_images" in batch:
        extra_out = D(batch["extra_images"], training=True)
        weak_logits = [tf.concat([w, extra_out.categorical_logits[c]], 0)
                       for w, c in zip(weak_logits, self.ss_codes)]  # [b + e, k]
    global_images = self.global_batch + self.ss.consistency_extra_images
    strong_out = D(self._strong_view(images), training=True)
    consistency = []
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    for index, (weak, c) in enumerate(zip(weak_logits, self.ss_codes)):
      probs = losses.pseudo_label_probabilities(weak, self.ss.consistency_alignment)  # [b+e, k]
      threshold = self.ss.consistency_threshold
      if self.thresholds is not None:
        threshold = self.thresholds.thresholds(index, probs)  # [k]
        logs[f"ss/threshold/cat{c}"] = tf.reduce_mean(threshold) / replicas
      ce, mask = losses.masked_pseudo_label_loss(probs, strong_out.categorical_logits[c],
                                                 threshold)  # [b + e], [b + e]
      consistency.append(ce)
      logs[f"ss/consistency/cat{c}"] = self.scale(ce, global_images)
      logs[f"ss/mask_rate/cat{c}"] = self.scale(mask, global_images)
    return self.ss.consistency_weight * self.scale(tf.add_n(consistency), global_images)

  def discriminator_terms(self, D, batch: Dict[str, tf.Tensor], fake: tf.Tensor,
                          latent: LatentSample) -> Tuple[Terms, Logs]:
    """The D-step terms and diagnostics (call inside the D tape).

    Args:
      D: The Discriminator.
      batch: {'images': [b, H, W, C]} and, for ss runs, 'labelled_images' [l, H, W, C] and
        'labels' [l, n_ss] int32 (one column per ss code), optionally 'extra_images'
        [e, H, W, C] for the pseudo-label term.
      fake: [b, H, W, C] generated images (gradient stopped by the caller).
      latent: The LatentSample that made `fake`.

    Returns:
      (terms, logs).
    """
    images = batch["images"]  # [b, H, W, C]
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    real_out = D(images, training=True)
    fake_out = D(fake, training=True)
    info = self._info(fake_out, latent)
    terms = {"gan": self.scale(losses.discriminator_loss(real_out.logits, fake_out.logits)),
             "info": self.scale(info.total)}
    logs = {"d_real": self.scale(tf.sigmoid(real_out.logits)),
            "d_fake": self.scale(tf.sigmoid(fake_out.logits))}
    for i, ce in enumerate(info.categorical):
      logs[f"ce/cat{i}"] = self.scale(ce)
    for j in range(info.continuous.shape[-1] or 0):
      logs[f"nll/cont{j}"] = self.scale(info.continuous[:, j])

    if self.real_info:  # extension: Q's categorical heads also cluster real images (IIC)
      real_probs = [tf.nn.softmax(a) for a in real_out.categorical_logits]  # [b, k]
      if self.loss.real_info_pairing == "neighbour":
        nearest = augment.nearest_neighbour_indices(real_out.features)  # [b]
        view_probs = [tf.gather(p, nearest) for p in real_probs]
      else:
        view = augment.random_view(images, self.rng, self.loss.augment_shift,
                                   self.loss.augment_flip, self.pixel_low,
                                   self.loss.augment_zoom)  # [b, H, W, C]
        view_probs = [tf.nn.softmax(a) for a in D(view, training=True).categorical_logits]
      real_mi = [losses.paired_assignment_mutual_information(p, v)
                 for p, v in zip(real_probs, view_probs)]
      terms["real_info"] = -self.loss.real_info_weight * tf.add_n(real_mi) / replicas
      for i, mi in enumerate(real_mi):
        logs[f"real_mi/cat{i}"] = mi / replicas

    if self.ss.enabled:
      labelled_batch = self.ss.labelled_batch_size
      labelled_view = self._view(batch["labelled_images"], self.ss.augment_shift,
                                 self.ss.labelled_cutout)
      labelled_out = D(labelled_view, training=True)
      labels = batch["labels"]  # [l, n_ss]
      l_is1 = []
      for column, c in enumerate(self.ss_codes):
        logits = labelled_out.categorical_logits[c]  # [l, k]
        ce = losses.categorical_info_loss(logits, labels[:, column])  # [l]
        l_is1.append(ce)
        hit = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32),
                               labels[:, column]), tf.float32)
        logs[f"ss/L_IS1/cat{c}"] = self.scale(ce, labelled_batch)
        logs[f"ss/accuracy/cat{c}"] = self.scale(hit, labelled_batch)
      terms["ss_labelled"] = self.ss.lambda_ss * self.scale(tf.add_n(l_is1), labelled_batch)
      if self.ss.q_ss_on_generated:
        terms["ss_generated"] = self.scale(self._ss_generated(info))
      if self.ss.consistency_weight > 0:
        terms["ss_consistency"] = self._consistency(D, batch, real_out, logs)
    return terms, logs

  def generator_terms(self, D, fake: tf.Tensor, latent: LatentSample) -> Tuple[Terms, Logs]:
    """The G-step terms and diagnostics (call inside the G tape, after the D update).

    Args:
      D: The Discriminator (already updated this step).
      fake: [b, H, W, C] generated images, on G's tape.
      latent: The LatentSample that made `fake`.

    Returns:
      (terms, logs).
    """
    fake_out = D(fake, training=True)
    info = self._info(fake_out, latent)
    terms = {"gan": self.scale(losses.generator_loss(fake_out.logits)),
             "info": self.scale(info.total)}
    logs = {}
    if self.ss.enabled:
      terms["ss_generated"] = self.scale(self._ss_generated(info))
      for c in self.ss_codes:
        logs[f"ss/L_IS2/cat{c}"] = self.scale(info.categorical[c])
    return terms, logs
