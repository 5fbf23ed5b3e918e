"""Tests for the tf.data pipelines."""

import numpy as np
import tensorflow as tf

from infogan_tf import data as data_lib
from tests import helpers


def _source(n=40):
  images = np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones([1, 4, 4, 1], np.uint8)
  return data_lib.from_arrays("toy", images, labels=np.arange(n) % 3, num_classes=3)


def test_pixel_range_round_trip():
  x = tf.constant([0, 128, 255], tf.uint8)
  for rng in [(0.0, 1.0), (-1.0, 1.0)]:
    f = data_lib.to_pixel_range(x, rng)
    assert float(f[0]) == rng[0] and float(f[2]) == rng[1]
    np.testing.assert_array_equal(data_lib.from_pixel_range(f, rng), x)


def test_distributed_batches_split_over_replicas():
  strategy = helpers.mirrored_strategy()
  ds = data_lib.distributed_train_dataset(strategy, _source(), 8, (-1.0, 1.0), seed=0,
                                          shuffle_buffer=40)
  it = iter(ds)
  seen = set()
  for _ in range(10):  # 80 images from 40: repeats forever
    per_replica = strategy.experimental_local_results(next(it)["images"])
    assert [p.shape for p in per_replica] == [(4, 4, 4, 1), (4, 4, 4, 1)]
    for p in per_replica:
      v = p.numpy()
      assert v.min() >= -1 and v.max() <= 1
      seen.update(np.round((v[:, 0, 0, 0] + 1) * 127.5).astype(int).tolist())
  assert len(seen) == 40  # every image shows up, shuffled


def test_eval_batches_keep_order_and_labels():
  batches = list(data_lib.eval_batches(_source(10), 4, (0.0, 1.0)))
  assert [b["image"].shape[0] for b in batches] == [4, 4, 2]
  np.testing.assert_array_equal(np.concatenate([b["label"] for b in batches]),
                                np.arange(10) % 3)


def test_extra_images_are_other_images_of_the_same_stream():
  strategy = helpers.mirrored_strategy()
  ds = data_lib.distributed_train_dataset(strategy, _source(), 4, (-1.0, 1.0), seed=0,
                                          shuffle_buffer=40, global_extra=8)
  batch = next(iter(ds))
  for images, extra in zip(strategy.experimental_local_results(batch["images"]),
                           strategy.experimental_local_results(batch["extra_images"])):
    assert images.shape == (2, 4, 4, 1) and extra.shape == (4, 4, 4, 1)
    ids = np.round((np.concatenate([images, extra])[:, 0, 0, 0] + 1) * 127.5).astype(int)
    assert len(set(ids.tolist())) == 6  # no image twice in one replica's step
  try:
    data_lib.distributed_train_dataset(strategy, _source(), 4, (-1.0, 1.0), seed=0,
                                       shuffle_buffer=40, global_extra=3)
  except ValueError as e:
    assert "global_extra=3 not divisible by the 2 replicas" in str(e)
  else:
    raise AssertionError("an extra batch not divisible by the replicas was accepted")


def _ids(batch_images):  # [b, 4, 4, 1] in [-1, 1] -> [b] image ids written by _numbered_source
  v = np.round((batch_images[..., 0] + 1) * 127.5).astype(int)  # [b, 4, 4] uint8 values
  return v[:, 0, 0] * 256 + v[:, 0, 1]


def _numbered_source(n):
  ids = np.arange(n)
  images = np.zeros([n, 4, 4, 1], np.uint8)
  images[:, 0, 0, 0], images[:, 0, 1, 0] = ids // 256, ids % 256
  return data_lib.from_arrays("toy", images, labels=ids % 3, num_classes=3)


def test_the_same_seed_gives_the_same_batches():
  """A run is reproducible on one machine: in order (the default), the order of training images
  is a function of the seed only (out of order, the first epoch's images enter the cache in the
  order threads finish, so two runs of one config differed at step 0)."""
  def stream(seed, steps=30):
    ds = data_lib.distributed_train_dataset(tf.distribute.get_strategy(), _numbered_source(3000),
                                            256, (-1.0, 1.0), seed=seed, shuffle_buffer=3000)
    assert ds.options().deterministic is True
    it = iter(ds)
    return np.concatenate([_ids(next(it)["images"].numpy()) for _ in range(steps)])  # 2.6 epochs

  first = stream(0)
  assert len(set(first[:2816].tolist())) == 2816  # the first epoch: no image twice
  np.testing.assert_array_equal(first, stream(0))
  assert np.mean(first != stream(1)) > 0.99
