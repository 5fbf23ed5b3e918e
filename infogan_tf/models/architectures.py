"""Layer stacks of the paper's networks, by architecture name.

Each architecture fixes the generator's output activation (and so the pixel range the data
pipeline must produce) and the layers of the generator, the discriminator trunk, and the D and Q
heads. All kernels start from N(0, 0.02); BatchNormalization can be synchronised across replicas.
With `spectral_norm` the discriminator's trunk and D head use spectrally normalised layers and
its trunk drops BatchNorm (the SN-GAN recipe); the Q head keeps its own BatchNorm.
"""

from __future__ import annotations

import contextlib

import dataclasses
from typing import Callable, List, Tuple

import keras

from infogan_tf.models.fast_dense import FastDense
from infogan_tf.models.spectral_norm import SpectralConv2D, SpectralDense

LEAKY_SLOPE = 0.1  # the paper's lrelu slope


@dataclasses.dataclass(frozen=True)
class ArchitectureInfo:
  """Static facts about one architecture.

  Attributes:
    name: Architecture name.
    pixel_range: (low, high) of generated and expected real pixel values.
    downsample: The generator's first feature map is image_size / downsample.
    paper: Where the nets come from.
  """

  name: str
  pixel_range: Tuple[float, float]
  downsample: int
  paper: str


ARCHITECTURES = {
    "mnist": ArchitectureInfo("mnist", (0.0, 1.0), 4, "InfoGAN Table 1 (MNIST)"),
    "svhn": ArchitectureInfo("svhn", (-1.0, 1.0), 16, "InfoGAN Table 2/3 (SVHN, CelebA)"),
    "sprites64": ArchitectureInfo("sprites64", (0.0, 1.0), 8,
                                  "InfoGAN Table 4-style 64x64 (chairs/faces, dSprites)"),
}


def info(name: str) -> ArchitectureInfo:
  """Returns the ArchitectureInfo for `name` or raises ValueError."""
  if name not in ARCHITECTURES:
    raise ValueError(f"unknown architecture {name!r}; choose from {sorted(ARCHITECTURES)}")
  return ARCHITECTURES[name]


def check_image_shape(name: str, image_shape: Tuple[int, int, int]) -> None:
  """Raises ValueError if the architecture cannot produce `image_shape`."""
  h, w, c = image_shape
  d = info(name).downsample
  if h % d or w % d:
    raise ValueError(
        f"architecture {name!r} needs image height and width divisible by {d}, got {h}x{w}")
  if c not in (1, 3):
    raise ValueError(f"images must have 1 or 3 channels, got {c}")


@contextlib.contextmanager
def full_precision():
  """Layers made inside compute in their variables' dtype: float32 under a mixed policy (the
  outputs the losses read: D's logit, the Q head, G's output layer), as the Keras
  mixed-precision guide keeps a model's last layers. A no-op under float32 and float64."""
  policy = keras.config.dtype_policy()
  if policy.compute_dtype == policy.variable_dtype:
    yield
    return
  keras.config.set_dtype_policy(policy.variable_dtype)
  try:
    yield
  finally:
    keras.config.set_dtype_policy(policy)


def _init():
  return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _conv(filters: int, name: str, kernel: int = 4, strides: int = 2, bias: bool = True):
  return keras.layers.Conv2D(filters, kernel, strides=strides, padding="same",
                             use_bias=bias, kernel_initializer=_init(), name=name)


def _deconv(filters: int, name: str, kernel: int = 4, strides: int = 2, bias: bool = True):
  return keras.layers.Conv2DTranspose(filters, kernel, strides=strides, padding="same",
                                      use_bias=bias, kernel_initializer=_init(), name=name)


def _dense(units: int, name: str, bias: bool = True):
  return FastDense(units, use_bias=bias, kernel_initializer=_init(), name=name)


def _sn_conv(filters: int, name: str, kernel: int = 4, strides: int = 2, bias: bool = True):
  return SpectralConv2D(filters, kernel, strides=strides, padding="same", use_bias=bias,
                        kernel_initializer=_init(), name=name)


def _sn_dense(units: int, name: str, bias: bool = True):
  return SpectralDense(units, use_bias=bias, kernel_initializer=_init(), name=name)


def _bn(name: str, sync: bool):
  return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=sync,
                                         name=name)


def _lrelu(name: str):
  return keras.layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=name)


def _relu(name: str):
  return keras.layers.ReLU(name=name)


# A "block" is Linear/Conv [-> BN] -> activation; the bias is dropped when BN follows.
def _block(make: Callable, units: int, name: str, bn: bool, act: Callable, sync: bool):
  layers = [make(units, name, bias=not bn)]
  if bn:
    layers.append(_bn(f"{name}_bn", sync))
  layers.append(act(f"{name}_act"))
  return layers


