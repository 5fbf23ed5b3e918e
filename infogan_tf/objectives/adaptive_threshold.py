"""Running statistics behind FreeMatch's self-adaptive pseudo-label thresholds.

FixMatch keeps a pseudo-label where Q_ss's confidence passes one fixed threshold (0.95). On
Fashion-MNIST that admits the easy classes (trousers, bags, footwear) and almost never the
hard ones (shirt, pullover, coat), so the unlabelled images teach Q_ss what it already knows.
FreeMatch (Wang et al. 2023, "FreeMatch: Self-adaptive Thresholding for Semi-supervised
Learning") sets the threshold from the model itself: the global threshold is the running mean
of its max probability on unlabelled images, scaled per class by the running mean probability
of that class relative to the most predicted class (`losses.self_adaptive_thresholds`).
"""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf

from infogan_tf import losses

MOMENTUM = 0.999  # FreeMatch's EMA momentum of the statistics


class AdaptiveThresholds(tf.Module):
  """One running confidence and class-confidence vector per semi-supervised code.

  Create under the strategy's scope (the variables are mirrored) and checkpoint it with the
  models. `thresholds` is called in the replica step: it averages the batch statistics over
  replicas, updates the running means and returns the thresholds, identical on every replica.

  Args:
    sizes: The number of classes of each ss code, in the order of the ss codes.
    momentum: EMA momentum of the statistics.
  """

  def __init__(self, sizes: Sequence[int], momentum: float = MOMENTUM):
    super().__init__(name="adaptive_thresholds")
    self.momentum = momentum
    only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA  # every replica holds the same value
    # Both start at 1/k, FreeMatch's start: the model knows nothing, every image qualifies.
    self.confidence = [tf.Variable(1.0 / k, trainable=False, aggregation=only_first,
                                   name=f"confidence_{i}") for i, k in enumerate(sizes)]
    self.class_confidence = [tf.Variable(tf.fill([k], 1.0 / k), trainable=False,
                                         aggregation=only_first, name=f"class_confidence_{i}")
                             for i, k in enumerate(sizes)]

  def thresholds(self, index: int, probs: tf.Tensor) -> tf.Tensor:
    """Updates code `index`'s statistics with a batch and returns its [k] class thresholds.

    Args:
      index: Position of the code among the ss codes.
      probs: [b, k] weak-view probabilities of this replica's unlabelled images.
    """
    confidence = tf.reduce_mean(tf.reduce_max(probs, axis=-1))  # []
    class_confidence = tf.reduce_mean(probs, axis=0)  # [k]
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
      confidence, class_confidence = context.all_reduce(
          tf.distribute.ReduceOp.MEAN, [confidence, class_confidence])
    m = self.momentum
    confidence = m * self.confidence[index] + (1.0 - m) * confidence
    class_confidence = m * self.class_confidence[index] + (1.0 - m) * class_confidence
    self.confidence[index].assign(confidence)
    self.class_confidence[index].assign(class_confidence)
    return losses.self_adaptive_thresholds(confidence, class_confidence)  # [k]
