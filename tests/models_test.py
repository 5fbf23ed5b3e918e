"""Tests for the Generator / Discriminator models and architectures."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.models import Discriminator, Generator, architectures, build_models
from tests import helpers


@pytest.mark.parametrize("arch, shape", [
    ("mnist", (28, 28, 1)), ("svhn", (32, 32, 3)), ("sprites64", (64, 64, 1)),
    ("sprites64", (64, 64, 3)),
])
def test_shapes_and_ranges(arch, shape):
  config = config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=6, categorical=(10, 3), continuous=2),
      model=config_lib.ModelConfig(arch, shape))
  g, d = build_models(config)
  x = g(tf.random.uniform([3, 6 + 13 + 2]), training=True)
  assert x.shape == (3, *shape)
  low, high = architectures.info(arch).pixel_range
  assert float(tf.reduce_min(x)) >= low and float(tf.reduce_max(x)) <= high
  out = d(x, training=True)
  assert out.logits.shape == (3,)
  assert [t.shape for t in out.categorical_logits] == [(3, 10), (3, 3)]
  assert out.continuous_mean.shape == (3, 2) and out.continuous_log_std.shape == (3, 2)
  assert out.features.shape[0] == 3 and len(out.features.shape) == 2


def test_paper_mnist_layer_sizes():
  d = Discriminator("mnist", (28, 28, 1), (10,), 2)
  out = d(tf.zeros([1, 28, 28, 1]))
  assert out.features.shape == (1, 1024)  # FC1024 trunk
  kernels = {v.path: v.shape for v in d.weights if v.path.endswith("kernel")}
  assert kernels["discriminator/d_conv1/kernel"] == (4, 4, 1, 64)
  assert kernels["discriminator/d_conv2/kernel"] == (4, 4, 64, 128)
  assert kernels["discriminator/q_fc1/kernel"] == (1024, 128)
  assert kernels["discriminator/q_params/kernel"] == (128, 10 + 2 * 2)
  g = Generator("mnist", (28, 28, 1), 74)
  g(tf.zeros([1, 74]))
  gk = {v.path: v.shape for v in g.weights if v.path.endswith("kernel")}
  assert gk["generator/g_fc1/kernel"] == (74, 1024)
  assert gk["generator/g_fc2/kernel"] == (1024, 7 * 7 * 128)


def test_init_is_normal_002():
  g = Generator("mnist", (28, 28, 1), 74)
  g(tf.zeros([1, 74]))
  kernel = [v for v in g.weights if v.path == "generator/g_fc2/kernel"][0].numpy()
  assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.001


def test_get_config_round_trip():
  d = Discriminator("svhn", (32, 32, 3), (10, 10), 4, sync_batch_norm=True)
  d2 = Discriminator.from_config(d.get_config())
  assert d2.get_config() == d.get_config()
  g = Generator("svhn", (32, 32, 3), 50)
  g2 = Generator.from_config(g.get_config())
  assert g2.get_config() == g.get_config()
  x = tf.zeros([2, 50])
  assert g2(x).shape == g(x).shape


def test_sync_batch_norm_flag_reaches_layers():
  d = Discriminator("mnist", (28, 28, 1), (10,), 2, sync_batch_norm=True)
  bns = [l for l in d.trunk if "BatchNormalization" in type(l).__name__]
  assert bns and all(l.synchronized for l in bns)


def test_bad_image_shape_is_clear():
  with pytest.raises(ValueError, match="divisible by 16"):
    Generator("svhn", (28, 28, 1), 10)


def test_q_head_absent_without_codes():
  d = Discriminator("mnist", (28, 28, 1), (), 0)
  out = d(tf.zeros([2, 28, 28, 1]))
  assert out.categorical_logits == () and out.continuous_mean.shape == (2, 0)
  assert not d.q_head


def test_checkpoint_holds_every_weight(tmp_path):
  import tensorflow as tf
  d = Discriminator("mnist", (28, 28, 1), (10,), 2)
  g = Generator("mnist", (28, 28, 1), 20)
  d(tf.zeros([1, 28, 28, 1]))
  g(tf.zeros([1, 20]))
  path = tf.train.Checkpoint(d=d, g=g).save(str(tmp_path / "c"))
  saved = {n for n, _ in tf.train.list_variables(path)}
  assert len([n for n in saved if n.startswith(("d/", "g/"))]) == len(d.weights) + len(g.weights)
  assert "g/g_fc1_bn/moving_mean/.ATTRIBUTES/VARIABLE_VALUE" in saved


@pytest.mark.slow
@pytest.mark.parametrize("mirrored", [False, True])
def test_calibrated_inference_equals_batch_statistics(mirrored):
  """After calibration on X, inference mode on X gives what batch statistics of X give."""
  from infogan_tf.training import step as train_step  # pylint: disable=g-import-not-at-top
  config = helpers.tiny_config()
  strategy = helpers.mirrored_strategy() if mirrored else helpers.one_device_strategy()
  state = train_step.create_state(config, strategy)
  d = state.discriminator
  images = tf.random.uniform([64, 28, 28, 1], seed=3)
  before = d(images, training=False)
  d.calibrate_inference_statistics(images)
  after = d(images, training=False)
  saved = [v.numpy() for v in d.non_trainable_variables]
  batch_stats = d(images, training=True)
  for v, value in zip(d.non_trainable_variables, saved):
    v.assign(value)
  np.testing.assert_allclose(after.features, batch_stats.features, rtol=1e-3, atol=1e-4)
  np.testing.assert_allclose(after.categorical_logits[0], batch_stats.categorical_logits[0],
                             rtol=1e-3, atol=1e-4)
  assert not np.allclose(before.features, after.features, atol=1e-4)
  if mirrored:  # both replicas hold the calibrated statistics
    for layer in d.trunk:
      if hasattr(layer, "moving_mean"):
        a, b = strategy.experimental_local_results(layer.moving_mean.value)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
