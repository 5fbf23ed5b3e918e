"""Self-labelling: a finishing step that sharpens a trained run's categorical codes on the run's
own confident predictions (SCAN's last step, Van Gansbeke et al., ECCV 2020).

Q's categorical code is a classifier of real images that was never shown a label. Where it is
sure (its probability for one category >= `threshold`), its answer becomes a label; D's trunk and
Q head are fine-tuned with a cross-entropy on shifted (or RandAugment) views of those images,
weighted against the categories' unequal share of the confident images, so that what Q is sure
about spreads to the images it is unsure about. No label of the data set is read: the images are
all the step sees.

`refine(workdir)` leaves the trained run untouched and writes `<run>/refined/`, a workdir that
`evaluate`, `export` and their commands take like any other: config.json (the run's, with D's
moving average folded in), checkpoints/ckpt-<step> (G as trained, D refined) and refine.json
(the settings, per round how many images were confident in each category, the time taken).

The generator is not changed. D's trunk is shared with the D head and with Q's continuous
codes, so refining moves those too: `evaluate` on the refined workdir reports L_I on generated
images, and docs/self_labelling.md has what refining did to it on the benchmarks.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from typing import Callable, Dict, List, Optional, TextIO

import keras
import numpy as np
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf import losses, traced_graphs, workdirs
from infogan_tf.augment import rand_augment, views
from infogan_tf.config import field
from infogan_tf.model import InfoGAN
from infogan_tf.training import checkpointing, workdir_lock
from infogan_tf.training.loop import CALIBRATION_IMAGES
from infogan_tf.errors import RefineError

REFINED_DIR = workdirs.REFINED_DIR
RECORD_FILENAME = "refine.json"
AUGMENTATIONS = ("shift", "randaugment", "none")
CLASS_WEIGHTS = ("inverse_frequency", "none")
LAYERS = ("trunk_and_q", "q_head")
REPORTED_THRESHOLDS = (0.5, 0.9, 0.95, 0.99, 0.999)


@dataclasses.dataclass(frozen=True)
class RefineConfig:
  """Settings of `refine` (each field's help is its flag's help in trainers.refine)."""

  threshold: float = field(0.99, "Q's probability of its arg-max category at or above which an "
                           "image's category becomes its label (SCAN: 0.99).")
  augment: str = field("shift", "Views the fine-tuning sees: 'shift' moves each image by up to "
                       "max_shift pixels; 'randaugment' also applies randaugment_ops random "
                       "RandAugment operations; 'none' the images as they are.",
                       choices=AUGMENTATIONS)
  max_shift: int = field(3, "Largest shift of a view, in pixels along each axis.")
  randaugment_ops: int = field(2, "RandAugment operations per view (augment=randaugment).")
  flip: bool = field(False, "Also mirror views left-right (clothes, faces; not digits).")
  class_weights: str = field("inverse_frequency", "Weight of each category in the loss: "
                             "'inverse_frequency' of its share of the confident images, so "
                             "categories Q is rarely sure of count as much; 'none'.",
                             choices=CLASS_WEIGHTS)
  epochs: float = field(0.5, "Passes over the confident images per round.")
  rounds: int = field(1, "Rounds of labelling and fine-tuning; each round labels with the "
                      "encoder the previous one left.")
  layers: str = field("trunk_and_q", "What trains: D's trunk and the Q head ('trunk_and_q'), "
                      "or the Q head only ('q_head').", choices=LAYERS)
  info_weight: float = field(1.0, "Weight of InfoGAN's L_I on images the (frozen) generator "
                             "draws, trained beside the self-labels: keeps Q reading back the "
                             "codes G was trained with, the continuous ones above all (the "
                             "trunk is shared); 0 = off.")
  generated_batch_size: int = field(32, "Generated images per step for info_weight.")
  learning_rate: float = field(1e-4, "Adam's learning rate.")
  batch_size: int = field(64, "Images per fine-tuning step.")
  max_images: int = field(60000, "Training images labelled and fine-tuned on (the first N of "
                          "the run's training split).")
  seed: int = field(0, "Seed of the batches' order and the views: the same seed gives the same "
                    "refined weights.")

  def validate(self) -> "RefineConfig":
    """Returns self; raises ConfigError naming the field to fix."""
    checks = [(0.0 < self.threshold < 1.0, "threshold must be in (0, 1)"),
              (self.max_shift >= 0, "max_shift must be >= 0"),
              (self.randaugment_ops >= 0, "randaugment_ops must be >= 0"),
              (self.epochs > 0, "epochs must be > 0"), (self.rounds >= 1, "rounds must be >= 1"),
              (self.learning_rate > 0, "learning_rate must be > 0"),
              (self.info_weight >= 0, "info_weight must be >= 0"),
              (self.generated_batch_size >= 1, "generated_batch_size must be >= 1"),
              (self.batch_size >= 2, "batch_size must be >= 2"),
              (self.max_images >= 100, "max_images must be >= 100")]
    for f in dataclasses.fields(self):
      choices = f.metadata.get("choices")
      checks.append((choices is None or getattr(self, f.name) in choices,
                     f"{f.name} must be one of {', '.join(choices or ())}, got "
                     f"{getattr(self, f.name)!r}"))
    for ok, message in checks:
      if not ok:
        raise config_lib.ConfigError(message)
    return self


@dataclasses.dataclass(frozen=True)
class RefineResult:
  """What `refine` did: the refined workdir, its checkpoint and the record in refine.json."""

  workdir: str
  checkpoint: str
  record: dict


def confident_counts(probs: np.ndarray) -> Dict[str, int]:
  """{threshold: images whose largest probability reaches it} for REPORTED_THRESHOLDS."""
  top = probs.max(axis=1)
  return {f"{t:g}": int((top >= t).sum()) for t in REPORTED_THRESHOLDS}


def class_weights(labels: np.ndarray, k: int, kind: str) -> np.ndarray:
  """[k] loss weight of each category: the inverse of its share of `labels`, mean 1 over the
  categories present (0 for absent ones), or all 1."""
  if kind == "none":
    return np.ones(k, np.float32)
  counts = np.bincount(labels, minlength=k).astype(np.float64)
  present = counts > 0
  weights = np.zeros(k)
  weights[present] = counts[present].sum() / (present.sum() * counts[present])
  return weights.astype(np.float32)


def _training_images(model, limit: int) -> np.ndarray:
  """The run's training images [N, H, W, C] in the model's pixel range; labels are not read
  (only the 'image' feature leaves the pipeline)."""
  pixel_range = model.pixel_range
  source = data_lib.load_source(model.config.data, seed=0)  # the training split, as the run saw it
  batches = source.dataset.map(lambda ex: ex["image"]).take(limit).batch(1000)
  with source.reading():
    images = [data_lib.to_pixel_range(b, pixel_range).numpy() for b in batches]
  return np.concatenate(images)


def _probabilities(discriminator, images: np.ndarray, batch: int = 1000) -> List[np.ndarray]:
  """Q's probabilities of every categorical code [N, k_i], inference mode (as exported)."""
  parts: List[List[np.ndarray]] = []
  for start in range(0, len(images), batch):
    out = discriminator(tf.constant(images[start:start + batch]), training=False)
    parts.append([tf.nn.softmax(l).numpy() for l in out.categorical_logits])
  return [np.concatenate(p) for p in zip(*parts)]


