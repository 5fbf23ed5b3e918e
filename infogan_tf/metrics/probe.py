"""Linear probe: softmax regression on frozen features with a fraction of the labels."""

from __future__ import annotations

from typing import Dict, Sequence

import keras
import numpy as np
import tensorflow as tf


def labelled_subset(labels: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
  """Indices of a class-stratified random subset holding `fraction` of the examples (>= 1/class)."""
  rs = np.random.RandomState(seed)
  picked = []
  for c in np.unique(labels):
    idx = np.flatnonzero(labels == c)
    n = max(1, int(round(fraction * len(idx))))
    picked.append(rs.choice(idx, n, replace=False))
  return np.sort(np.concatenate(picked))


def linear_probe_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                          test_y: np.ndarray, num_classes: int, steps: int = 500,
                          learning_rate: float = 0.05, l2: float = 1e-4, seed: int = 0
                          ) -> float:
  """Test accuracy of full-batch softmax regression on standardised features.

  Args:
    train_x: [N, F] features of the labelled examples; train_y: [N] labels.
    test_x: [M, F]; test_y: [M].
    num_classes: Number of classes.
    steps: Adam steps (full batch).
    learning_rate: Adam learning rate.
    l2: Weight decay on the weights.
    seed: Initialisation seed.
  """
  mean, std = train_x.mean(0), train_x.std(0) + 1e-6
  x = tf.constant((train_x - mean) / std, tf.float32)
  y = tf.constant(train_y, tf.int32)
  rng = tf.random.Generator.from_seed(seed)
  w = tf.Variable(rng.normal([x.shape[1], num_classes], stddev=0.01))
  b = tf.Variable(tf.zeros([num_classes]))
  opt = keras.optimizers.Adam(learning_rate)

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      logits = x @ w + b
      loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
      loss += l2 * tf.reduce_sum(tf.square(w))
    grads = tape.gradient(loss, [w, b])
    opt.apply_gradients(zip(grads, [w, b]))
    return loss

  for _ in range(steps):
    step()
  test = (test_x - mean) / std
  predictions = np.argmax(test @ w.numpy() + b.numpy(), axis=1)
  return float((predictions == test_y).mean())


def probe_scores(train_x, train_y, test_x, test_y, num_classes: int,
                 fractions: Sequence[float] = (0.01, 0.1), seed: int = 0) -> Dict[str, float]:
  """{'probe@1%': acc, 'probe@10%': acc, ...}."""
  out = {}
  for f in fractions:
    idx = labelled_subset(train_y, f, seed)
    out[f"probe@{f:.0%}"] = linear_probe_accuracy(train_x[idx], train_y[idx], test_x, test_y,
                                                  num_classes, seed=seed)
  return out
