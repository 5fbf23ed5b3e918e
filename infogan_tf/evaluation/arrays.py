"""The models over arrays in memory: evaluation images loaded, Q's codes of them, images G
draws, L_I on generated samples, and the codes as one matrix for the disentanglement scores."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from infogan_tf import data as data_lib
from infogan_tf import losses
from infogan_tf.latent import LatentSpec


def load_arrays(source: data_lib.ImageSource, pixel_range,
                limit: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """A source's images [N, H, W, C] in `pixel_range`, labels [N] and factors [N, F] in memory.

  `limit` caps N (the first `limit` examples, in the source's order).
  """
  images, labels, factors = [], [], []
  with source.reading():
    for batch in data_lib.eval_batches(source, 1000, pixel_range, limit):
      images.append(batch["image"].numpy())
      labels.append(batch["label"].numpy())
      factors.append(batch["factors"].numpy())
  return np.concatenate(images), np.concatenate(labels), np.concatenate(factors)


def encode(model, images: np.ndarray, batch: int = 1000, training: bool = False,
           discriminator=None) -> Dict[str, np.ndarray]:
  """`InfoGAN.encode_outputs` of `images` [N, H, W, C] (in the model's pixel range), in batches.

  Args:
    model: The InfoGAN.
    images: [N, H, W, C] in the model's pixel range.
    batch: Images per pass.
    training: False = inference mode, as exported (BatchNorm running statistics); True =
      each batch's own statistics (the running statistics such passes move are put back).
    discriminator: Another discriminator than the model's inference one (e.g. D's last
      weights when the model keeps their moving average).

  Returns:
    {'features': [N, F], 'continuous_mean' / 'continuous_std': [N, C], per categorical code i
    'cat{i}_probs': [N, k_i] and 'cat{i}': [N], and the ss class outputs}: numpy arrays.
  """
  discriminator = discriminator or model.encoder
  parts = {}
  saved = [v.numpy() for v in discriminator.non_trainable_variables] if training else []
  for start in range(0, len(images), batch):
    out = discriminator(tf.constant(images[start:start + batch]), training=training)
    for k, v in model.encode_outputs(out).items():
      parts.setdefault(k, []).append(v.numpy())
  for variable, value in zip(discriminator.non_trainable_variables, saved):
    variable.assign(value)
  return {k: np.concatenate(v) for k, v in parts.items()}


def info_on_samples(model, num_samples: int, seed: int = 0, batch: int = 1000,
                    training: bool = False) -> Dict[str, float]:
  """Per-code L_I estimates on generated samples, with H(c) beside each.

  Args:
    model: The InfoGAN (its generator, and its inference discriminator reads the codes).
    num_samples: Generated samples.
    seed: Seed of the codes.
    batch: Samples per pass.
    training: False: G and D in inference mode, as exported (D's BatchNorm statistics are those
      of real images, calibrated before every checkpoint, so this is what the exported `encode`
      reads from generated images). True: each batch's own statistics, as the train step runs
      them (pass the training batch size), which is what training logs as mi/<code>; the
      running statistics these passes move are put back.
  """
  spec, generator, discriminator = model.spec, model.generator, model.encoder
  models = (generator, discriminator)
  saved = [[v.numpy() for v in m.non_trainable_variables] for m in models] if training else []
  sums: Dict[str, float] = {}
  n = 0
  for start in range(0, num_samples, batch):
    b = min(batch, num_samples - start)
    sample = spec.numpy_sample(b, seed + start)
    images = generator(model.generator_input(sample), training=training)
    out = discriminator(images, training=training)
    q = losses.info_loss(out, [tf.constant(c) for c in sample.categorical],
                         tf.constant(sample.continuous), 1.0, 1.0, model.continuous_std)
    for i, ce in enumerate(q.categorical):
      sums[f"cat{i}"] = sums.get(f"cat{i}", 0.0) + float(tf.reduce_sum(ce))
    for j in range(spec.num_continuous):
      sums[f"cont{j}"] = sums.get(f"cont{j}", 0.0) + float(tf.reduce_sum(q.continuous[:, j]))
    n += b
  for model, values in zip(models, saved):
    for v, value in zip(model.non_trainable_variables, values):
      v.assign(value)
  report = {}
  for i, h in enumerate(spec.categorical_entropies()):
    report[f"cat{i}"] = {"L_I": h - sums[f"cat{i}"] / n, "H": h}
  for j in range(spec.num_continuous):
    h = spec.continuous_entropy()
    report[f"cont{j}"] = {"L_I": h - sums[f"cont{j}"] / n, "H": h}
  return report


def generate(model, num: int, seed: int, batch: int = 1000,
             fixed_code: Optional[Tuple[int, int]] = None) -> np.ndarray:
  """`num` images of the model's generator, in its pixel range; `fixed_code=(i, k)` sets
  categorical code i to k in all of them."""
  spec, generator = model.spec, model.generator
  out = []
  for start in range(0, num, batch):
    sample = spec.numpy_sample(min(batch, num - start), seed + 7919 + start)
    if fixed_code is not None:
      sample.categorical[fixed_code[0]][:] = fixed_code[1]
    out.append(generator(model.generator_input(sample), training=False).numpy())
  return np.concatenate(out)


def column_values(source: data_lib.ImageSource, labels: np.ndarray, factors: np.ndarray,
                  column: str) -> np.ndarray:
  """int [N] values of a label column ('label' or a factor name) of loaded arrays."""
  if column == "label":
    return labels.astype(np.int64)
  return np.round(factors[:, source.factor_names.index(column)]).astype(np.int64)


def drop_rows(indices: np.ndarray, *arrays: np.ndarray) -> Tuple[np.ndarray, ...]:
  """The arrays without the rows at `indices` (e.g. the labelled training images)."""
  keep = np.ones([len(arrays[0])], bool)
  keep[indices[indices < len(keep)]] = False
  return tuple(a[keep] for a in arrays)


def code_matrix(codes: Dict[str, np.ndarray], spec: LatentSpec
                ) -> Tuple[np.ndarray, List[str], List[int]]:
  """`encode`'s codes of N images as one representation for the disentanglement scores:
  [N, D] (each categorical code's arg-max, then each continuous mean), the column names, and
  which columns are categorical."""
  parts, names, categorical = [], [], []
  for i in range(len(spec.categorical)):
    parts.append(codes[f"cat{i}"][:, None].astype(np.float64))
    categorical.append(len(names))
    names.append(f"cat{i}")
  for j in range(spec.num_continuous):
    parts.append(codes["continuous_mean"][:, j:j + 1].astype(np.float64))
    names.append(f"cont{j}")
  return np.concatenate(parts, axis=1), names, categorical
