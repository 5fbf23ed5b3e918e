"""Inversion: the noise and codes whose generated image is closest to a real one, so that one code
can be changed and the rest of the image kept.

Q reads a real image's codes c but not its noise z, so G(z, Q(x)) with a random z keeps the
codes and loses everything else. `invert` projects the image into G's latent space:

1. c starts at Q's reading: each categorical code at Q's arg-max (kept fixed), the continuous codes
   at Q's means (clipped to the prior's support, [-1, 1]).
2. z starts at the best of `restarts` draws from its prior (the one whose G(z, c) is closest to
   the image; one batched forward pass).
3. `steps` steps of Adam on the per-image mean squared pixel error move z and the continuous codes
   together, each kept inside its prior's support after every step (a uniform prior's
   [-scale, scale]; a normal prior's +-3 scale). Each image keeps the latents of the lowest error
   it reached, so the answer is never worse than its start.

The work is three functions, which studies of other variants reuse (benchmarks/inversion.py
measures a relaxed categorical code and D-feature distances with them, both rejected there):
`start` (Q's codes and the best draw of z), `optimise` (Adam on a per-image objective, each image
keeping its best latents) and `invert` (the pixel objective, and the answer).

Everything is TensorFlow ops with stateless randomness (the same images, steps, restarts and seed
give the same answer) and runs inside one `tf.function`, so the exported `invert` signature runs
it in TF Serving. G and D run in inference mode (BatchNorm's running statistics), as exported: an
image's answer does not depend on the other images of its batch.
"""

from __future__ import annotations

from typing import Callable, Dict, NamedTuple

import tensorflow as tf

from infogan_tf import posterior
from infogan_tf.latent import CONTINUOUS_PRIOR_HIGH, CONTINUOUS_PRIOR_LOW, LatentSpec

DEFAULT_STEPS = 50  # docs/inversion.md: the error against steps, and the time
DEFAULT_RESTARTS = 16
LEARNING_RATE = 0.1
NORMAL_NOISE_BOUND = 3.0  # a normal prior's z is kept within this many scales of 0
_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-8  # Adam's usual constants


def noise_bound(spec: LatentSpec) -> float:
  """The largest |z| inversion lets z take: the support of z's prior (uniform), or 3 scales."""
  return spec.noise_scale * (1.0 if spec.noise_prior == "uniform" else NORMAL_NOISE_BOUND)


def squared_error(generated: tf.Tensor, images: tf.Tensor, pixel_range) -> tf.Tensor:
  """[B] mean squared error per image, in [0, 1] pixel units."""
  span = float(pixel_range[1] - pixel_range[0])
  return tf.reduce_mean(tf.square((generated - images) / span), axis=[1, 2, 3])


class Start(NamedTuple):
  """Where the optimisation starts, per image.

  codes: [B, sum k] the one-hot of Q's arg-max per categorical code (kept fixed).
  categorical: [B, n_cat] int32 those arg-maxes.
  continuous: [B, C] Q's means, clipped to the prior's support.
  noise: [B, Z] the best of the restarts' draws of z.
  q: Q's decoded posterior of the images (`posterior.CodePosterior`).
  out: the discriminator's pass over the images.
  """

  codes: tf.Tensor
  categorical: tf.Tensor
  continuous: tf.Tensor
  noise: tf.Tensor
  q: posterior.CodePosterior
  out: object


def start(model, images: tf.Tensor, restarts, seed) -> Start:
  """Q's codes of `images` (in the model's range) and, per image, the draw of z's prior (of
  `restarts`, in one batched pass through G) whose image is closest with those codes."""
  spec = model.spec
  out = model.encoder(images, training=False)
  q = posterior.decode(out, model.continuous_std)
  batch = tf.shape(images)[0]
  codes = tf.concat([tf.zeros([batch, 0])] + [
      tf.one_hot(c, k, dtype=tf.float32) for c, k in zip(q.categorical, spec.categorical)],
      axis=-1)  # [B, sum k]
  categorical = (tf.stack(list(q.categorical), axis=-1) if q.categorical
                 else tf.zeros([batch, 0], tf.int32))  # [B, n_cat]
  continuous = tf.clip_by_value(q.continuous_mean, CONTINUOUS_PRIOR_LOW,
                                CONTINUOUS_PRIOR_HIGH)  # [B, C]
  restarts = tf.cast(restarts, tf.int32)
  draws = spec.stateless_sample(restarts * batch, seed).noise  # [R * B, Z]
  tiled = lambda t: tf.tile(t, tf.concat([[restarts], tf.ones([tf.rank(t) - 1], tf.int32)], 0))
  # G's input packed in the optimised space ([z, one-hot codes, c]): inversion moves z and c
  # there directly, so it does not go through LatentSample's indices.
  generated = model.generator(tf.concat([draws, tiled(codes), tiled(continuous)], axis=-1),
                              training=False)  # [R * B, H, W, C]
  errors = tf.reshape(squared_error(generated, tiled(images), model.pixel_range),
                      [restarts, batch])  # [R, B]
  best = tf.argmin(errors, axis=0, output_type=tf.int32)  # [B]
  noise = tf.gather_nd(tf.reshape(draws, [restarts, batch, spec.noise_dim]),
                       tf.stack([best, tf.range(batch)], axis=1))  # [B, Z]
  return Start(codes, categorical, continuous, noise, q, out)


