"""InfoGAN losses as plain tensor functions (per-example values; the caller reduces).

Per-example outputs let the distributed train step scale by the *global* batch with
`tf.nn.compute_average_loss`, so gradients are right under any number of replicas.
All entropies and log-likelihoods are in nats.
"""

from __future__ import annotations

import dataclasses
import math
from typing import List, Optional, Sequence, Tuple, Union

import tensorflow as tf

LOG_STD_MIN = -5.0
LOG_STD_MAX = 2.0
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def discriminator_loss(real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
  """Standard GAN discriminator loss -log D(x) - log(1 - D(G(z))).

  Args:
    real_logits: [B] D logits on real images.
    fake_logits: [B] D logits on generated images.

  Returns:
    [B] per-example loss.
  """
  return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)


def generator_loss(fake_logits: tf.Tensor) -> tf.Tensor:
  """Non-saturating generator loss -log D(G(z)).

  Args:
    fake_logits: [B] D logits on generated images.

  Returns:
    [B] per-example loss.
  """
  return tf.nn.softplus(-fake_logits)


def categorical_info_loss(logits: tf.Tensor, indices: tf.Tensor) -> tf.Tensor:
  """-log Q(c|x) for one categorical code: cross-entropy of Q's softmax with the sampled c.

  Args:
    logits: [B, k] Q logits.
    indices: [B] int category that generated x.

  Returns:
    [B] cross-entropy in nats.
  """
  return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=indices, logits=logits)


def continuous_info_loss(
    mean: tf.Tensor,
    log_std: tf.Tensor,
    values: tf.Tensor,
    fixed_std: Optional[float] = None,
) -> tf.Tensor:
  """-log Q(c|x) for continuous codes under a factored Gaussian.

  Args:
    mean: [B, C] Q means.
    log_std: [B, C] Q log-std outputs (ignored when `fixed_std` is set); clipped to
      [LOG_STD_MIN, LOG_STD_MAX] so the likelihood cannot blow up.
    values: [B, C] the continuous codes that generated x.
    fixed_std: If set, use this std instead of the learned one (1.0 = the official code).

  Returns:
    [B, C] Gaussian negative log-likelihood per code, in nats.
  """
  log_std = continuous_log_std(log_std, fixed_std)
  z = (values - mean) * tf.exp(-log_std)
  return _HALF_LOG_2PI + log_std + 0.5 * tf.square(z)


def continuous_log_std(raw_log_std: tf.Tensor, fixed_std: Optional[float] = None) -> tf.Tensor:
  """The log-std Q's Gaussian uses: log(fixed_std) everywhere, or the raw output clipped.

  Args:
    raw_log_std: [B, C] raw Q outputs.
    fixed_std: A fixed std (the official code's 1.0), or None to learn it (the paper).

  Returns:
    [B, C] log-std in [LOG_STD_MIN, LOG_STD_MAX] (or log(fixed_std)).
  """
  if fixed_std is not None:
    return tf.fill(tf.shape(raw_log_std), tf.math.log(tf.cast(fixed_std, raw_log_std.dtype)))
  return tf.clip_by_value(raw_log_std, LOG_STD_MIN, LOG_STD_MAX)


@dataclasses.dataclass
class InfoLoss:
  """The L_I terms of one batch.

  Attributes:
    total: [B] weighted negative lower bound, sum over the codes given non-zero weight.
    categorical: One [B] cross-entropy -log Q(c_i|x) per categorical code (unweighted).
    continuous: [B, C] Gaussian NLL per continuous code (unweighted).
  """

  total: tf.Tensor
  categorical: List[tf.Tensor]
  continuous: tf.Tensor