def generator_layers(name: str, image_shape: Tuple[int, int, int], sync: bool) -> List:
  """Generator layers mapping [B, input_dim] to [B, H, W, C] in the architecture's range."""
  check_image_shape(name, image_shape)
  h, w, c = image_shape
  d = info(name).downsample
  if name == "mnist":
    return [
        *_block(_dense, 1024, "g_fc1", True, _relu, sync),
        *_block(_dense, (h // d) * (w // d) * 128, "g_fc2", True, _relu, sync),
        keras.layers.Reshape((h // d, w // d, 128), name="g_reshape"),
        *_block(_deconv, 64, "g_deconv1", True, _relu, sync),
        *_output_layers(c, "sigmoid"),
    ]
  if name == "svhn":
    return [
        *_block(_dense, (h // d) * (w // d) * 448, "g_fc1", True, _relu, sync),
        keras.layers.Reshape((h // d, w // d, 448), name="g_reshape"),
        *_block(_deconv, 256, "g_deconv1", True, _relu, sync),
        *_block(_deconv, 128, "g_deconv2", False, _relu, sync),
        *_block(_deconv, 64, "g_deconv3", False, _relu, sync),
        *_output_layers(c, "tanh"),
    ]
  if name == "sprites64":
    return [
        *_block(_dense, 1024, "g_fc1", True, _relu, sync),
        *_block(_dense, (h // d) * (w // d) * 256, "g_fc2", True, _relu, sync),
        keras.layers.Reshape((h // d, w // d, 256), name="g_reshape"),
        *_block(_deconv, 128, "g_deconv1", True, _relu, sync),
        *_block(_deconv, 64, "g_deconv2", True, _relu, sync),
        *_output_layers(c, "sigmoid"),
    ]
  raise ValueError(f"unknown architecture {name!r}")


def _output_layers(channels: int, activation: str) -> List:
  """G's last deconvolution and its activation, in full precision (`full_precision`)."""
  with full_precision():
    return [_deconv(channels, "g_deconv_out"), keras.layers.Activation(activation, name="g_out")]


def trunk_layers(name: str, image_shape: Tuple[int, int, int], sync: bool,
                 spectral_norm: bool = False) -> List:
  """Shared D/Q trunk mapping [B, H, W, C] to [B, F] features."""
  check_image_shape(name, image_shape)
  conv, dense = (_sn_conv, _sn_dense) if spectral_norm else (_conv, _dense)
  bn = not spectral_norm
  if name == "mnist":
    return [
        conv(64, "d_conv1"), _lrelu("d_conv1_act"),
        *_block(conv, 128, "d_conv2", bn, _lrelu, sync),
        keras.layers.Flatten(name="d_flatten"),
        *_block(dense, 1024, "d_fc1", bn, _lrelu, sync),
    ]
  if name == "svhn":
    return [
        conv(64, "d_conv1"), _lrelu("d_conv1_act"),
        *_block(conv, 128, "d_conv2", bn, _lrelu, sync),
        *_block(conv, 256, "d_conv3", bn, _lrelu, sync),
        keras.layers.Flatten(name="d_flatten"),
    ]
  if name == "sprites64":
    return [
        conv(64, "d_conv1"), _lrelu("d_conv1_act"),
        *_block(conv, 128, "d_conv2", bn, _lrelu, sync),
        *_block(conv, 256, "d_conv3", bn, _lrelu, sync),
        *_block(conv, 256, "d_conv4", bn, _lrelu, sync),
        keras.layers.Flatten(name="d_flatten"),
        *_block(dense, 1024, "d_fc1", bn, _lrelu, sync),
    ]
  raise ValueError(f"unknown architecture {name!r}")


def d_head_layers(spectral_norm: bool = False) -> List:
  """D head: [B, F] -> [B, 1] real/fake logit (in full precision: `full_precision`)."""
  with full_precision():
    return [(_sn_dense if spectral_norm else _dense)(1, "d_logit")]


def q_head_layers(num_params: int, sync: bool) -> List:
  """Q head: [B, F] -> [B, num_params] code parameters (FC128-BN-lrelu-FC, all nets), in full
  precision (`full_precision`)."""
  with full_precision():
    return [*_block(_dense, 128, "q_fc1", True, _lrelu, sync), _dense(num_params, "q_params")]


def apply_layers(layers: List, x, training):
  """Runs a layer stack. `training` goes to every layer; Keras hands it on only to layers whose
  `call` takes it (BatchNorm's batch statistics, spectral norm's power iteration)."""
  for layer in layers:
    x = layer(x, training=training)
  return x


def track_layers(model, layers: List) -> None:
  """Attaches each layer to `model` as an attribute named after the layer.

  Keras 3 (TF backend) does not expose layers held in a Python list to `tf.train.Checkpoint`,
  so a checkpoint of a model that keeps its layers only in lists would silently hold no
  weights. Named attributes make every variable part of the checkpoint's object graph.
  """
  for layer in layers:
    if hasattr(model, layer.name) and getattr(model, layer.name) is not layer:
      raise ValueError(f"duplicate layer name {layer.name!r} in {model.name}")
    setattr(model, layer.name, layer)
