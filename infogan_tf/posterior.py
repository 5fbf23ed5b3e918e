"""Q's code posterior decoded from a discriminator pass: one helper for training, evaluation and
serving, so the three never disagree on what Q's raw outputs mean."""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import tensorflow as tf

from infogan_tf import losses
from infogan_tf.models.discriminator import DiscriminatorOutput


class CodePosterior(NamedTuple):
  """Q(c | x) in the form callers use.

  Attributes:
    categorical_probs: One [B, k_i] softmax per categorical code.
    categorical: One [B] int32 arg-max per categorical code.
    continuous_mean: [B, C] Gaussian means.
    continuous_log_std: [B, C] log-std actually used (clipped, or the fixed std's log).
  """

  categorical_probs: Tuple[tf.Tensor, ...]
  categorical: Tuple[tf.Tensor, ...]
  continuous_mean: tf.Tensor
  continuous_log_std: tf.Tensor

  @property
  def continuous_std(self) -> tf.Tensor:
    """[B, C] Gaussian standard deviations."""
    return tf.exp(self.continuous_log_std)


def decode(out: DiscriminatorOutput, fixed_std: Optional[float]) -> CodePosterior:
  """Decodes a DiscriminatorOutput into Q's posterior.

  Args:
    out: A discriminator pass.
    fixed_std: `LossConfig.continuous_std` of the run (None = learned).

  Returns:
    A CodePosterior.
  """
  probs = tuple(tf.nn.softmax(logits, axis=-1) for logits in out.categorical_logits)  # [B, k]
  argmax = tuple(tf.argmax(logits, axis=-1, output_type=tf.int32)
                 for logits in out.categorical_logits)  # [B]
  return CodePosterior(probs, argmax, out.continuous_mean,
                       losses.continuous_log_std(out.continuous_log_std, fixed_std))
