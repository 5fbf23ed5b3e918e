"""tf.data input pipelines: training batches per replica and ordered evaluation batches."""

from __future__ import annotations

from typing import Tuple

import tensorflow as tf

from infogan_tf.data.source import ImageSource


def to_pixel_range(images: tf.Tensor, pixel_range: Tuple[float, float]) -> tf.Tensor:
  """uint8 [..., H, W, C] -> float32 in [low, high]."""
  low, high = pixel_range
  return tf.cast(images, tf.float32) * ((high - low) / 255.0) + low


def from_pixel_range(images: tf.Tensor, pixel_range: Tuple[float, float]) -> tf.Tensor:
  """float [..., H, W, C] in [low, high] -> uint8 (clipped)."""
  low, high = pixel_range
  x = (tf.cast(images, tf.float32) - low) * (255.0 / (high - low))
  return tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8)


def train_dataset(source: ImageSource, per_replica_batch: int,
                  pixel_range: Tuple[float, float], seed: int, shuffle_buffer: int,
                  cache: bool = True, input_context: tf.distribute.InputContext = None
                  ) -> tf.data.Dataset:
  """An infinite, shuffled dataset of [per_replica_batch, H, W, C] float32 image batches.

  Images are cached as uint8 (before shuffling), shuffled with a reshuffle every epoch,
  repeated, batched with drop_remainder (static shapes for the compiled step), converted to
  float in the architecture's pixel range and prefetched.

  Args:
    source: The ImageSource.
    per_replica_batch: Batch size of one replica.
    pixel_range: Target (low, high) pixel range.
    seed: Shuffle seed.
    shuffle_buffer: Shuffle buffer size.
    cache: Cache decoded uint8 images in memory.
    input_context: Set by `distribute_datasets_from_function`; shards across input pipelines.
  """
  ds = source.dataset.map(lambda ex: ex["image"], num_parallel_calls=tf.data.AUTOTUNE)
  if input_context is not None and input_context.num_input_pipelines > 1:
    ds = ds.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
  if cache:
    ds = ds.cache()
  ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).repeat()
  ds = ds.batch(per_replica_batch, drop_remainder=True)
  ds = ds.map(lambda x: to_pixel_range(x, pixel_range), num_parallel_calls=tf.data.AUTOTUNE)
  options = tf.data.Options()
  options.deterministic = False
  options.experimental_optimization.map_parallelization = True
  return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def distributed_train_dataset(strategy: tf.distribute.Strategy, source: ImageSource,
                              global_batch: int, pixel_range: Tuple[float, float], seed: int,
                              shuffle_buffer: int, cache: bool = True):
  """`train_dataset` distributed over the strategy's replicas (global batch split evenly)."""
  if global_batch % strategy.num_replicas_in_sync:
    raise ValueError(f"batch_size {global_batch} is not divisible by the "
                     f"{strategy.num_replicas_in_sync} replicas")

  def fn(ctx: tf.distribute.InputContext):
    return train_dataset(source, ctx.get_per_replica_batch_size(global_batch), pixel_range,
                         seed + ctx.input_pipeline_id, shuffle_buffer, cache, ctx)

  return strategy.distribute_datasets_from_function(fn)


def eval_batches(source: ImageSource, batch_size: int, pixel_range: Tuple[float, float],
                 limit: int = None) -> tf.data.Dataset:
  """Ordered, finite batches of {'image': float [B, H, W, C], 'label', 'factors'}."""
  ds = source.dataset
  if limit:
    ds = ds.take(limit)
  ds = ds.batch(batch_size)
  ds = ds.map(lambda ex: {**ex, "image": to_pixel_range(ex["image"], pixel_range)},
              num_parallel_calls=tf.data.AUTOTUNE)
  return ds.prefetch(tf.data.AUTOTUNE)