def _view_fn(config: RefineConfig, pixel_range) -> Callable:
  low = float(pixel_range[0])

  def view(images, rng):
    if config.augment == "none":
      return images
    images = views.random_view(images, rng, config.max_shift, config.flip, low)
    if config.augment == "randaugment":
      images = rand_augment.rand_augment(images, rng, config.randaugment_ops, pixel_range)
    return images

  return view


def _variables(discriminator, layers: str) -> list:
  chosen = (discriminator.q_head if layers == "q_head"
            else discriminator.trunk + discriminator.q_head)
  return [v for layer in chosen for v in layer.trainable_variables]


def _fine_tune(model, images: np.ndarray, labels: np.ndarray, weights: np.ndarray,
               config: RefineConfig, round_index: int) -> int:
  """Fine-tunes the model's inference discriminator on (images, labels [N, n_codes]) with a
  class-weighted cross-entropy, and `config.info_weight` x the run's L_I on generated images;
  returns the steps taken."""
  generator, discriminator, run_config = model.generator, model.encoder, model.config
  pixel_range = model.pixel_range
  variables = _variables(discriminator, config.layers)
  optimizer = keras.optimizers.Adam(config.learning_rate)
  optimizer.build(variables)
  rng = tf.random.Generator.from_seed(config.seed * 1000 + round_index)
  view = _view_fn(config, pixel_range)
  weights = tf.constant(weights)  # [n_codes, k_max]
  spec = model.spec
  loss_config = run_config.loss

  @tf.function(reduce_retracing=True)
  def step(x, y):  # [B, H, W, C], [B, n_codes]
    with tf.GradientTape() as tape:
      out = discriminator(view(x, rng), training=True)
      loss = 0.0
      for i, logits in enumerate(out.categorical_logits):
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[:, i], logits=logits)
        w = tf.gather(weights[i], y[:, i])  # [B]
        loss += tf.reduce_sum(w * ce) / tf.maximum(tf.reduce_sum(w), 1e-6)
      if config.info_weight > 0:
        # G stays as trained (inference mode: its BatchNorm statistics do not move either).
        sample = spec.sample(rng, config.generated_batch_size)
        fake = generator(model.generator_input(sample), training=False)  # [b, H, W, C]
        info = losses.info_loss(discriminator(fake, training=True), sample.categorical,
                                sample.continuous, loss_config.lambda_categorical,
                                loss_config.lambda_continuous, loss_config.continuous_std)
        loss += config.info_weight * tf.reduce_mean(info.total)
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  order_rng = np.random.RandomState(config.seed * 1000 + round_index)
  steps = max(1, int(round(config.epochs * len(images) / config.batch_size)))
  order = np.concatenate([order_rng.permutation(len(images))
                          for _ in range(int(np.ceil(steps * config.batch_size / len(images)))
                                         + 1)])
  for s in range(steps):
    rows = order[s * config.batch_size:(s + 1) * config.batch_size]
    step(tf.constant(images[rows]), tf.constant(labels[rows]))
  return steps


