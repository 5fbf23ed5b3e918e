"""Tests for benchmarks/flops.py against hand-counted FLOPs of the paper's MNIST nets."""

import keras

from infogan_tf import config as config_lib
from benchmarks import flops
from infogan_tf.models import build_models


def test_layer_flops_by_hand():
  layers = [keras.layers.Conv2D(8, 4, strides=2, padding="same"),
            keras.layers.Flatten(),
            keras.layers.Dense(3)]
  # conv: 14*14 outputs * 16 taps * 1 in * 8 out * 2; dense: 14*14*8 in * 3 out * 2.
  assert flops.layer_flops(layers, (28, 28, 1)) == 2 * 14 * 14 * 16 * 8 + 2 * 1568 * 3
  deconv = [keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same")]
  assert flops.layer_flops(deconv, (7, 7, 16)) == 2 * 7 * 7 * 16 * 16 * 4


def test_mnist_nets():
  config = config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=62, categorical=(10,), continuous=2),
      model=config_lib.ModelConfig("mnist", (28, 28, 1)))
  g, d = build_models(config)
  f = flops.model_flops(g, d)
  g_want = 2 * (74 * 1024 + 1024 * 6272 + 7 * 7 * 128 * 16 * 64 + 14 * 14 * 64 * 16 * 1)
  d_want = 2 * (14 * 14 * 16 * 64 + 7 * 7 * 16 * 64 * 128 + 6272 * 1024 + 1024 * 1
                + 1024 * 128 + 128 * 14)
  assert f["generator_forward"] == g_want and f["discriminator_forward"] == d_want
  assert f["train_step"] == 3 * g_want + 8 * d_want
  assert 0.25e9 < f["train_step"] < 0.35e9  # ~0.3 GFLOP per image
