"""The exported `invert` and `invert_with_settings` signatures (infogan_tf/inversion.py in the
SavedModel, so TF Serving runs it): outputs, settings, and finite images for flat inputs. Their
bad inputs are rows of tests/export/bad_requests_test.py."""

import numpy as np
import tensorflow as tf


def test_the_exported_signatures_invert_and_take_their_settings(exported):
  loaded = tf.saved_model.load(exported.path)
  sample = loaded.signatures["sample"](count=tf.constant(3), seed=tf.constant(1, tf.int64))
  images = sample["images"]  # [3, 28, 28, 1] in [0, 1]
  out = loaded.signatures["invert"](images=images)
  assert set(out) == {"images", "error", "noise", "categorical", "continuous"}
  assert out["images"].shape == (3, 28, 28, 1) and out["error"].shape == (3,)
  custom = loaded.signatures["invert_with_settings"](
      images=images, steps=tf.constant(0), restarts=tf.constant(1),
      seed=tf.constant(0, tf.int64))
  # The defaults (the best of 16 draws, 50 steps) against one draw and no steps.
  assert np.mean(out["error"].numpy()) < np.mean(custom["error"].numpy())
  blank = loaded.signatures["invert"](images=tf.ones([2, 28, 28, 1]))
  assert np.all(np.isfinite(blank["images"].numpy())) and np.all(
      (blank["images"].numpy() >= 0) & (blank["images"].numpy() <= 1))


def test_keras_calls_invert_through_the_saved_model_layer(exported):
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  layer = ig.SavedModelLayer(exported.path, call_endpoint="invert")
  out = layer({"images": tf.fill([2, 28, 28, 1], 0.25)})
  assert out["images"].shape == (2, 28, 28, 1) and out["noise"].shape == (2, 8)
  assert np.all(np.isfinite(out["error"].numpy()))
