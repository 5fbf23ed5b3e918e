"""TensorBoard scalars/images and a metrics.jsonl log in the workdir."""

from __future__ import annotations

import json
import math
import os
from typing import Dict, Optional

import numpy as np
import tensorflow as tf

from infogan_tf.latent import LatentSpec

METRICS_FILENAME = "metrics.jsonl"


def derived_metrics(raw: Dict[str, float], spec: LatentSpec) -> Dict[str, float]:
  """Adds the per-code L_I estimates H(c) - CE and their ceilings H(c) to the raw metrics."""
  out = dict(raw)
  for i, h in enumerate(spec.categorical_entropies()):
    out[f"entropy/cat{i}"] = h
    out[f"mi/cat{i}"] = h - raw[f"ce/cat{i}"]
  for j in range(spec.num_continuous):
    out[f"entropy/cont{j}"] = spec.continuous_entropy()
    out[f"mi/cont{j}"] = spec.continuous_entropy() - raw[f"nll/cont{j}"]
  return out


class SummaryWriter:
  """Writes TensorBoard events under workdir/train and appends to workdir/metrics.jsonl.

  Args:
    workdir: Run directory; None makes every call a no-op (non-chief workers).
  """

  def __init__(self, workdir: Optional[str]):
    self.workdir = workdir
    self.writer = (tf.summary.create_file_writer(os.path.join(workdir, "train"))
                   if workdir else None)

  def scalars(self, step: int, values: Dict[str, float]) -> None:
    if self.writer is None:
      return
    with self.writer.as_default(step=step):
      for k, v in values.items():
        tf.summary.scalar(k, v)
    self.writer.flush()
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


def read_metrics(workdir: str):
  """All records of workdir/metrics.jsonl as a list of dicts (oldest first)."""
  path = os.path.join(workdir, METRICS_FILENAME)
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return [json.loads(line) for line in f if line.strip()]