def optimise(objective: Callable[[tf.Tensor], tf.Tensor], latent: tf.Tensor, steps,
             clip: Callable[[tf.Tensor], tf.Tensor],
             learning_rate: float = LEARNING_RATE) -> tf.Tensor:
  """`steps` Adam steps on `latent` [B, D] minimising `objective(latent)` [B] (images are
  independent: each gets its own gradient), `clip` applied after each step; returns each
  image's latents of the lowest objective seen (never worse than the start)."""
  steps = tf.cast(steps, tf.int32)

  def body(i, latent, m, v, best, best_objective):
    with tf.GradientTape() as tape:
      tape.watch(latent)
      value = objective(latent)  # [B]
      total = tf.reduce_sum(value)
    grad = tape.gradient(total, latent)
    better = value < best_objective  # [B]: this step's latents are the image's best so far
    best = tf.where(better[:, None], latent, best)
    best_objective = tf.minimum(value, best_objective)
    m = _BETA1 * m + (1.0 - _BETA1) * grad
    v = _BETA2 * v + (1.0 - _BETA2) * tf.square(grad)
    t = tf.cast(i + 1, tf.float32)
    step = learning_rate * (m / (1.0 - _BETA1 ** t)) / (
        tf.sqrt(v / (1.0 - _BETA2 ** t)) + _EPSILON)
    return i + 1, clip(latent - step), m, v, best, best_objective

  zeros = tf.zeros_like(latent)
  _, last, _, _, best, best_objective = tf.while_loop(
      lambda i, *_: i < steps, body,
      (tf.constant(0), latent, zeros, zeros, latent, objective(latent)))
  return tf.where((objective(last) < best_objective)[:, None], last, best)  # the last step too


def invert(model, images: tf.Tensor, steps=DEFAULT_STEPS, restarts=DEFAULT_RESTARTS, seed=0,
           learning_rate: float = LEARNING_RATE) -> Dict[str, tf.Tensor]:
  """The (z, c) of each image whose G(z, c) is closest to it.

  Args:
    model: The trained `InfoGAN` (its generator, its inference discriminator `encoder`, latent
      spec, pixel range and Q's posterior settings).
    images: [B, H, W, C] float32 in the model's `pixel_range` (B may be 0).
    steps: Adam steps (scalar int, >= 0).
    restarts: Draws of z's prior the start is chosen from (scalar int, >= 1).
    seed: Seed of those draws (scalar int).
    learning_rate: Adam's step size (the latents live in [-1, 1]).

  Returns:
    {'noise': [B, Z], 'categorical': [B, n_cat] int32 (Q's), 'continuous': [B, C], 'images':
    [B, H, W, C] G(z, c) in `pixel_range`, 'error': [B] mean squared pixel error in [0, 1]
    units, 'start_error': [B] the same before the Adam steps}.
  """
  spec, pixel_range = model.spec, model.pixel_range
  images = tf.convert_to_tensor(images, tf.float32)
  first = start(model, images, restarts, seed)
  z_end = spec.noise_dim
  z_bound = noise_bound(spec)

  def generate(latent):  # [B, Z + C] -> [B, H, W, C]
    return model.generator(tf.concat([latent[:, :z_end], first.codes, latent[:, z_end:]],
                                     axis=-1), training=False)

  def error(latent):  # [B]
    return squared_error(generate(latent), images, pixel_range)

  def clip(latent):  # each part inside its prior's support
    return tf.concat([tf.clip_by_value(latent[:, :z_end], -z_bound, z_bound),
                      tf.clip_by_value(latent[:, z_end:], CONTINUOUS_PRIOR_LOW,
                                       CONTINUOUS_PRIOR_HIGH)], axis=-1)

  latent0 = tf.concat([first.noise, first.continuous], axis=-1)  # [B, Z + C]
  latent = optimise(error, latent0, steps, clip, learning_rate)
  generated = generate(latent)
  return {"noise": latent[:, :z_end], "categorical": first.categorical,
          "continuous": latent[:, z_end:], "images": generated,
          "error": squared_error(generated, images, pixel_range),
          "start_error": error(latent0)}
