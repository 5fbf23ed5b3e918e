"""What the scorers of one evaluation share (`EvalContext`), and which images are evaluated."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional, Tuple

import numpy as np

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf import datasets
from infogan_tf.evaluation.arrays import load_arrays
from infogan_tf.latent import LatentSpec
from infogan_tf.metrics import feature_classifier

# The split evaluated, for every dataset. For datasets with only 'train' the data layer reads
# a held-out part of it (`Dataset.held_out`); datasets without a test split evaluate on their
# training images with the labelled ones left out (`Dataset.evaluates_on_training_images`);
# procedural 'test' images are rendered with another seed.
EVAL_SPLIT = "test"


def evaluates_on_training_images(config: config_lib.ExperimentConfig, split: str) -> bool:
  """Whether the evaluation split holds the training images (then labelled ones are left out)."""
  return (datasets.get(config.data.name).evaluates_on_training_images
          or split == config.data.split)


@dataclasses.dataclass
class EvalContext:
  """What the scorers of one evaluation share: the restored models, the evaluation images and
  their codes, the options; the training images and the Fréchet classifier are loaded once,
  when a scorer first asks."""

  workdir: str
  model: Any  # the restored InfoGAN
  checkpoint: str
  test: data_lib.ImageSource
  test_x: np.ndarray  # [N, H, W, C]
  test_y: np.ndarray  # [N] (-1: no label)
  test_f: np.ndarray  # [N, F] known factors
  codes: Dict[str, np.ndarray]  # Q's codes of test_x (`encode`)
  num_samples: int
  seed: int
  classifier_dir: Optional[str]
  probe_fractions: Tuple[float, ...]
  max_train_examples: int
  agreement: Optional[dict] = None  # a selection's 'agreement', when the workdir is its pick
  dci_boosted_trees: bool = False  # also disentanglement_lib's DCI (needs scikit-learn)
  _train: Optional[Tuple[np.ndarray, np.ndarray]] = None
  _classifier: Optional[Tuple[Any, dict]] = None

  @property
  def config(self) -> config_lib.ExperimentConfig:
    return self.model.config

  @property
  def generator(self):
    return self.model.generator

  @property
  def discriminator(self):
    """The discriminator evaluated: the model's inference one (D's moving average when kept)."""
    return self.model.encoder

  @property
  def spec(self) -> LatentSpec:
    return self.model.spec

  @property
  def pixel_range(self) -> Tuple[float, float]:
    return self.model.pixel_range

  @property
  def labelled(self) -> bool:
    """The evaluation images all have class labels."""
    return self.test.num_classes is not None and bool((self.test_y >= 0).all())

  @property
  def has_held_out_images(self) -> bool:
    """The evaluation images are not the training images (a probe can train on the latter)."""
    return not datasets.get(self.config.data.name).evaluates_on_training_images

  @property
  def has_factors(self) -> bool:
    """The data has known factors and the run has codes to score against them."""
    return (self.test_f.shape[1] > 0
            and (len(self.spec.categorical) + self.spec.num_continuous) > 0)

  def train_arrays(self) -> Tuple[np.ndarray, np.ndarray]:
    """The training images [N, H, W, C] and labels [N] (at most max_train_examples)."""
    if self._train is None:
      train = data_lib.load_source(self.config.data, split="train", seed=0)
      self._train = load_arrays(train, self.pixel_range, self.max_train_examples)[:2]
    return self._train

  def classifier(self) -> Tuple[Any, dict]:
    """The Fréchet/classification feature classifier of this dataset and its info."""
    if self._classifier is None:
      self._classifier = feature_classifier.load_or_train(
          self.classifier_dir, self.config.data.name, tuple(self.config.model.image_shape),
          self.pixel_range, self.test.num_classes, self.train_arrays,
          lambda: (self.test_x, self.test_y))
    return self._classifier
