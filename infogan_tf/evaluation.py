"""Evaluate a trained workdir: does the code mean something?

Reports (all on a labelled held-out split unless said otherwise):
  - clustering: each categorical code's arg-max of Q on real images as a clustering of the
    labels: ACC (one-to-one Hungarian matching), ACC with majority labels, NMI, ARI, and the
    code-value x label count table with the label each code value is matched to;
  - info: per-code L_I = H(c) - CE (categorical) and ln 2 - NLL (continuous) on generated
    samples, next to H(c): as the exported models compute it (inference mode) and with batch
    statistics (as training logs it);
  - probe: linear-probe accuracy of the trunk features with 1% and 10% of the train labels;
  - frechet: Fréchet distance between real and generated images in the feature space of a
    classifier trained on the dataset's labels (saved and reused, see metrics/feature_classifier);
  - mig, factor_vae, dci: on data with known factors, the MIG, the FactorVAE score and DCI
    (disentanglement, completeness, informativeness) of [categorical arg-max, continuous means],
    with the factor each code is tied to;
  - semi_supervised (ss-InfoGAN runs): per ss code, accuracy with *no* matching (code index ==
    label) in inference mode as exported and with batch statistics, Hungarian ACC/NMI/ARI, and
    class-conditional generation accuracy (images generated with c_ss = k, classified by the
    dataset classifier: Spurr et al.'s metric); labelled training images are excluded;
  - traversal PNGs like the paper's Figure 2 in <workdir>/eval/ (ss codes' rows named by class).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from infogan_tf import datasets, losses, posterior, traced_graphs, visualize
from infogan_tf.training import checkpointing, summaries
from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.latent import LatentSpec
from infogan_tf.metrics import (clustering, dci, factor_vae, feature_classifier, frechet, mig,
                                probe)
from infogan_tf.models import architectures, build_models

EVAL_SUBDIR = "eval"
REPORT_FILENAME = "report.json"
# The split evaluated, for every dataset. For datasets with only 'train' the data layer reads
# a held-out part of it (`Dataset.held_out`); datasets without a test split evaluate on their
# training images with the labelled ones left out (`Dataset.evaluates_on_training_images`);
# procedural 'test' images are rendered with another seed.
EVAL_SPLIT = "test"


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


def encode(discriminator, images: np.ndarray, batch: int = 1000,
           training: bool = False) -> Dict[str, np.ndarray]:
  """Runs the discriminator over `images` [N, H, W, C] in batches.

  Args:
    discriminator: The Discriminator.
    images: [N, H, W, C] in the architecture's pixel range.
    batch: Images per pass.
    training: False = inference mode, as exported (BatchNorm running statistics); True =
      each batch's own statistics (the running statistics such passes move are put back).

  Returns:
    {'features': [N, F] trunk features, 'continuous_mean': [N, C], and per categorical code i
    'cat{i}_probs': [N, k_i] Q's softmax and 'cat{i}': [N] its arg-max}.
  """
  parts = {}
  saved = [v.numpy() for v in discriminator.non_trainable_variables] if training else []
  for start in range(0, len(images), batch):
    out = discriminator(tf.constant(images[start:start + batch]), training=training)
    q = posterior.decode(out, fixed_std=None)
    rows = {"features": out.features.numpy(), "continuous_mean": q.continuous_mean.numpy()}
    for i, (probs, argmax) in enumerate(zip(q.categorical_probs, q.categorical)):
      rows[f"cat{i}_probs"] = probs.numpy()
      rows[f"cat{i}"] = argmax.numpy()
    for k, v in rows.items():
      parts.setdefault(k, []).append(v)
  for variable, value in zip(discriminator.non_trainable_variables, saved):
    variable.assign(value)
  return {k: np.concatenate(v) for k, v in parts.items()}


def info_on_samples(generator, discriminator, config, num_samples: int, seed: int = 0,
                    batch: int = 1000, training: bool = False) -> Dict[str, float]:
  """Per-code L_I estimates on generated samples, with H(c) beside each.

  Args:
    generator, discriminator: The restored models.
    config: The run's config.
    num_samples: Generated samples.
    seed: Seed of the codes.
    batch: Samples per pass.
    training: False: G and D in inference mode, as exported (D's BatchNorm statistics are those
      of real images, calibrated before every checkpoint, so this is what the exported `encode`
      reads from generated images). True: each batch's own statistics, as the train step runs
      them (pass the training batch size), which is what training logs as mi/<code>; the
      running statistics these passes move are put back.
  """
  spec = LatentSpec(config.latent)
  models = (generator, discriminator)
  saved = [[v.numpy() for v in m.non_trainable_variables] for m in models] if training else []
  sums: Dict[str, float] = {}
  n = 0
  for start in range(0, num_samples, batch):
    b = min(batch, num_samples - start)
    sample = spec.numpy_sample(b, seed + start)
    images = generator(spec.generator_input(sample), training=training)
    out = discriminator(images, training=training)
    q = losses.info_loss(out, [tf.constant(c) for c in sample.categorical],
                         tf.constant(sample.continuous), 1.0, 1.0, config.loss.continuous_std)
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


def _generate(generator, config, num: int, seed: int, batch: int = 1000,
              fixed_code: Optional[Tuple[int, int]] = None) -> np.ndarray:
  """`num` generated images; `fixed_code=(i, k)` sets categorical code i to k in all of them."""
  spec = LatentSpec(config.latent)
  out = []
  for start in range(0, num, batch):
    sample = spec.numpy_sample(min(batch, num - start), seed + 7919 + start)
    if fixed_code is not None:
      sample.categorical[fixed_code[0]][:] = fixed_code[1]
    out.append(generator(spec.generator_input(sample), training=False).numpy())
  return np.concatenate(out)


def column_values(source: data_lib.ImageSource, labels: np.ndarray, factors: np.ndarray,
                  column: str) -> np.ndarray:
  """int [N] values of a label column ('label' or a factor name) of loaded arrays."""
  if column == "label":
    return labels.astype(np.int64)
  return np.round(factors[:, source.factor_names.index(column)]).astype(np.int64)


def semi_supervised_scores(discriminator, config, source, images, labels, factors,
                           codes: Dict[str, np.ndarray],
                           last_weights_codes: Optional[Dict[str, np.ndarray]] = None
                           ) -> Dict[str, dict]:
  """No-matching accuracy (inference mode and batch statistics) and clustering scores per ss
  code.

  Args:
    discriminator: The trained Discriminator.
    config: The run's config.
    source: The evaluation ImageSource (for factor names).
    images: [N, H, W, C] evaluation images.
    labels: [N] labels; factors: [N, F].
    codes: `encode(discriminator, images)` (inference mode).
    last_weights_codes: For runs that average D's weights (then `discriminator` is the
      average), `encode` of the same images with D's last weights.

  Returns:
    {'cat<i>': {'column', 'accuracy', 'accuracy_batch_statistics', 'acc', 'nmi', 'ari', ...}}
    and 'accuracy_last_weights' with `last_weights_codes`.
  """
  ss = config.semi_supervised
  batch_codes = encode(discriminator, images, batch=500, training=True)
  out = {}
  for c, column in zip(ss.codes, ss.label_columns):
    y = column_values(source, labels, factors, column)
    valid = y >= 0  # images of a folder's unlabelled/ sub-folder have no label
    y, predicted, predicted_bs = y[valid], codes[f"cat{c}"][valid], batch_codes[f"cat{c}"][valid]
    scores = clustering.clustering_scores(predicted, y)
    scores["column"] = column
    scores["num_images"] = int(valid.sum())
    scores["accuracy"] = float(np.mean(predicted == y))
    scores["accuracy_batch_statistics"] = float(np.mean(predicted_bs == y))
    if last_weights_codes is not None:
      scores["accuracy_last_weights"] = float(np.mean(
          last_weights_codes[f"cat{c}"][valid] == y))
    scores["per_class_accuracy"] = [float(np.mean(predicted[y == k] == k))
                                    if np.any(y == k) else None
                                    for k in range(config.latent.categorical[c])]
    out[f"cat{c}"] = scores
  return out


def conditional_generation_accuracy(generator, classifier, config, per_class: int,
                                    seed: int, label_columns=("label",)) -> Dict[str, float]:
  """Spurr et al.'s metric: generate with c_ss = k for every k, classify, score == k.

  Only ss codes tied to a column in `label_columns` (columns equal to the class label the
  dataset classifier predicts) are scored.
  """
  out = {}
  ss = config.semi_supervised
  for c, column in zip(ss.codes, ss.label_columns):
    if column not in label_columns:
      continue
    hits = 0
    k_count = config.latent.categorical[c]
    for k in range(k_count):
      fake = _generate(generator, config, per_class, seed + 31 * k, fixed_code=(c, k))
      predicted = np.argmax(classifier.predict(fake, batch_size=1000, verbose=0), axis=-1)
      hits += int(np.sum(predicted == k))
    out[f"cat{c}"] = hits / (per_class * k_count)
  return out


def drop_rows(indices: np.ndarray, *arrays: np.ndarray) -> Tuple[np.ndarray, ...]:
  """The arrays without the rows at `indices` (e.g. the labelled training images)."""
  keep = np.ones([len(arrays[0])], bool)
  keep[indices[indices < len(keep)]] = False
  return tuple(a[keep] for a in arrays)


def evaluates_on_training_images(config: config_lib.ExperimentConfig, split: str) -> bool:
  """Whether the evaluation split holds the training images (then labelled ones are left out)."""
  return (datasets.get(config.data.name).evaluates_on_training_images
          or split == config.data.split)


def _check_writable(directory: str) -> None:
  """Creates `directory` and a scratch file in it, or raises the OSError that stops it (with
  `directory` as its filename)."""
  try:
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-check-"):
      pass
  except OSError as e:
    raise OSError(e.errno, e.strerror, directory) from e


@dataclasses.dataclass
class EvalContext:
  """What the scorers of one evaluation share: the restored models, the evaluation images and
  their codes, the options; the training images and the Fréchet classifier are loaded once,
  when a scorer first asks."""

  workdir: str
  config: config_lib.ExperimentConfig
  generator: Any
  discriminator: Any
  checkpoint: str
  spec: LatentSpec
  pixel_range: Tuple[float, float]
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
  _train: Optional[Tuple[np.ndarray, np.ndarray]] = None
  _classifier: Optional[Tuple[Any, dict]] = None

  @property
  def labelled(self) -> bool:
    """The evaluation images all have class labels."""
    return self.test.num_classes is not None and bool((self.test_y >= 0).all())

  @property
  def has_held_out_images(self) -> bool:
    """The evaluation images are not the training images (a probe can train on the latter)."""
    return not datasets.get(self.config.data.name).evaluates_on_training_images

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


def score_semi_supervised(ctx: EvalContext, report: dict) -> None:
  """'semi_supervised': each ss code's accuracy against its label column, no matching (and
  with D's last weights when the run keeps an average)."""
  config = ctx.config
  if not config.semi_supervised.enabled:
    return
  last_codes = None
  if config.optimizer.averages_discriminator:  # what the average bought: D's last weights
    last = build_models(config)[1]
    checkpointing.restore_for_inference(ctx.generator, last, ctx.workdir, ctx.checkpoint)
    last_codes = encode(last, ctx.test_x)
  report["semi_supervised"] = semi_supervised_scores(
      ctx.discriminator, config, ctx.test, ctx.test_x, ctx.test_y, ctx.test_f, ctx.codes,
      last_codes)