def _say(stream: Optional[TextIO], text: str) -> None:
  if stream is not None:
    print(text, file=stream, flush=True)


@traced_graphs.releasing
def refine(workdir: str, config: RefineConfig = RefineConfig(), output_dir: Optional[str] = None,
           stream: Optional[TextIO] = None) -> RefineResult:
  """Fine-tunes a run's encoder (D's trunk and Q) on its own confident categorical predictions.

  Args:
    workdir: A trained workdir, or a selection (selection.json or its folder): its pick.
    config: The settings (`RefineConfig`).
    output_dir: Where the refined workdir goes (default `<run>/refined`; replaced if there).
    stream: Where progress lines go (None: nowhere).

  Returns:
    A RefineResult.

  Raises:
    RefineError: The run has no categorical code, is still training, or too few images reach
      the threshold (the message says how many reach which thresholds).
    ConfigError: Settings that cannot work, or a workdir that is not a trained run.
    CheckpointError, DataError: The run has no checkpoint, or its data is not there.
  """
  config.validate()
  run = workdirs.resolve(workdir).run
  run_config = config_lib.load_config(run)
  if not run_config.latent.categorical:
    raise RefineError(f"{run} has no categorical code (--categorical=): self-labelling refines "
                      "a categorical code, so there is nothing to refine")
  output_dir = output_dir or os.path.join(run, REFINED_DIR)
  try:
    lock = workdir_lock.WorkdirLock(run)
  except workdir_lock.WorkdirLockedError as e:
    raise workdir_lock.WorkdirLockedError(
        f"the run {run} is still training (pid {e.holder}): refine it once training has "
        "finished", e.holder) from None
  start = time.perf_counter()
  with lock:
    model = InfoGAN.from_workdir(run)
    checkpoint = model.checkpoint_path
    step = int(checkpoint.rsplit("-", 1)[1])
    images = _training_images(model, config.max_images)
  _say(stream, f"refine: {run} at step {step}, {len(images)} training images, codes "
               f"{', '.join(f'Cat({k})' for k in run_config.latent.categorical)}")
  rounds = []
  for r in range(config.rounds):
    rounds.append(_round(model, images, config, r))
    _say(stream, f"refine: round {r + 1}/{config.rounds}: {rounds[-1]['confident']} of "
                 f"{len(images)} images at >= {config.threshold:g}, {rounds[-1]['steps']} "
                 f"steps, {rounds[-1]['seconds']:.0f} s")
  checkpoint_path = _write(output_dir, run, model, step, {
      "source": {"workdir": os.path.abspath(run), "checkpoint": checkpoint, "step": step},
      "settings": dataclasses.asdict(config), "rounds": rounds,
      "seconds": round(time.perf_counter() - start, 1)})
  with open(os.path.join(output_dir, RECORD_FILENAME)) as f:
    record = json.load(f)
  _say(stream, f"refine: wrote {checkpoint_path} ({record['seconds']:.0f} s)")
  return RefineResult(output_dir, checkpoint_path, record)


