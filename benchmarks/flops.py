"""Analytic FLOP counts of the networks and of one InfoGAN train step (per image).

Counts multiply-adds of Dense, Conv2D and Conv2DTranspose layers as 2 FLOPs each (the usual
convention); BatchNorm, activations and the optimiser are ignored (< 1% here).

One train step (see train_step.py) runs, per image:
  G forward (1x G) and G backward (2x G: input and weight gradients);
  D forward on real and fake (2x D) and their backward for D's weights (4x D);
  D forward on fake again for the G update (1x D) and its backward to the input only (1x D).
So step FLOPs ~ 3 * G_fwd + 8 * D_fwd.
"""

from __future__ import annotations

from typing import Dict, Iterable, Tuple

import keras


def layer_flops(layers: Iterable, input_shape: Tuple[int, ...]) -> int:
  """Forward FLOPs per example of a layer stack, starting from `input_shape` (no batch)."""
  return _walk(layers, input_shape)[0]


def _walk(layers: Iterable, input_shape: Tuple[int, ...]) -> Tuple[int, Tuple[int, ...]]:
  """(forward FLOPs per example, output shape without batch) of a layer stack."""
  shape = tuple(input_shape)
  total = 0
  for layer in layers:
    out = tuple(layer.compute_output_shape((1,) + shape)[1:])
    if isinstance(layer, keras.layers.Dense):
      total += 2 * shape[-1] * layer.units
    elif isinstance(layer, keras.layers.Conv2DTranspose):
      k = layer.kernel_size[0] * layer.kernel_size[1]
      total += 2 * shape[0] * shape[1] * k * shape[2] * layer.filters
    elif isinstance(layer, keras.layers.Conv2D):
      k = layer.kernel_size[0] * layer.kernel_size[1]
      total += 2 * out[0] * out[1] * k * shape[2] * layer.filters
    shape = out
  return total, shape


def model_flops(generator, discriminator) -> Dict[str, int]:
  """Forward FLOPs per image of G, of D (trunk + D head + Q head), and of one train step."""
  g = layer_flops(generator.stack, (generator.input_dim,))
  trunk, features = _walk(discriminator.trunk, discriminator.image_shape)
  d = trunk + layer_flops(discriminator.d_head, features) + layer_flops(
      discriminator.q_head, features)
  return {"generator_forward": g, "discriminator_forward": d, "train_step": 3 * g + 8 * d}