def score_clustering(ctx: EvalContext, report: dict) -> None:
  """'clustering': each categorical code as a clustering of labelled images (ACC, NMI, ARI)."""
  if not ctx.labelled:
    return
  report["clustering"] = {}
  num_labels = max(ctx.test.num_classes, int(ctx.test_y.max()) + 1)
  for i, k in enumerate(ctx.spec.categorical):
    scores = clustering.clustering_scores(ctx.codes[f"cat{i}"], ctx.test_y)
    scores["table"] = clustering.cluster_label_table(ctx.codes[f"cat{i}"], ctx.test_y, k,
                                                     num_labels)
    report["clustering"][f"cat{i}"] = scores


def score_info(ctx: EvalContext, report: dict) -> None:
  """'info': L_I per code on generated samples, beside H(c): 'L_I' as the exported models
  compute it (inference mode: D normalises generated images with the statistics of real ones)
  and 'L_I_batch_statistics' as the train step computes it (each training-sized batch's own
  statistics; what training logs as mi/<code>). The two part when generated images' statistics
  differ from real images' (see `info_on_samples`)."""
  report["info"] = info_on_samples(ctx.generator, ctx.discriminator, ctx.config,
                                   ctx.num_samples, ctx.seed)
  batched = info_on_samples(ctx.generator, ctx.discriminator, ctx.config, ctx.num_samples,
                            ctx.seed, batch=ctx.config.train.batch_size, training=True)
  for code, scores in batched.items():
    report["info"][code]["L_I_batch_statistics"] = scores["L_I"]