def _round(model, images: np.ndarray, config: RefineConfig, round_index: int) -> dict:
  """One round: label the images Q is sure of, fine-tune on them, recalibrate BatchNorm;
  returns the round's record."""
  sizes = model.spec.categorical
  discriminator = model.encoder
  probs = _probabilities(discriminator, images)  # per code [N, k]
  confident = np.all([p.max(axis=1) >= config.threshold for p in probs], axis=0)  # [N]
  counts = [confident_counts(p) for p in probs]
  if confident.sum() < config.batch_size:
    reach = "; ".join(f"cat{i}: " + ", ".join(f"{n} reach {t}" for t, n in c.items())
                      for i, c in enumerate(counts))
    raise RefineError(f"only {int(confident.sum())} of {len(images)} images reach the "
                      f"threshold {config.threshold:g} on every categorical code ({reach}): "
                      "lower --threshold")
  labels = np.stack([p.argmax(axis=1) for p in probs], axis=1)[confident]  # [M, n_codes]
  weights = np.zeros([len(sizes), max(sizes)], np.float32)  # [n_codes, k_max]
  for i, k in enumerate(sizes):
    weights[i, :k] = class_weights(labels[:, i], k, config.class_weights)
  start = time.perf_counter()
  steps = _fine_tune(model, images[confident], labels.astype(np.int32), weights, config,
                     round_index)
  # Inference mode as exported: BatchNorm's statistics of the real images, as the trainer
  # calibrates them before every checkpoint.
  discriminator.calibrate_inference_statistics(tf.constant(images[:CALIBRATION_IMAGES]))
  return {"confident": int(confident.sum()), "images": len(images),
          "per_category": [np.bincount(labels[:, i], minlength=k).tolist()
                           for i, k in enumerate(sizes)],
          "reach": counts, "steps": steps, "seconds": round(time.perf_counter() - start, 1)}


def _write(output_dir: str, run: str, model, step: int, record: dict) -> str:
  """The refined workdir, written in a temporary folder and renamed into place."""
  parent = os.path.dirname(os.path.abspath(output_dir))
  os.makedirs(parent, exist_ok=True)
  scratch = os.path.join(parent, f".{os.path.basename(output_dir)}.tmp-{os.getpid()}")
  shutil.rmtree(scratch, ignore_errors=True)
  os.makedirs(scratch)
  # The refined discriminator is the run's inference one (D's average when the run kept one):
  # it is the refined run's D, which keeps no average.
  run_config, generator, discriminator = model.config, model.generator, model.encoder
  refined = run_config.replace(
      optimizer=dataclasses.replace(run_config.optimizer, d_average_decay=0.0),
      train=dataclasses.replace(run_config.train, workdir=os.path.abspath(output_dir)))
  config_lib.save_config(refined, scratch)
  labelled = os.path.join(run, "labelled.json")
  if os.path.exists(labelled):  # ss runs: the evaluator leaves these images out
    shutil.copy(labelled, scratch)
  # The layout restore_for_inference reads: checkpoints/ckpt-<step> and its state file.
  manager = tf.train.CheckpointManager(
      tf.train.Checkpoint(generator=generator, discriminator=discriminator),
      os.path.join(scratch, checkpointing.CHECKPOINT_SUBDIR), max_to_keep=1)
  manager.save(checkpoint_number=step)
  with open(os.path.join(scratch, RECORD_FILENAME), "w") as f:
    json.dump(record, f, indent=1)
  shutil.rmtree(output_dir, ignore_errors=True)
  os.rename(scratch, output_dir)
  return checkpointing.checkpoint_path(output_dir, step)