def info_loss(
    q_outputs,
    categorical_codes: Sequence[tf.Tensor],
    continuous_codes: tf.Tensor,
    lambda_categorical: Union[float, Sequence[float]],
    lambda_continuous: float,
    fixed_std: Optional[float] = None,
) -> InfoLoss:
  """The weighted InfoGAN regulariser -lambda * L_I (up to the constant H(c)).

  Args:
    q_outputs: A `DiscriminatorOutput` (uses categorical_logits, continuous_mean and
      continuous_log_std).
    categorical_codes: One [B] int tensor per categorical code.
    continuous_codes: [B, C].
    lambda_categorical: Weight of the categorical terms: one float for all codes, or one per
      code (0 leaves a code out of `total`, e.g. a semi-supervised code whose cross-entropy is
      its own term).
    lambda_continuous: Weight of the continuous terms.
    fixed_std: See `continuous_info_loss`.

  Returns:
    An InfoLoss.
  """
  logits_per_code = q_outputs.categorical_logits
  if isinstance(lambda_categorical, (int, float)):
    lambda_categorical = [float(lambda_categorical)] * len(logits_per_code)
  batch = tf.shape(continuous_codes)[0]
  total = tf.zeros([batch], q_outputs.continuous_mean.dtype)
  categorical = []
  for logits, codes, weight in zip(logits_per_code, categorical_codes, lambda_categorical):
    ce = categorical_info_loss(logits, codes)  # [B]
    categorical.append(ce)
    if weight:
      total += weight * ce
  continuous = continuous_info_loss(
      q_outputs.continuous_mean, q_outputs.continuous_log_std, continuous_codes,
      fixed_std)  # [B, C]
  total += lambda_continuous * tf.reduce_sum(continuous, axis=-1)
  return InfoLoss(total, categorical, continuous)


def paired_assignment_mutual_information(p1: tf.Tensor, p2: tf.Tensor,
                                         eps: float = 1e-8) -> tf.Tensor:
  """I(z; z') of the joint cluster distribution of two views (IIC, Ji et al. 2019).

  Args:
    p1: [B, k] softmax of view 1.
    p2: [B, k] softmax of view 2 (same images, another augmentation).

  Returns:
    Scalar MI in nats (maximal, ln k, for confident, balanced, view-consistent clusters).
  """
  joint = tf.matmul(p1, p2, transpose_a=True) / tf.cast(tf.shape(p1)[0], p1.dtype)  # [k, k]
  joint = (joint + tf.transpose(joint)) / 2.0
  joint = tf.maximum(joint, eps)
  joint = joint / tf.reduce_sum(joint)
  pi = tf.reduce_sum(joint, axis=1, keepdims=True)
  pj = tf.reduce_sum(joint, axis=0, keepdims=True)
  return tf.reduce_sum(joint * (tf.math.log(joint) - tf.math.log(pi) - tf.math.log(pj)))


def pseudo_label_probabilities(target_logits: tf.Tensor, align: bool = False) -> tf.Tensor:
  """[B, k] weak-view probabilities that pseudo-labels are taken from (no gradient).

  Args:
    target_logits: [B, k] logits on the weak view.
    align: Distribution alignment (ReMixMatch): divide the probabilities by their mean over
      the batch (the model's current class marginal; the target marginal is uniform) and
      renormalise.
  """
  probs = tf.nn.softmax(tf.stop_gradient(target_logits), axis=-1)  # [B, k]
  if align:
    probs = probs / (tf.reduce_mean(probs, axis=0, keepdims=True) + 1e-6)  # [B, k]
    probs = probs / tf.reduce_sum(probs, axis=-1, keepdims=True)
  return probs


def self_adaptive_thresholds(confidence: tf.Tensor, class_confidence: tf.Tensor) -> tf.Tensor:
  """Per-class pseudo-label thresholds of FreeMatch (Wang et al. 2023, eq. 6-7).

  Args:
    confidence: [] the model's running mean of max probability on unlabelled images (the
      global threshold: it rises as the model grows confident).
    class_confidence: [k] the running mean probability of each class on unlabelled images.

  Returns:
    [k] thresholds: confidence * class_confidence / max(class_confidence); a class the model
    predicts less (e.g. a hard one) gets a lower threshold.
  """
  return confidence * class_confidence / tf.reduce_max(class_confidence)


def masked_pseudo_label_loss(probs: tf.Tensor, view_logits: tf.Tensor,
                             threshold) -> Tuple[tf.Tensor, tf.Tensor]:
  """Cross-entropy of the view against the arg-max of `probs`, where it is confident enough.

  Args:
    probs: [B, k] weak-view probabilities (`pseudo_label_probabilities`).
    view_logits: [B, k] logits on the strong view (what is trained).
    threshold: A float (keep an image when its max probability is >= it) or [k] per-class
      thresholds (compared with the max probability of the image's arg-max class).

  Returns:
    (loss, mask): [B] masked cross-entropy (0 where masked out) and [B] float 0/1 mask.
  """
  targets = tf.argmax(probs, axis=-1, output_type=tf.int32)  # [B]
  threshold = tf.convert_to_tensor(threshold, probs.dtype)
  if threshold.shape.rank == 1:
    threshold = tf.gather(threshold, targets)  # [B]
  mask = tf.cast(tf.reduce_max(probs, axis=-1) >= threshold, tf.float32)  # [B]
  ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=view_logits)
  return ce * mask, mask
