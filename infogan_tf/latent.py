"""The latent input of InfoGAN: noise z, categorical and continuous codes c.

Sampling uses a `tf.random.Generator` passed in by the caller. Created inside a
`tf.distribute.Strategy` scope, such a generator gives every replica its own stream (keras.random
with a SeedGenerator would not), and it is checkpointable, so resumed runs continue the stream.
"""

from __future__ import annotations

import dataclasses
import math
from typing import List, Optional, Tuple

import numpy as np
import tensorflow as tf

from infogan_tf import config as config_lib

CONTINUOUS_PRIOR_LOW = -1.0
CONTINUOUS_PRIOR_HIGH = 1.0
TRAVERSAL_RANGE = (-2.0, 2.0)


@dataclasses.dataclass
class LatentSample:
  """One batch of latent inputs.

  Attributes:
    noise: [B, noise_dim] float32.
    categorical: One [B] int32 tensor of category indices per categorical code.
    continuous: [B, num_continuous] float32.
  """

  noise: tf.Tensor
  categorical: List[tf.Tensor]
  continuous: tf.Tensor

  def as_dict(self) -> dict:
    return {"noise": self.noise, "categorical": list(self.categorical),
            "continuous": self.continuous}


class LatentSpec:
  """Describes and samples the generator input (z, c).

  Args:
    config: A `LatentConfig`.
  """

  def __init__(self, config: config_lib.LatentConfig):
    config.validate()
    self.config = config
    self.noise_dim = config.noise_dim
    self.noise_prior = config.noise_prior
    self.noise_scale = float(config.noise_scale)
    self.categorical = tuple(int(k) for k in config.categorical)
    self.num_continuous = int(config.continuous)

  @property
  def input_dim(self) -> int:
    """Width of the generator input vector."""
    return self.noise_dim + sum(self.categorical) + self.num_continuous

  @property
  def code_names(self) -> List[str]:
    """Names used in logs: cat0, cat1, ..., cont0, cont1, ..."""
    return list(self.config.code_names())

  def categorical_entropies(self) -> List[float]:
    """H(c_i) = ln k_i for each uniform categorical code (nats)."""
    return [math.log(k) for k in self.categorical]

  def continuous_entropy(self) -> float:
    """Differential entropy of one U(-1, 1) code: ln 2 (nats)."""
    return math.log(CONTINUOUS_PRIOR_HIGH - CONTINUOUS_PRIOR_LOW)

  def entropy(self) -> float:
    """H(c) of the whole code: sum of the categorical and continuous entropies (nats)."""
    return sum(self.categorical_entropies()) + self.num_continuous * self.continuous_entropy()

  def sample(self, rng: tf.random.Generator, batch_size) -> LatentSample:
    """Draws a batch of (z, c) from the priors, in graph.

    Args:
      rng: The generator to draw from (one stream per replica under a strategy).
      batch_size: Python int or scalar tensor B.

    Returns:
      A LatentSample with B rows.
    """
    if self.noise_prior == "uniform":
      noise = rng.uniform([batch_size, self.noise_dim], -1.0, 1.0)  # [B, Z]
    else:
      noise = rng.normal([batch_size, self.noise_dim])  # [B, Z]
    noise *= self.noise_scale
    categorical = [
        rng.uniform([batch_size], 0, k, dtype=tf.int32)  # [B]
        for k in self.categorical
    ]
    continuous = rng.uniform(
        [batch_size, self.num_continuous], CONTINUOUS_PRIOR_LOW, CONTINUOUS_PRIOR_HIGH
    )  # [B, C]
    return LatentSample(noise, categorical, continuous)

  def stateless_sample(self, count: tf.Tensor, seed: tf.Tensor) -> LatentSample:
    """Draws `count` (z, c) from the priors, in graph and stateless: the same (count, seed)
    always gives the same codes (the serving signatures use this).

    Args:
      count: Scalar int32 batch size.
      seed: Scalar int seed.

    Returns:
      A LatentSample with `count` rows.
    """
    seed = tf.cast(seed, tf.int64)
    key = lambda stream: tf.stack([seed, tf.constant(stream, tf.int64)])
    if self.noise_prior == "uniform":
      noise = tf.random.stateless_uniform(tf.stack([count, self.noise_dim]), key(0), -1.0, 1.0)
    else:
      noise = tf.random.stateless_normal(tf.stack([count, self.noise_dim]), key(0))
    noise *= self.noise_scale  # [count, Z]
    categorical = [tf.random.stateless_uniform(tf.reshape(count, [1]), key(1 + i), 0, k,
                                               dtype=tf.int32)  # [count]
                   for i, k in enumerate(self.categorical)]
    continuous = tf.random.stateless_uniform(
        tf.stack([count, self.num_continuous]), key(1000), CONTINUOUS_PRIOR_LOW,
        CONTINUOUS_PRIOR_HIGH)  # [count, C]
    return LatentSample(noise, categorical, continuous)

  def generator_input(self, sample: LatentSample) -> tf.Tensor:
    """Concatenates [z, one_hot(c_cat_0), ..., c_cont] into the generator input.

    Args:
      sample: A LatentSample with B rows.

    Returns:
      [B, input_dim] float32.
    """
    parts = [tf.cast(sample.noise, tf.float32)]
    for indices, k in zip(sample.categorical, self.categorical):
      parts.append(tf.one_hot(indices, k, dtype=tf.float32))  # [B, k]
    parts.append(tf.cast(sample.continuous, tf.float32))
    return tf.concat(parts, axis=-1)

  def numpy_sample(self, batch_size: int, seed: int) -> LatentSample:
    """A host-side sample (numpy), for fixed grids and tests."""
    rs = np.random.RandomState(seed)
    if self.noise_prior == "uniform":
      noise = rs.uniform(-1, 1, (batch_size, self.noise_dim))
    else:
      noise = rs.normal(size=(batch_size, self.noise_dim))
    noise = noise * self.noise_scale
    categorical = [rs.randint(0, k, size=batch_size).astype(np.int32) for k in self.categorical]
    continuous = rs.uniform(CONTINUOUS_PRIOR_LOW, CONTINUOUS_PRIOR_HIGH,
                            (batch_size, self.num_continuous))
    return LatentSample(noise.astype(np.float32), categorical, continuous.astype(np.float32))

  def traversal(
      self,
      seed: int,
      row_code: Optional[int] = 0,
      column_code: Optional[int] = 0,
      num_columns: int = 10,
      num_rows: Optional[int] = None,
      value_range: Tuple[float, float] = TRAVERSAL_RANGE,
  ) -> Tuple[LatentSample, int, int]:
    """A grid batch like the paper's Figure 2: fixed z and other codes, two codes varied.

    Rows enumerate the categories of categorical code `row_code` (or, if None, rows are
    different z); columns sweep continuous code `column_code` over `value_range` (or, if None,
    columns are different z). All other codes stay fixed: other categorical codes at one
    sampled value, other continuous codes at 0. Within a row-by-category grid the noise is the
    same in every cell, so only the varied codes change.

    Args:
      seed: Seeds z and the fixed codes.
      row_code: Index of the categorical code on rows, or None.
      column_code: Index of the continuous code on columns, or None.
      num_columns: Number of columns.
      num_rows: Number of rows when `row_code` is None (defaults to num_columns).
      value_range: Range swept by the continuous code.

    Returns:
      (sample, rows, columns): a LatentSample of rows * columns entries in row-major order.
    """
    if row_code is not None and not 0 <= row_code < len(self.categorical):
      raise ValueError(f"row_code {row_code} out of range for {len(self.categorical)} codes")
    if column_code is not None and not 0 <= column_code < self.num_continuous:
      raise ValueError(f"column_code {column_code} out of range for {self.num_continuous} codes")
    rows = self.categorical[row_code] if row_code is not None else (num_rows or num_columns)
    cols = num_columns
    n = rows * cols
    base = self.numpy_sample(max(rows, cols), seed)
    r_idx = np.repeat(np.arange(rows), cols)  # [N]
    c_idx = np.tile(np.arange(cols), rows)  # [N]
    # Noise: one z for the whole grid, unless rows or columns enumerate z.
    if row_code is None:
      noise = base.noise[r_idx]
    elif column_code is None:
      noise = base.noise[c_idx]
    else:
      noise = np.repeat(base.noise[:1], n, axis=0)
    categorical = [np.full([n], c[0], np.int32) for c in base.categorical]
    if row_code is not None:
      categorical[row_code] = r_idx.astype(np.int32)
    continuous = np.zeros([n, self.num_continuous], np.float32)
    if column_code is not None:
      values = np.linspace(value_range[0], value_range[1], cols, dtype=np.float32)
      continuous[:, column_code] = values[c_idx]
    return LatentSample(noise.astype(np.float32), categorical, continuous), rows, cols

