"""Label-free criteria of one run: numbers selection can rank seeds by, each with its own noise.

No label is read: the real images are the evaluation split's (their labels are never loaded)
and the generated ones the run's own. Every criterion is higher-is-better and averaged over the
run's categorical codes (a run without one has none of these):

  confident_share  the share of real images whose categorical posterior's top probability is
                   >= 0.99 (what `trainers.refine` counts as confident)
  mean_confidence  the mean top probability on real images
  view_stability   NMI between Q's categories of each real image and of a view of it shifted
                   by up to 2 pixels (IIC's invariance, Ji et al. 2019, as a score)
  balance          the entropy of Q's mean posterior over the real images / log k (1: every
                   category used equally; a collapsed code scores near 0)
  info_generated   L_I on generated images / H(c): the share of the code's entropy Q reads
                   back from G's images (InfoGAN's own objective, Chen et al. 2016)

Noise: each criterion is also scored on `subsets` disjoint parts of the images; the std of the
part scores / sqrt(subsets) is the criterion's noise (the spread a score over all images would
show if it were scored on other images of the same size, for a score that is a mean over
images; NMI and entropy are close to that at these sizes).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np
import tensorflow as tf

from infogan_tf import evaluation
from infogan_tf.augment import views
from infogan_tf.metrics import clustering

CONFIDENT = 0.99  # trainers.refine's default threshold
VIEW_SHIFT = 2  # pixels: a view keeps the object (the data's own shifts are larger)
NAMES = ("confident_share", "mean_confidence", "view_stability", "balance", "info_generated")


def _per_code(probs: List[np.ndarray], views_probs: List[np.ndarray]) -> Dict[str, float]:
  """The real-image criteria of one set of images, averaged over the categorical codes."""
  out = {"confident_share": [], "mean_confidence": [], "view_stability": [], "balance": []}
  for p, v in zip(probs, views_probs):  # [N, k] each
    top = p.max(axis=1)  # [N]
    out["confident_share"].append(float(np.mean(top >= CONFIDENT)))
    out["mean_confidence"].append(float(np.mean(top)))
    out["view_stability"].append(clustering.normalized_mutual_information(
        p.argmax(axis=1), v.argmax(axis=1)))
    marginal = np.clip(p.mean(axis=0), 1e-12, 1.0)  # [k]
    out["balance"].append(float(-(marginal * np.log(marginal)).sum() / np.log(p.shape[1])))
  return {k: float(np.mean(v)) for k, v in out.items()}


def shifted_views(images: np.ndarray, pixel_range, seed: int) -> np.ndarray:
  """[N, H, W, C] copies of `images` shifted by up to VIEW_SHIFT pixels (background filled)."""
  rng = tf.random.Generator.from_seed(seed)
  return views.random_view(tf.constant(images), rng, VIEW_SHIFT, flip=False,
                           fill_value=float(pixel_range[0])).numpy()


def run_criteria(model, real: np.ndarray, num_generated: int, seed: int = 0,
                 subsets: int = 4, encoded: Optional[Dict[str, np.ndarray]] = None
                 ) -> Dict[str, dict]:
  """Every criterion of one run, with its noise.

  Args:
    model: The run's InfoGAN (inference mode: what is exported).
    real: [N, H, W, C] real images in the model's pixel range (no labels).
    num_generated: Generated images for `info_generated`.
    seed: Seed of the views and the generated codes.
    subsets: Disjoint parts the images are split into to measure each criterion's noise.
    encoded: `evaluation.encode(model, real)` when the caller has it already.

  Returns:
    {name: {'score': over all images, 'noise': std of the part scores / sqrt(subsets),
    'parts': [the part scores]}}; empty for a run without a categorical code.
  """

  spec = model.spec
  if not spec.categorical:
    return {}
  names = [f"cat{i}_probs" for i in range(len(spec.categorical))]
  encoded = encoded if encoded is not None else evaluation.encode(model, real)
  viewed = evaluation.encode(model, shifted_views(real, model.pixel_range, seed))
  probs = [encoded[n] for n in names]  # each [N, k]
  view_probs = [viewed[n] for n in names]
  parts = np.array_split(np.arange(len(real)), subsets)
  scores = {name: {"score": value} for name, value in _per_code(probs, view_probs).items()}
  part_scores = [_per_code([p[i] for p in probs], [v[i] for v in view_probs]) for i in parts]
  info_parts = []
  for index, count in enumerate(np.diff(np.linspace(0, num_generated, subsets + 1).astype(int))):
    report = evaluation.info_on_samples(model, int(count), seed=seed + 7919 * (index + 1))
    info_parts.append(float(np.mean([report[f"cat{i}"]["L_I"] / report[f"cat{i}"]["H"]
                                     for i in range(len(spec.categorical))])))
  part_scores = [{**s, "info_generated": i} for s, i in zip(part_scores, info_parts)]
  scores["info_generated"] = {"score": float(np.mean(info_parts))}
  for name in NAMES:
    values = [s[name] for s in part_scores]
    scores[name].update(noise=float(np.std(values, ddof=1) / np.sqrt(subsets)), parts=values)
  return scores


def tied_with_top(scores: np.ndarray, noise: np.ndarray, z: float = 2.0) -> List[int]:
  """Indices of the runs whose score is within `z` noise of the top one's (the top included).

  Two runs are told apart when their scores differ by more than z * sqrt(noise_a^2 +
  noise_b^2): z = 2 is a two-sided ~95% interval for the difference of two noisy scores.
  """
  top = int(np.argmax(scores))
  gap = scores[top] - scores
  return [i for i in np.argsort(-scores, kind="stable")
          if gap[i] <= z * np.hypot(noise[top], noise[i])]
