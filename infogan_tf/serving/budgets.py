"""How much work one serving request may ask for: a cap per signature, from the model's size.

A cap on each input (a count, a batch, steps, restarts) does not bound what they multiply to:
`generate` with 16384 rows cost +1.2 GB and 5 s, `invert_with_settings` at every input's cap
67 s and +0.9 GB. So each signature bounds the work of the whole request, measured in what it
costs: activations of the network passes it runs.

- Memory: the images that go through a network at once, times the network's activations per
  image (`activations_per_image`: every layer's output for one image, in floats), stay within
  ACTIVATION_BUDGET. On the 28x28 MNIST nets this is 512 rows of `generate` (+38 MiB peak) and
  640 images of `encode` (+50 MiB); an invert step holds INVERT_STEP_MEMORY forward passes'
  worth per image, and its start R x B images at once.
- Time (invert_with_settings): R x B generator passes for the start, then per Adam step
  INVERT_STEP_COST passes per image and a fixed INVERT_STEP_OVERHEAD, all in generator passes
  of the 28x28 MNIST net, must stay within INVERT_WORK_BUDGET: ~1.2 s on 2 cores for the
  default settings at the `invert` cap (16 images).

The constants were measured with `python -m benchmarks.serving_budgets` (the per-case table and
the machine in docs/serving.md "Work budgets"); larger networks get proportionally smaller caps.
A request over a cap is refused before any network runs, with a line naming the cap
("... at most 512 rows per request ..."), which `serving.client.predict_in_parts` reads to split
a larger job.
"""

from __future__ import annotations

import dataclasses
import math
from typing import List, Sequence

# The reference the budgets are counted in: the 28x28 MNIST generator's activations per image.
REFERENCE_GENERATOR_ACTIVATIONS = 67_360
# Floats of activations that one request may hold at once: 512 images through the reference G.
ACTIVATION_BUDGET = 512 * REFERENCE_GENERATOR_ACTIVATIONS
# An Adam step of inversion costs this many forward passes per image (forward and backward
# through G) and, whatever the batch, this many reference passes of fixed cost (the loop's ops).
INVERT_STEP_COST = 1.5
INVERT_STEP_OVERHEAD = 7.0
# A step holds this many forward passes' activations per image (the gradient's tape).
INVERT_STEP_MEMORY = 8
INVERT_WORK_BUDGET = 2048  # reference generator passes per invert_with_settings request


def activations_per_image(layers: Sequence, input_shape: Sequence) -> int:
  """Floats of every layer's output for one image through `layers` (run in order)."""
  shape = (None, *input_shape)
  total = 0
  for layer in layers:
    shape = tuple(layer.compute_output_shape(shape))
    total += math.prod(int(d) for d in shape[1:])
  return total


def _round_down(rows: float) -> int:
  """A cap as people write it: a multiple of 32 from 32 up, a multiple of 8 from 8, else >= 1."""
  rows = int(rows)
  for step in (32, 8):
    if rows >= step:
      return rows - rows % step
  return max(1, rows)


@dataclasses.dataclass(frozen=True)
class Budgets:
  """The caps of one model's signatures.

  Attributes:
    generator_activations: G's activations per image (floats).
    discriminator_activations: D's (trunk, D and Q heads) per image.
    generate: Rows per `generate`, `sample`, `sample_with_codes` and `generate_class` request.
    encode: Images per `encode` and `encode_image_bytes` request.
    invert: Images per `invert` request (at the default steps and restarts).
  """

  generator_activations: int
  discriminator_activations: int
  generate: int
  encode: int
  invert: int

  @classmethod
  def of(cls, generator_activations: int, discriminator_activations: int,
         default_steps: int, default_restarts: int) -> "Budgets":
    generate = _round_down(ACTIVATION_BUDGET / generator_activations)
    encode = _round_down(ACTIVATION_BUDGET / discriminator_activations)
    invert = _round_down(max_invert_images(generator_activations, default_steps,
                                           default_restarts))
    return cls(generator_activations, discriminator_activations, generate, encode, invert)

  def to_json(self) -> dict:
    return dataclasses.asdict(self)


def invert_work(generator_activations: int, images, steps, restarts):
  """Reference generator passes of one `invert_with_settings` request (works on numbers and
  on tensors of float dtype)."""
  scale = generator_activations / REFERENCE_GENERATOR_ACTIVATIONS
  return (restarts * images * scale
          + (steps + 1) * (INVERT_STEP_COST * images * scale + INVERT_STEP_OVERHEAD))


def max_invert_images(generator_activations: int, steps: int, restarts: int) -> int:
  """The most images one `invert_with_settings` request of these settings may carry (0: the
  settings alone are over the budget)."""
  scale = generator_activations / REFERENCE_GENERATOR_ACTIVATIONS
  by_time = ((INVERT_WORK_BUDGET - (steps + 1) * INVERT_STEP_OVERHEAD)
             / (scale * (restarts + (steps + 1) * INVERT_STEP_COST)))
  by_memory = ACTIVATION_BUDGET / (generator_activations * max(restarts, INVERT_STEP_MEMORY))
  return max(0, int(min(by_time, by_memory)))


def of_models(generator, discriminator, default_steps: int,
              default_restarts: int) -> Budgets:
  """The caps of a built Generator and Discriminator."""
  g = activations_per_image(generator.stack, (generator.input_dim,))
  trunk: List = list(discriminator.trunk)
  d = activations_per_image(trunk, discriminator.image_shape)
  features = tuple(_output_shape(trunk, discriminator.image_shape)[1:])
  d += activations_per_image(discriminator.d_head, features)
  if discriminator.q_head:
    d += activations_per_image(discriminator.q_head, features)
  return Budgets.of(g, d, default_steps, default_restarts)


def _output_shape(layers: Sequence, input_shape: Sequence) -> tuple:
  shape = (None, *input_shape)
  for layer in layers:
    shape = tuple(layer.compute_output_shape(shape))
  return shape
