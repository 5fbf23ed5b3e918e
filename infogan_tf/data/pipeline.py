"""tf.data input pipelines: training batches per replica and ordered evaluation batches."""

from __future__ import annotations

from typing import Optional, Tuple

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


def _repeat_batches(ds: tf.data.Dataset, batch: int, seed: int, shuffle_buffer: int,
                    cache: bool) -> tf.data.Dataset:
  if cache:
    ds = ds.cache()
  ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).repeat()
  return ds.batch(batch, drop_remainder=True)


def train_dataset(source: ImageSource, per_replica_batch: int,
                  pixel_range: Tuple[float, float], seed: int, shuffle_buffer: int,
                  cache: bool = True, input_context: tf.distribute.InputContext = None,
                  labelled: Optional[tf.data.Dataset] = None, per_replica_labelled: int = 0,
                  per_replica_extra: int = 0, in_order: bool = True) -> tf.data.Dataset:
  """An infinite, shuffled dataset of per-replica training batch dicts.

  Each element is {'images': float32 [per_replica_batch, H, W, C]} in the architecture's pixel
  range and, when `labelled` is given, also 'labelled_images' [per_replica_labelled, H, W, C]
  and 'labels' int32 [per_replica_labelled, n] drawn from the labelled subset (a labelled
  batch beside every unlabelled one), and with `per_replica_extra` > 0 'extra_images'
  [per_replica_extra, H, W, C]: more unlabelled images, distinct from 'images' (the same
  shuffled stream, batched together then split). Images are cached as uint8 (before shuffling),
  shuffled with a reshuffle every epoch, repeated, batched with drop_remainder (static shapes for
  the compiled step), converted to float and prefetched. In order, the same seed gives the same
  batches.

  Args:
    source: The ImageSource.
    per_replica_batch: Batch size of one replica.
    pixel_range: Target (low, high) pixel range.
    seed: Shuffle seed.
    shuffle_buffer: Shuffle buffer size.
    cache: Cache decoded uint8 images in memory.
    input_context: Set by `distribute_datasets_from_function`; shards across input pipelines.
    labelled: Optional unbatched {'image', 'labels'} dataset (`data.labelled`).
    per_replica_labelled: Labelled batch size of one replica.
    per_replica_extra: Extra unlabelled images per replica ('extra_images'; 0 = none).
    in_order: Keep the parallel maps in order (`DataConfig.in_order`): the same seed then
      gives the same batches.
  """
  sharded = input_context is not None and input_context.num_input_pipelines > 1
  ds = source.dataset.map(lambda ex: ex["image"], num_parallel_calls=tf.data.AUTOTUNE)
  if sharded:
    ds = ds.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
  ds = _repeat_batches(ds, per_replica_batch + per_replica_extra, seed, shuffle_buffer, cache)

  def split(x):  # [b + e, H, W, C] uint8
    x = to_pixel_range(x, pixel_range)
    if not per_replica_extra:
      return {"images": x}
    return {"images": x[:per_replica_batch], "extra_images": x[per_replica_batch:]}

  ds = ds.map(split, num_parallel_calls=tf.data.AUTOTUNE)
  if labelled is not None:
    lab = labelled
    if sharded:
      lab = lab.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    # The labelled subset is small: cache it whole and shuffle it all.
    lab = _repeat_batches(lab, per_replica_labelled, seed + 1, shuffle_buffer, True)
    lab = lab.map(lambda ex: {"labelled_images": to_pixel_range(ex["image"], pixel_range),
                              "labels": ex["labels"]}, num_parallel_calls=tf.data.AUTOTUNE)
    ds = tf.data.Dataset.zip(ds, lab).map(lambda u, l: {**u, **l})
  options = tf.data.Options()
  # In order, the image order is a function of the seed alone and a run repeats on one
  # machine; out of order, the first epoch enters the cache in the order threads finish.
  options.deterministic = in_order
  options.experimental_optimization.map_parallelization = True
  return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def distributed_train_dataset(strategy: tf.distribute.Strategy, source: ImageSource,
                              global_batch: int, pixel_range: Tuple[float, float], seed: int,
                              shuffle_buffer: int, cache: bool = True,
                              labelled: Optional[tf.data.Dataset] = None,
                              global_labelled_batch: int = 0, global_extra: int = 0,
                              in_order: bool = True):
  """`train_dataset` distributed over the strategy's replicas (global batches split evenly)."""
  n = strategy.num_replicas_in_sync
  sizes = {"global_batch": global_batch, "global_extra": global_extra,
           "global_labelled_batch": global_labelled_batch if labelled is not None else 0}
  uneven = {name: size for name, size in sizes.items() if size % n}
  if uneven:  # (train() checks the settings these come from first, by their flag names)
    raise ValueError(f"{', '.join(f'{k}={v}' for k, v in uneven.items())} not divisible by "
                     f"the {n} replicas")

  def fn(ctx: tf.distribute.InputContext):
    return train_dataset(source, ctx.get_per_replica_batch_size(global_batch), pixel_range,
                         seed + ctx.input_pipeline_id, shuffle_buffer, cache, ctx, labelled,
                         global_labelled_batch // n if labelled is not None else 0,
                         global_extra // n, in_order)

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


def first_images(source: ImageSource, count: int, pixel_range: Tuple[float, float]) -> tf.Tensor:
  """The first `count` images of a source (in its fixed order): float32 [n, H, W, C]."""
  with source.reading():
    batch = next(iter(source.dataset.take(count).batch(count)))
  return to_pixel_range(batch["image"], pixel_range)
