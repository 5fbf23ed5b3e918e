"""An exponential moving average of the discriminator's weights (Polyak averaging).

GAN training moves D's weights a lot from step to step, and Q's answers on real images with
them. The average of D's recent weights is a steadier encoder/classifier (measured on the
ss-InfoGAN Fashion-MNIST runs: docs/ss_infogan.md). The trainer keeps the average in a second
`Discriminator` (checkpointed as `discriminator_average`); evaluation and export then use it
instead of the last weights, and ss-InfoGAN can take its pseudo-labels from it (a "mean
teacher", Tarvainen & Valpola 2017).

The average is bias-corrected: after t updates it is the weighted mean of the t weights seen,
with weights proportional to decay**(t - s) for the weights of update s. It needs no start
value and its first update copies D.
"""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf


def update_decay(decay: float, count: tf.Tensor) -> tf.Tensor:
  """The decay to use for update number `count` (1, 2, ...) of a bias-corrected average.

  avg_t = d_t * avg_{t-1} + (1 - d_t) * x_t with d_t = decay (1 - decay^(t-1)) / (1 - decay^t)
  keeps avg_t = sum_s decay^(t-s) x_s / sum_s decay^(t-s); d_1 = 0.
  """
  t = tf.cast(count, tf.float64)
  d = tf.constant(decay, tf.float64)
  return tf.cast(d * (1.0 - d ** (t - 1.0)) / (1.0 - d ** t), tf.float32)


def update_average(average: Sequence[tf.Variable], current: Sequence[tf.Variable],
                   decay: float, count: tf.Tensor) -> None:
  """avg <- d_t avg + (1 - d_t) x for each pair (call in cross-replica context or eagerly).

  Args:
    average: The averaged variables.
    current: The variables being averaged, in the same order and shapes.
    decay: The average's decay per update (e.g. 0.999: a time constant of ~1000 updates).
    count: This update's number, 1 for the first (e.g. the train step after incrementing it).
  """
  if len(average) != len(current):
    raise ValueError(f"{len(average)} averaged variables for {len(current)} variables")
  d = update_decay(decay, count)
  for avg, x in zip(average, current):
    avg.assign(d * avg + (1.0 - d) * tf.cast(x, avg.dtype))


def copy_weights(target: Sequence[tf.Variable], source: Sequence[tf.Variable]) -> None:
  """target <- source, variable by variable."""
  for t, s in zip(target, source):
    t.assign(s)
