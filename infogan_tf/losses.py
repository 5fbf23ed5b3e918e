"""InfoGAN losses as plain tensor functions (per-example values; the caller reduces).

Per-example outputs let the distributed train step scale by the *global* batch with
`tf.nn.compute_average_loss`, so gradients are right under any number of replicas.
All entropies and log-likelihoods are in nats.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional, Sequence

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
  if fixed_std is not None:
    log_std = tf.fill(tf.shape(mean), tf.math.log(tf.cast(fixed_std, mean.dtype)))
  else:
    log_std = tf.clip_by_value(log_std, LOG_STD_MIN, LOG_STD_MAX)
  z = (values - mean) * tf.exp(-log_std)
  return _HALF_LOG_2PI + log_std + 0.5 * tf.square(z)


@dataclasses.dataclass
class InfoLoss:
  """The L_I terms of one batch.

  Attributes:
    total: [B] lambda-weighted negative lower bound (what the optimisers minimise).
    categorical: One [B] cross-entropy per categorical code.
    continuous: [B, C] Gaussian NLL per continuous code.
  """

  total: tf.Tensor
  categorical: List[tf.Tensor]
  continuous: tf.Tensor


def info_loss(
    q_outputs: Dict[str, object],
    categorical_codes: Sequence[tf.Tensor],
    continuous_codes: tf.Tensor,
    lambda_categorical: float,
    lambda_continuous: float,
    fixed_std: Optional[float] = None,
) -> InfoLoss:
  """The weighted InfoGAN regulariser -lambda * L_I (up to the constant H(c)).

  Args:
    q_outputs: Discriminator outputs with 'categorical_logits' (list of [B, k]),
      'continuous_mean' and 'continuous_log_std' ([B, C]).
    categorical_codes: One [B] int tensor per categorical code.
    continuous_codes: [B, C].
    lambda_categorical: Weight of the categorical terms.
    lambda_continuous: Weight of the continuous terms.
    fixed_std: See `continuous_info_loss`.

  Returns:
    An InfoLoss.
  """
  batch = tf.shape(continuous_codes)[0]
  total = tf.zeros([batch], tf.float32)
  categorical = []
  for logits, codes in zip(q_outputs["categorical_logits"], categorical_codes):
    ce = categorical_info_loss(logits, codes)
    categorical.append(ce)
    total += lambda_categorical * ce
  continuous = continuous_info_loss(
      q_outputs["continuous_mean"], q_outputs["continuous_log_std"], continuous_codes,
      fixed_std)  # [B, C]
  total += lambda_continuous * tf.reduce_sum(continuous, axis=-1)
  return InfoLoss(total, categorical, continuous)


def mutual_information_lower_bound(entropy: float, cross_entropy: tf.Tensor) -> tf.Tensor:
  """L_I estimate H(c) - E[-log Q(c|x)]; reaches H(c) when Q recovers c exactly (categorical).

  Args:
    entropy: H(c) of the code, nats.
    cross_entropy: Mean (or per-example) -log Q(c|x).

  Returns:
    Same shape as `cross_entropy`.
  """
  return entropy - cross_entropy
