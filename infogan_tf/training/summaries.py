"""TensorBoard scalars/images and a metrics.jsonl log in the workdir."""

from __future__ import annotations

import json
import math
import os
from typing import Dict, Optional

import numpy as np
import tensorflow as tf


METRICS_FILENAME = "metrics.jsonl"


class SummaryWriter:
  """Writes TensorBoard events under workdir/<run> and appends to workdir/metrics.jsonl.

  Args:
    workdir: Run directory; None makes every call a no-op (non-chief workers).
    run: The TensorBoard run (sub-folder): 'train' (the trainer) or 'eval' (the evaluator).
    jsonl: Also append scalars to workdir/metrics.jsonl (the trainer's log).
  """

  def __init__(self, workdir: Optional[str], run: str = "train", jsonl: bool = True):
    self.workdir = workdir
    self.jsonl = jsonl
    self.writer = (tf.summary.create_file_writer(os.path.join(workdir, run))
                   if workdir else None)

  def scalars(self, step: int, values: Dict[str, float]) -> None:
    if self.writer is None:
      return
    with self.writer.as_default(step=step):
      for k, v in values.items():
        tf.summary.scalar(k, v)
    self.writer.flush()
    if not self.jsonl:
      return
    record = {"step": step}
    record.update({k: (float(v) if math.isfinite(float(v)) else str(float(v)))
                   for k, v in values.items()})
    with open(os.path.join(self.workdir, METRICS_FILENAME), "a") as f:
      f.write(json.dumps(record, sort_keys=True) + "\n")

  def images(self, step: int, images: Dict[str, np.ndarray], prefix: str = "traversal/"
             ) -> None:
    """Each uint8 [H, W, C] image under `prefix + name`."""
    if self.writer is None:
      return
    with self.writer.as_default(step=step):
      for k, v in images.items():
        tf.summary.image(prefix + k, v[None], step=step)
    self.writer.flush()

  def close(self) -> None:
    if self.writer is not None:
      self.writer.close()


# Report entries that are not scores (sizes, settings, timings).
_NOT_SCORES = {"step", "num_test", "excluded_labelled", "num_images", "seconds", "classifier",
               "table", "H", "epochs", "train_examples"}


def report_scalars(report: dict) -> Dict[str, float]:
  """The evaluation report's scores as flat TensorBoard tags, e.g. 'clustering/cat0/acc',
  'semi_supervised/cat0/accuracy', 'info/cont0/L_I', 'probe/probe@1%', 'frechet/distance',
  'mig/mig'. Per-class lists become '<name>/<index>'."""
  out = {}

  def walk(value, path):
    if isinstance(value, dict):
      for key, item in value.items():
        if key not in _NOT_SCORES:
          walk(item, f"{path}/{key}" if path else str(key))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
      if math.isfinite(float(value)):
        out[path] = float(value)
    elif (isinstance(value, list) and path.endswith("per_class_accuracy")
          and all(isinstance(v, (int, float)) for v in value)):
      for index, item in enumerate(value):
        out[f"{path}/{index}"] = float(item)

  walk(report, "")
  return out


def read_metrics(workdir: str):
  """All records of workdir/metrics.jsonl as a list of dicts (oldest first)."""
  path = os.path.join(workdir, METRICS_FILENAME)
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return [json.loads(line) for line in f if line.strip()]


PROJECTOR_TENSOR = "embedding/.ATTRIBUTES/VARIABLE_VALUE"  # the checkpoint key of `embedding`
MAX_SPRITE_SIDE = 8192  # TensorBoard's projector refuses larger sprite images


def write_projector(run_dir: str, features: np.ndarray, images: np.ndarray,
                    columns: Dict[str, list]) -> str:
  """TensorBoard's embedding projector for one run: `tensorboard --logdir=<its parent>` shows
  the points with their thumbnails, coloured or labelled by any metadata column.

  Args:
    run_dir: The run's folder (e.g. workdir/eval); written: an embedding checkpoint (and its
      `checkpoint` state file), metadata.tsv, sprite.png, projector_config.pbtxt.
    features: [N, F] the embedded vectors.
    images: [N, H, W, C] uint8 thumbnails (C in 1, 3), in the order of `features`.
    columns: {column name: N values} for metadata.tsv (tabs and newlines are replaced).

  Returns:
    The path of projector_config.pbtxt.
  """
  from tensorboard.plugins import projector  # pylint: disable=g-import-not-at-top
  n, h, w, _ = images.shape
  side = math.ceil(math.sqrt(n))  # the sprite: a side x side grid, row-major
  if side * max(h, w) > MAX_SPRITE_SIDE:
    raise ValueError(f"{n} thumbnails of {h}x{w} exceed the projector's {MAX_SPRITE_SIDE}-pixel "
                     "sprite: embed fewer images")
  os.makedirs(run_dir, exist_ok=True)
  sprite = np.zeros([side * h, side * w, images.shape[3]], np.uint8)
  for i, image in enumerate(images):
    r, c = divmod(i, side)
    sprite[r * h:(r + 1) * h, c * w:(c + 1) * w] = image
  with open(os.path.join(run_dir, "sprite.png"), "wb") as f:
    f.write(tf.io.encode_png(sprite).numpy())
  clean = lambda v: str(v).replace("\t", " ").replace("\n", " ")
  with open(os.path.join(run_dir, "metadata.tsv"), "w") as f:
    f.write("\t".join(columns) + "\n")
    for row in zip(*columns.values()):
      f.write("\t".join(clean(v) for v in row) + "\n")
  # Saved with a checkpoint state file holding a relative path, where the projector looks
  # (the run's folder), so the workdir can move.
  checkpoint = tf.train.Checkpoint(embedding=tf.Variable(features.astype(np.float32)))
  tf.train.CheckpointManager(checkpoint, run_dir, max_to_keep=1,
                             checkpoint_name="embedding").save()
  config = projector.ProjectorConfig()
  embedding = config.embeddings.add()
  embedding.tensor_name = PROJECTOR_TENSOR
  embedding.metadata_path = "metadata.tsv"
  embedding.sprite.image_path = "sprite.png"
  embedding.sprite.single_image_dim.extend([w, h])
  projector.visualize_embeddings(run_dir, config)
  return os.path.join(run_dir, "projector_config.pbtxt")
