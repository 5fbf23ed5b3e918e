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

Everything is TensorFlow ops with stateless randomness (the same images, steps, restarts and seed
give the same answer) and runs inside one `tf.function`, so the exported `invert` signature runs
it in TF Serving. G and D run in inference mode (BatchNorm's running statistics), as exported: an
image's answer does not depend on the other images of its batch.
"""

from __future__ import annotations

from typing import Dict, Tuple

import tensorflow as tf

from infogan_tf import posterior
from infogan_tf.latent import CONTINUOUS_PRIOR_HIGH, CONTINUOUS_PRIOR_LOW, LatentSpec

DEFAULT_STEPS = 50  # docs/inversion.md: the error against steps, and the time
DEFAULT_RESTARTS = 16
LEARNING_RATE = 0.1
NORMAL_NOISE_BOUND = 3.0  # a normal prior's z is kept within this many scales of 0
CATEGORICAL_MODES = ("fixed", "relaxed")  # docs/inversion.md: fixed is the default, measured
_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-8  # Adam's usual constants


def noise_bound(spec: LatentSpec) -> float:
  """The largest |z| inversion lets z take: the support of z's prior (uniform), or 3 scales."""
  return spec.noise_scale * (1.0 if spec.noise_prior == "uniform" else NORMAL_NOISE_BOUND)


def _squared_error(generated: tf.Tensor, images: tf.Tensor, pixel_range) -> tf.Tensor:
  """[B] mean squared error per image, in [0, 1] pixel units."""
  span = float(pixel_range[1] - pixel_range[0])
  return tf.reduce_mean(tf.square((generated - images) / span), axis=[1, 2, 3])


def _best_start(generator, spec: LatentSpec, images: tf.Tensor, codes: tf.Tensor,
                continuous: tf.Tensor, restarts: tf.Tensor, seed: tf.Tensor,
                pixel_range) -> tf.Tensor:
  """[B, Z]: per image, the draw of z's prior (of `restarts`) closest to it with its codes."""
  batch = tf.shape(images)[0]
  count = restarts * batch
  draws = spec.stateless_sample(count, seed).noise  # [R * B, Z]
  tiled = lambda t: tf.tile(t, tf.concat([[restarts], tf.ones([tf.rank(t) - 1], tf.int32)], 0))
  generated = generator(tf.concat([draws, tiled(codes), tiled(continuous)], axis=-1),
                        training=False)  # [R * B, H, W, C]
  errors = tf.reshape(_squared_error(generated, tiled(images), pixel_range),
                      [restarts, batch])  # [R, B]
  best = tf.argmin(errors, axis=0, output_type=tf.int32)  # [B]
  return tf.gather_nd(tf.reshape(draws, [restarts, batch, spec.noise_dim]),
                      tf.stack([best, tf.range(batch)], axis=1))  # [B, Z]


def invert(generator, discriminator, spec: LatentSpec, images: tf.Tensor,
           pixel_range: Tuple[float, float], fixed_std, steps=DEFAULT_STEPS,
           restarts=DEFAULT_RESTARTS, seed=0, learning_rate: float = LEARNING_RATE,
           categorical: str = "fixed", feature_weight: float = 0.0) -> Dict[str, tf.Tensor]:
  """The (z, c) of each image whose G(z, c) is closest to it.

  Args:
    generator, discriminator: The trained models.
    spec: The run's LatentSpec.
    images: [B, H, W, C] float32 in the architecture's `pixel_range` (B may be 0).
    pixel_range: The architecture's (low, high) pixel values.
    fixed_std: `LossConfig.continuous_std` of the run (Q's decoding).
    steps: Adam steps (scalar int, >= 0).
    restarts: Draws of z's prior the start is chosen from (scalar int, >= 1).
    seed: Seed of those draws (scalar int).
    learning_rate: Adam's step size (the latents live in [-1, 1]).
    categorical: 'fixed' keeps each categorical code at Q's arg-max; 'relaxed' also optimises
      its logits (starting at Q's), feeding G their softmax, and answers with their arg-max (the
      answer's error is that of the hard code, and never worse than the start's).
    feature_weight: Adds this weight times the squared distance between D's trunk features of
      G(z, c) and of the image, relative to the image's mean squared feature, to the pixel error
      being minimised ('error' stays the pixel error).

  Returns:
    {'noise': [B, Z], 'categorical': [B, n_cat] int32, 'continuous': [B, C], 'images': [B, H, W,
    C] G(z, c) in `pixel_range`, 'error': [B] mean squared pixel error in [0, 1] units,
    'start_error': [B] the same before the Adam steps}.
  """
  if categorical not in CATEGORICAL_MODES:
    raise ValueError(f"categorical must be one of {CATEGORICAL_MODES}, got {categorical!r}")
  images = tf.convert_to_tensor(images, tf.float32)
  steps = tf.cast(steps, tf.int32)
  restarts = tf.cast(restarts, tf.int32)
  out = discriminator(images, training=False)
  q = posterior.decode(out, fixed_std)
  batch = tf.shape(images)[0]
  relaxed = categorical == "relaxed" and bool(spec.categorical)
  onehots = [tf.one_hot(c, k, dtype=tf.float32) for c, k in zip(q.categorical, spec.categorical)]
  codes = tf.concat([tf.zeros([batch, 0])] + onehots, axis=-1)  # [B, sum k]
  continuous = tf.clip_by_value(q.continuous_mean, CONTINUOUS_PRIOR_LOW,
                                CONTINUOUS_PRIOR_HIGH)  # [B, C]
  noise = _best_start(generator, spec, images, codes, continuous, restarts, seed, pixel_range)
  z_bound = noise_bound(spec)
  # The optimised latents, side by side: [B, Z + C (+ sum k logits when relaxed)].
  z_end = spec.noise_dim
  c_end = z_end + spec.num_continuous
  target_features = discriminator.features(images, training=False) if feature_weight else None
  feature_scale = (tf.reduce_mean(tf.square(target_features), axis=-1) + 1e-6
                   if feature_weight else None)  # [B]

  def per_code(logits):  # [B, sum k] -> one [B, k] block per categorical code
    return tf.split(logits, list(spec.categorical), axis=-1)

  def relaxed_codes(logits, harden):  # [B, sum k]: each code's one-hot arg-max or softmax
    return tf.concat([tf.zeros([batch, 0])] + [
        tf.one_hot(tf.argmax(p, axis=-1), k) if harden else tf.nn.softmax(p, axis=-1)
        for p, k in zip(per_code(logits), spec.categorical)], axis=-1)

  def generate(latent, harden=False):
    z, c = latent[:, :z_end], latent[:, z_end:c_end]
    cat = relaxed_codes(latent[:, c_end:], harden) if relaxed else codes
    return generator(tf.concat([z, cat, c], axis=-1), training=False)  # [B, H, W, ch]

  def loss_of(latent, harden=False):  # -> ([B] objective, [B] pixel errors)
    generated = generate(latent, harden)
    errors = _squared_error(generated, images, pixel_range)
    objective = errors
    if feature_weight:
      features = discriminator.features(generated, training=False)  # [B, F]
      objective = errors + feature_weight * tf.reduce_mean(
          tf.square(features - target_features), axis=-1) / feature_scale
    return objective, errors

  def clip(latent):
    z, c = latent[:, :z_end], latent[:, z_end:c_end]
    return tf.concat([tf.clip_by_value(z, -z_bound, z_bound),
                      tf.clip_by_value(c, CONTINUOUS_PRIOR_LOW, CONTINUOUS_PRIOR_HIGH),
                      latent[:, c_end:]], axis=-1)

  def body(i, latent, m, v, best, best_objective):
    with tf.GradientTape() as tape:
      tape.watch(latent)
      objective, _ = loss_of(latent)
      total = tf.reduce_sum(objective)  # images are independent: each gets its own gradient
    grad = tape.gradient(total, latent)
    better = objective < best_objective  # [B]: this step's latents are the image's best so far
    best = tf.where(better[:, None], latent, best)
    best_objective = tf.minimum(objective, best_objective)
    m = _BETA1 * m + (1.0 - _BETA1) * grad
    v = _BETA2 * v + (1.0 - _BETA2) * tf.square(grad)
    t = tf.cast(i + 1, tf.float32)
    step = learning_rate * (m / (1.0 - _BETA1 ** t)) / (
        tf.sqrt(v / (1.0 - _BETA2 ** t)) + _EPSILON)
    return i + 1, clip(latent - step), m, v, best, best_objective

  logits = (tf.concat(list(out.categorical_logits), axis=-1) if relaxed
            else tf.zeros([batch, 0]))  # [B, sum k] Q's logits, the relaxed codes' start
  start = tf.concat([noise, continuous, logits], axis=-1)
  start_objective, start_error = loss_of(start, harden=True)  # Q's hard codes
  zeros = tf.zeros_like(start)
  _, latent, _, _, best, best_objective = tf.while_loop(
      lambda i, *_: i < steps, body,
      (tf.constant(0), start, zeros, zeros, start, start_objective))
  final_objective, _ = loss_of(latent)  # the last step's latents, not yet scored
  latent = tf.where((final_objective < best_objective)[:, None], latent, best)
  if relaxed:  # the answer is a hard code: keep the start where hardening lost to it
    hardened, _ = loss_of(latent, harden=True)
    latent = tf.where((hardened < start_objective)[:, None], latent, start)
  generated = generate(latent, harden=True)
  if relaxed:
    categories = tf.stack([tf.argmax(p, axis=-1, output_type=tf.int32)
                           for p in per_code(latent[:, c_end:])], axis=-1)
  elif q.categorical:
    categories = tf.stack(list(q.categorical), axis=-1)
  else:
    categories = tf.zeros([batch, 0], tf.int32)
  return {"noise": latent[:, :z_end], "categorical": categories,
          "continuous": latent[:, z_end:c_end], "images": generated,
          "error": _squared_error(generated, images, pixel_range), "start_error": start_error}