def agreed_accuracy(ctx: EvalContext, agreement: dict) -> dict:
  """Per categorical code: the pick's accuracy (its one-to-one matching over all evaluation
  images) on the images every run of its selection agreed on, beside all images'."""
  out = {}
  num_labels = int(ctx.test_y.max()) + 1
  for code, scores in agreement.items():
    if code not in ctx.codes:
      continue
    predicted = ctx.codes[code]  # [N]
    k = ctx.spec.categorical[int(code[3:])]
    matched = np.asarray(clustering.cluster_label_table(predicted, ctx.test_y, k, num_labels)
                         ["matched_label"])  # [k]
    correct = matched[predicted] == ctx.test_y  # [N]
    agreed = np.asarray(scores["agreed"], np.int64)
    agreed = agreed[agreed < len(correct)]
    out[code] = {"runs": scores["runs"], "images": scores["images"],
                 "agreed_images": int(len(agreed)),
                 "acc_on_agreed": float(correct[agreed].mean()) if len(agreed) else None,
                 "acc": float(correct.mean())}
  return out


def score_probe(ctx: EvalContext, report: dict) -> None:
  """'probe': a linear classifier on Q's trunk features with a few labels."""
  if not (ctx.labelled and ctx.has_held_out_images):
    return
  train_x, train_y = ctx.train_arrays()
  train_feats = encode(ctx.discriminator, train_x)["features"]
  report["probe"] = probe.probe_scores(train_feats, train_y, ctx.codes["features"], ctx.test_y,
                                       ctx.test.num_classes, ctx.probe_fractions, ctx.seed)


