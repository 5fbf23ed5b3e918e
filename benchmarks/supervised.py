"""Baseline (a) of ss-InfoGAN: the same discriminator trunk + Q head trained on the labelled
images alone (no GAN, no unlabelled images), with the same augmentation, batch and steps.

It answers "what did the GAN and the unlabelled images buy?": ss-InfoGAN's no-matching accuracy
is compared with this classifier's on the same labelled subset and test split.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Optional

import keras
import tensorflow as tf

from infogan_tf import augment, losses
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
import infogan_tf as ig


def train_labelled_only(config: config_lib.ExperimentConfig, steps: Optional[int] = None,
                        workdir: Optional[str] = None) -> Dict:
  """Trains D's trunk and Q head on the labelled subset only and scores it on the test split.

  Args:
    config: An ss-InfoGAN config (semi_supervised enabled); its labelled subset, label
      columns, labelled batch size, augmentation, D learning rate, Adam betas and seed are used.
    steps: Training steps (default config.train.steps).
    workdir: If set, the labelled subset is written to / checked against this workdir's
      labelled.json (the same draw as the ss-InfoGAN run's).

  Returns:
    {'accuracy': {code: no-matching test accuracy, inference mode}, 'accuracy_batch_statistics',
     'steps', 'num_labelled'}.
  """
  ss = config.semi_supervised
  if not ss.enabled:
    raise config_lib.ConfigError("the labelled-only baseline needs semi-supervised codes")
  steps = steps or config.train.steps
  source = data_lib.load_source(config.data, seed=0)
  from infogan_tf.training import loop  # pylint: disable=g-import-not-at-top (avoids a cycle)
  config = loop.resolve_config(config, source)
  config = config.replace(train=dataclasses.replace(
      config.train, workdir=workdir or "/nonexistent/infogan_tf"))
  labelled = data_lib.labelled.prepare(source, config, write=workdir is not None)
  model = ig.InfoGAN(config)  # seeds as trainers.main does; only its D is trained here
  discriminator = model.discriminator
  optimizer = keras.optimizers.Adam(config.optimizer.d_learning_rate,
                                    beta_1=config.optimizer.beta1, beta_2=config.optimizer.beta2)
  pixel_range = model.pixel_range
  rng = tf.random.Generator.from_seed(config.train.seed)
  batches = labelled.cache().shuffle(10000, seed=config.train.seed).repeat().batch(
      ss.labelled_batch_size, drop_remainder=True)
  batches = batches.map(lambda ex: (data_lib.to_pixel_range(ex["image"], pixel_range),
                                    ex["labels"])).prefetch(2)
  variables = [v for v in discriminator.trainable_variables
               if "d_logit" not in v.path]  # the D head gets no gradient here

  @tf.function
  def step(images, labels):
    view = augment.random_view(images, rng, ss.augment_shift, ss.augment_flip,
                               pixel_range[0])
    view = augment.cutout(view, rng, ss.labelled_cutout, pixel_range[0])  # [l, H, W, C]
    with tf.GradientTape() as tape:
      out = discriminator(view, training=True)
      loss = tf.add_n([tf.reduce_mean(losses.categorical_info_loss(
          out.categorical_logits[c], labels[:, j])) for j, c in enumerate(ss.codes)])
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  iterator = iter(batches)
  for _ in range(steps):
    step(*next(iterator))

  from infogan_tf import evaluation  # pylint: disable=g-import-not-at-top
  test = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  test_x, test_y, test_f = evaluation.load_arrays(test, pixel_range)
  codes = evaluation.encode(model, test_x, discriminator=discriminator)
  scores = evaluation.semi_supervised_scores(model, test, test_x, test_y, test_f, codes)
  return {"accuracy": {k: v["accuracy"] for k, v in scores.items()},
          "accuracy_batch_statistics": {k: v["accuracy_batch_statistics"]
                                        for k, v in scores.items()},
          "steps": steps, "num_labelled": int(sum(1 for _ in labelled))}


def probe_on_labelled(unsupervised_workdir: str, config: config_lib.ExperimentConfig) -> Dict:
  """Baseline (b): a linear probe on an unsupervised InfoGAN's trunk features, fitted on the
  ss run's labelled subset (by index into the training split) and scored on the test split.

  Args:
    unsupervised_workdir: A trained unsupervised workdir on the same dataset.
    config: The ss-InfoGAN config whose labelled subset is used.

  Returns:
    {'accuracy': test accuracy of the probe, 'num_labelled'}.
  """
  # pylint: disable-next=g-import-not-at-top
  from infogan_tf import evaluation
  from infogan_tf.metrics import probe  # pylint: disable=g-import-not-at-top
  ss = config.semi_supervised
  unsup_model = ig.InfoGAN.from_workdir(unsupervised_workdir)
  pixel_range = unsup_model.pixel_range
  train = data_lib.load_source(config.data, seed=0)
  values = data_lib.labelled.check_class_values(
      data_lib.labelled.read_columns(train, ss.label_columns), ss.label_columns,
      [config.latent.categorical[c] for c in ss.codes])
  indices = data_lib.labelled.select(values[:, 0], ss)
  train_x, _, _ = evaluation.load_arrays(train, pixel_range)
  train_feats = evaluation.encode(unsup_model, train_x[indices])["features"]
  test = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  test_x, test_y, test_f = evaluation.load_arrays(test, pixel_range)
  y_test = evaluation.column_values(test, test_y, test_f, ss.label_columns[0])
  test_feats = evaluation.encode(unsup_model, test_x)["features"]
  accuracy = probe.linear_probe_accuracy(train_feats, values[indices, 0], test_feats, y_test,
                                         config.latent.categorical[ss.codes[0]])
  return {"accuracy": float(accuracy), "num_labelled": int(len(indices)),
          "unsupervised_workdir": unsupervised_workdir}