def score_frechet(ctx: EvalContext, report: dict) -> None:
  """'frechet': the Fréchet distance of generated and real images in a trained classifier's
  features."""
  if not (ctx.labelled and ctx.has_held_out_images):
    return
  classifier, info = ctx.classifier()
  features = feature_classifier.feature_model(classifier)
  n = min(ctx.num_samples, len(ctx.test_x))
  fake = _generate(ctx.generator, ctx.config, n, ctx.seed)
  real_feats = features.predict(ctx.test_x[:n], batch_size=1000, verbose=0)
  fake_feats = features.predict(fake, batch_size=1000, verbose=0)
  report["frechet"] = {"distance": frechet.frechet_distance(real_feats, fake_feats),
                       "num_images": int(n), "classifier": info}


def score_conditional_generation(ctx: EvalContext, report: dict) -> None:
  """ss codes: how often the classifier reads category k in images generated with c_ss = k."""
  ss = ctx.config.semi_supervised
  if not (ss.enabled and ctx.labelled and ctx.has_held_out_images):
    return
  classifier, _ = ctx.classifier()
  same_as_label = [c for c in ss.label_columns
                   if np.array_equal(column_values(ctx.test, ctx.test_y, ctx.test_f, c),
                                     ctx.test_y)]
  generation = conditional_generation_accuracy(
      ctx.generator, classifier, ctx.config, max(1, min(1000, ctx.num_samples // 10)),
      ctx.seed, same_as_label)
  for code, accuracy in generation.items():
    report["semi_supervised"][code]["conditional_generation_accuracy"] = accuracy


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


def _has_factors(ctx: EvalContext) -> bool:
  return ctx.test_f.shape[1] > 0 and (len(ctx.spec.categorical) + ctx.spec.num_continuous) > 0


def score_mig(ctx: EvalContext, report: dict) -> None:
  """'mig': the mutual information gap of the codes on data with known factors."""
  if not _has_factors(ctx):
    return
  z, names, _ = code_matrix(ctx.codes, ctx.spec)
  result = mig.mig(z, ctx.test_f, factor_names=ctx.test.factor_names)
  result["codes"] = names
  report["mig"] = result


def score_factor_vae(ctx: EvalContext, report: dict) -> None:
  """'factor_vae': the FactorVAE score of the codes on data with known factors, and the factor
  each code votes for."""
  if not _has_factors(ctx):
    return
  z, names, _ = code_matrix(ctx.codes, ctx.spec)
  try:
    result = factor_vae.factor_vae_score(z, ctx.test_f, seed=ctx.seed,
                                         factor_names=ctx.test.factor_names)
  except ValueError as e:  # every code collapsed to one value: nothing to score
    report["factor_vae"] = {"score": 0.0, "error": str(e), "codes": names}
    return
  result["codes"] = names
  report["factor_vae"] = result


def score_dci(ctx: EvalContext, report: dict) -> None:
  """'dci': DCI disentanglement, completeness and informativeness of the codes on data with
  known factors, and the factor each code matters most for."""
  if not _has_factors(ctx):
    return
  z, names, categorical = code_matrix(ctx.codes, ctx.spec)
  result = dci.dci(z, ctx.test_f, categorical_codes=categorical, seed=ctx.seed,
                   factor_names=ctx.test.factor_names)
  result["codes"] = names
  report["dci"] = result


# The report's sections, in order: each scorer adds its section when it applies. A new metric
# is one function `(ctx, report) -> None` and one entry here.
SCORERS = (score_semi_supervised, score_clustering, score_info, score_probe, score_frechet,
           score_conditional_generation, score_mig, score_factor_vae, score_dci)


@traced_graphs.releasing
def evaluate(workdir: str, num_samples: int = 10000, classifier_dir: Optional[str] = None,
             probe_fractions: Sequence[float] = (0.01, 0.1), max_train_examples: int = 60000,
             checkpoint: Optional[str] = None, seed: int = 0, write: bool = True,
             output_dir: Optional[str] = None, projector_images: int = 2000,
             agreement: Optional[dict] = None) -> dict:
  """Evaluates the latest (or given) checkpoint of a workdir; writes eval/report.json.

  Args:
    workdir: Training workdir.
    num_samples: Generated samples for L_I and the Fréchet distance.
    classifier_dir: Where the Fréchet feature classifiers are saved/reused.
    probe_fractions: Label fractions for the linear probe.
    max_train_examples: Cap on train images encoded for the probe.
    checkpoint: A checkpoint prefix (default latest).
    seed: Seed for samples and probe subsets.
    write: Write report.json, traversal PNGs and TensorBoard events into `output_dir`.
    output_dir: Where to write (default workdir/eval); checked for writability before any
      work, so a read-only workdir fails at once rather than after the evaluation.
    projector_images: With `write`, the first this many evaluation images go to TensorBoard's
      embedding projector (Q's trunk features, thumbnails, label / Q's category / confidence /
      factors as metadata; 0 = none).
    agreement: When the workdir is a selection's pick, the selection's 'agreement'
      (`infogan_tf.selection.agreement`): on labelled data the report then has, per code, the
      pick's accuracy on the images every run agreed on beside its accuracy on all of them.

  Returns:
    The report dict.

  Raises:
    OSError: `output_dir` cannot be written (read-only, no permission, a file in the way).
  """
  t0 = time.time()
  out_dir = output_dir or os.path.join(workdir, EVAL_SUBDIR)
  if write:
    _check_writable(out_dir)
  config = config_lib.load_config(workdir)
  generator, discriminator = build_models(config)
  averaged = config.optimizer.averages_discriminator
  ckpt = checkpointing.restore_for_inference(generator, discriminator, workdir, checkpoint,
                                             averaged)
  pixel_range = architectures.info(config.model.architecture).pixel_range
  spec = LatentSpec(config.latent)
  split = EVAL_SPLIT
  test = data_lib.load_source(config.data, split=split, seed=0)
  test_x, test_y, test_f = load_arrays(test, pixel_range)
  num_loaded = len(test_x)
  labelled_indices = data_lib.labelled.load_indices(workdir)
  if labelled_indices is not None and evaluates_on_training_images(config, split):
    test_x, test_y, test_f = drop_rows(labelled_indices, test_x, test_y, test_f)
  ctx = EvalContext(workdir, config, generator, discriminator, ckpt, spec, pixel_range, test,
                    test_x, test_y, test_f, encode(discriminator, test_x), num_samples, seed,
                    classifier_dir, tuple(probe_fractions), max_train_examples)
  report = {"workdir": workdir, "checkpoint": ckpt, "step": int(ckpt.rsplit("-", 1)[-1]),
            "dataset": config.data.name, "split": split, "num_test": int(len(test_x)),
            "excluded_labelled": num_loaded - len(test_x),
            "discriminator_weights": "moving average" if averaged else "last"}
  for scorer in SCORERS:
    scorer(ctx, report)
  if agreement and ctx.labelled:
    report["agreement"] = agreed_accuracy(ctx, agreement)
  ss = config.semi_supervised

  report["seconds"] = time.time() - t0
  if write:
    grids = visualize.display_traversal_grids(generator, spec, pixel_range, seed=seed)
    for c, column in zip(ss.codes, ss.label_columns):  # rows of an ss code are named classes
      names = (test.class_names if column == "label" and test.class_names
               else [f"{column}={k}" for k in range(spec.categorical[c])])
      for name in [n for n in grids if n.split("_")[0] == f"cat{c}"]:
        grids[name] = visualize.label_rows(grids[name], names, spec.categorical[c])
    for name, grid in grids.items():
      visualize.write_png(os.path.join(out_dir, f"traversal_{name}.png"), grid)
    report["traversals"] = sorted(f"traversal_{n}.png" for n in grids)
    if projector_images:
      count = min(projector_images, len(ctx.test_x))
      summaries.write_projector(out_dir, ctx.codes["features"][:count],
                                data_lib.from_pixel_range(ctx.test_x[:count], pixel_range),
                                projector_columns(ctx, count))
      report["projector_images"] = count
    with open(os.path.join(out_dir, REPORT_FILENAME), "w") as f:
      json.dump(report, f, indent=2, default=float)
    # TensorBoard run 'eval' beside 'train' (by default), at the checkpoint's step.
    writer = summaries.SummaryWriter(os.path.dirname(os.path.abspath(out_dir)),
                                     run=os.path.basename(os.path.abspath(out_dir)), jsonl=False)
    writer.scalars(report["step"], summaries.report_scalars(report))
    writer.images(report["step"], grids)
    writer.close()
  return report


def projector_columns(ctx: EvalContext, count: int) -> Dict[str, list]:
  """The projector's metadata of the first `count` evaluation images: the class, Q's category
  and its confidence per categorical code, and the known factors."""
  columns = {}
  if (ctx.test_y[:count] >= 0).any():
    names = ctx.test.class_names
    columns["label"] = [(names[y] if names else str(y)) if y >= 0 else "-"
                        for y in ctx.test_y[:count].tolist()]
  for i in range(len(ctx.spec.categorical)):
    probs = ctx.codes[f"cat{i}_probs"][:count]  # [count, k_i]
    columns[f"Q cat{i}"] = probs.argmax(axis=1).tolist()
    columns[f"Q cat{i} confidence"] = [f"{p:.3f}" for p in probs.max(axis=1)]
  for j, name in enumerate(ctx.test.factor_names):
    columns[name] = [f"{v:.3g}" for v in ctx.test_f[:count, j]]
  if not columns:
    columns["index"] = list(range(count))
  return columns


def summary_table(report: dict) -> str:
  """A plain-text table of the headline numbers."""
  lines = [f"{report['dataset']} ({report['split']}, {report['num_test']} images), "
           f"step {report['step']}"]
  for code, s in report.get("semi_supervised", {}).items():
    line = (f"  ss {code:3s} ({s['column']}) accuracy, no matching {s['accuracy']:.3f} "
            f"(batch statistics {s['accuracy_batch_statistics']:.3f}); Hungarian ACC "
            f"{s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}")
    if "accuracy_last_weights" in s:
      line += f"; D's last weights instead of their average {s['accuracy_last_weights']:.3f}"
    if "conditional_generation_accuracy" in s:
      line += f"; generated-class accuracy {s['conditional_generation_accuracy']:.3f}"
    lines.append(line)
  for code, s in report.get("clustering", {}).items():
    lines.append(f"  {code:6s} ACC {s['acc']:.3f}  NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  "
                 f"(majority-label ACC {s['acc_majority']:.3f})")
    if "table" in s:
      lines.append(cluster_table_text(code, s["table"]))
  for code, s in report.get("agreement", {}).items():
    on_agreed = "-" if s["acc_on_agreed"] is None else f"{s['acc_on_agreed']:.3f}"
    lines.append(f"  {code:6s} the {s['runs']} selected runs agree on {s['agreed_images']} of "
                 f"the first {s['images']} images: ACC there {on_agreed} (all images "
                 f"{s['acc']:.3f})")
  for code, s in report["info"].items():
    line = f"  L_I {code:6s} {s['L_I']:.3f}"
    if "L_I_batch_statistics" in s:
      line += (f" as exported, {s['L_I_batch_statistics']:.3f} with batch statistics (as "
               "training logs it)")
    lines.append(f"{line} / H(c) {s['H']:.3f}")
  for k, v in report.get("probe", {}).items():
    lines.append(f"  linear {k:10s} {v:.3f}")
  if "frechet" in report:
    lines.append(f"  Frechet distance {report['frechet']['distance']:.3f} (classifier test acc "
                 f"{report['frechet']['classifier']['test_accuracy']:.3f})")
  if "mig" in report:
    per = ", ".join(f"{k} {v:.2f}" for k, v in report["mig"]["per_factor"].items())
    lines.append(f"  MIG {report['mig']['mig']:.3f} ({per})")
  if "factor_vae" in report:
    f = report["factor_vae"]
    owners = ", ".join(f"{c}->{k}" for c, k in zip(f["codes"], f.get("dimension_factor", ()))
                       if k)
    lines.append(f"  FactorVAE score {f['score']:.3f} ({owners})")
  if "dci" in report:
    d = report["dci"]
    informativeness = ("-" if d["informativeness"] is None
                       else f"{d['informativeness']:.3f}")
    lines.append(f"  DCI disentanglement {d['disentanglement']:.3f}  completeness "
                 f"{d['completeness']:.3f}  informativeness {informativeness}")
  return "\n".join(lines)


def cluster_table_text(code: str, table: dict) -> str:
  """The code-value x label counts as aligned text, one row per code value."""
  counts = table["counts"]
  num_labels = len(counts[0]) if counts else 0
  width = max(5, len(str(max((max(r) for r in counts), default=0))) + 1)
  rows = [f"  {code + ' value':>10s} {'matched label':>13s}| test images per label:",
          f"  {'':10s} {'':13s}|" + "".join(f"{j:>{width}d}" for j in range(num_labels))]
  for value, (row, label) in enumerate(zip(counts, table["matched_label"])):
    matched = str(label) if label >= 0 else "-"
    rows.append(f"  {value:>10d} {matched:>13s}|" + "".join(f"{n:>{width}d}" for n in row))
  return "\n".join(rows)
