"""The labelled subset of a semi-supervised run: which images, their label columns, the record.

The subset is drawn once from the training split (balanced per class, or a fraction, seeded by
`label_seed`), written to `<workdir>/labelled.json` so a run is reproducible and the evaluator
can exclude those images, and checked against a fresh draw when the run resumes.
"""

from __future__ import annotations

import json
import os
from typing import Dict, Sequence

import numpy as np
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.data.source import DataError, ImageSource

LABELLED_FILENAME = "labelled.json"


def read_columns(source: ImageSource, columns: Sequence[str]) -> np.ndarray:
  """The values of `columns` for every image of `source`, in order.

  Args:
    source: The ImageSource.
    columns: 'label' or names from `source.factor_names`.

  Returns:
    float64 [N, len(columns)] (labels are -1 where an image has none).

  Raises:
    DataError: A column that the data does not have (the message lists those it has).
  """
  available = source.columns()
  for column in columns:
    if column not in available:
      raise DataError(f"{source.name} has no label column {column!r}; it has "
                      f"{list(available) or 'none (no labels, no factors)'}")
  ds = source.dataset.map(lambda ex: (ex["label"], ex["factors"]),
                          num_parallel_calls=tf.data.AUTOTUNE).batch(8192)
  labels, factors = [], []
  with source.reading():
    for label, factor in ds.as_numpy_iterator():
      labels.append(label)
      factors.append(factor)
  labels = np.concatenate(labels).astype(np.float64)  # [N]
  factors = np.concatenate(factors).astype(np.float64)  # [N, F]
  picked = [labels if c == "label" else factors[:, source.factor_names.index(c)]
            for c in columns]
  return np.stack(picked, axis=1)  # [N, n]


def check_class_values(values: np.ndarray, columns: Sequence[str],
                       sizes: Sequence[int]) -> np.ndarray:
  """Checks labelled rows hold whole numbers in [0, k) for each ss code's size k.

  Args:
    values: [N, n] column values; rows whose first column is < 0 are unlabelled and skipped.
    columns: Column names (for messages).
    sizes: Category count k of each column's ss code.

  Returns:
    int32 [N, n] values (-1 rows kept as -1).

  Raises:
    DataError: Values that are not whole numbers, or out of range for the code.
  """
  labelled = values[:, 0] >= 0
  rows = values[labelled]
  for j, (column, k) in enumerate(zip(columns, sizes)):
    col = rows[:, j]
    if col.size and not np.all(col == np.round(col)):
      raise DataError(f"label column {column!r} does not hold class indices (values such as "
                      f"{col[col != np.round(col)][0]:.3f}); pick an integer-valued column")
    if col.size and (col.min() < 0 or col.max() >= k):
      raise DataError(f"label column {column!r} has values {int(col.min())}..{int(col.max())}, "
                      f"out of range for its semi-supervised code of {k} categories "
                      "(--categorical)")
  return np.where(labelled[:, None], values, -1).astype(np.int32)


def select(labels: np.ndarray, ss: config_lib.SemiSupervisedConfig) -> np.ndarray:
  """Draws the labelled subset.

  Args:
    labels: int [N] class of each image in the first ss column (-1 = unlabelled).
    ss: The semi-supervised config (labels_per_class or labelled_fraction, label_seed).

  Returns:
    Sorted int64 indices into the training split.

  Raises:
    DataError: A class with fewer labelled images than asked, or an empty draw.
  """
  rs = np.random.RandomState(ss.label_seed)
  candidates = np.flatnonzero(labels >= 0)
  if ss.labels_per_class:
    picked = []
    for k in np.unique(labels[candidates]):
      members = candidates[labels[candidates] == k]
      if len(members) < ss.labels_per_class:
        raise DataError(f"class {k} has only {len(members)} labelled training images; "
                        f"--labels_per_class={ss.labels_per_class} asks for more")
      picked.append(rs.choice(members, ss.labels_per_class, replace=False))
    chosen = np.concatenate(picked) if picked else np.zeros([0], np.int64)
  else:
    count = int(round(ss.labelled_fraction * len(candidates)))
    chosen = rs.choice(candidates, count, replace=False)
  if len(chosen) == 0:
    raise DataError("the labelled subset is empty: the data has no labelled images, or "
                    "labelled_fraction is too small")
  return np.sort(chosen).astype(np.int64)


def class_names(source: ImageSource, column: str, size: int):
  """Names of a label column's classes: the dataset's class names, or '<column>=k'."""
  if column == "label" and len(source.class_names) == size:
    return list(source.class_names)
  return [f"{column}={k}" for k in range(size)]


def record(source: ImageSource, ss: config_lib.SemiSupervisedConfig, indices: np.ndarray,
           labels: np.ndarray, sizes: Sequence[int]) -> Dict:
  """What labelled.json holds: the draw's settings, class names, the indices and labels."""
  first = labels[indices, 0]
  return {
      "class_names": {column: class_names(source, column, k)
                      for column, k in zip(ss.label_columns, sizes)},
      "dataset": source.name,
      "origin": source.origin,
      "columns": list(ss.label_columns),
      "codes": list(ss.codes),
      "labels_per_class": ss.labels_per_class,
      "labelled_fraction": ss.labelled_fraction,
      "label_seed": ss.label_seed,
      "num_labelled": int(len(indices)),
      "class_counts": {str(int(k)): int(n) for k, n in zip(*np.unique(first,
                                                                       return_counts=True))},
      "indices": [int(i) for i in indices],
      "labels": labels[indices].tolist(),
  }


def write_or_check(workdir: str, rec: Dict, write: bool, allow_change: bool = False) -> None:
  """Writes labelled.json, or, when the workdir has one, checks the new draw matches it.

  Args:
    workdir: The run directory.
    rec: The new draw's record (see `record`).
    write: Write the file (the chief does).
    allow_change: A different draw replaces the recorded one, which is kept under 'previous'.

  Raises:
    DataError: The workdir's recorded subset differs from this draw (data or flags changed).
  """
  path = os.path.join(workdir, LABELLED_FILENAME)
  if os.path.exists(path):
    with open(path) as f:
      saved = json.load(f)
    same = saved.get("indices") == rec["indices"] and saved.get("labels") == rec["labels"]
    if same:
      return
    if allow_change:
      rec = dict(rec, previous=saved)
    else:
      raise DataError(f"the labelled subset drawn now differs from the one recorded in {path} "
                      f"({saved.get('num_labelled')} images, seed {saved.get('label_seed')}): "
                      "the training data changed; resume with the original data or use a new "
                      "--workdir")
  if write:
    os.makedirs(workdir, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
      json.dump(rec, f)
    os.replace(tmp, path)


def load_record(workdir: str):
  """The labelled.json of a workdir as a dict, or None for unsupervised runs."""
  path = os.path.join(workdir, LABELLED_FILENAME)
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def load_indices(workdir: str):
  """The labelled training indices recorded in a workdir, or None for unsupervised runs."""
  rec = load_record(workdir)
  return None if rec is None else np.asarray(rec["indices"], np.int64)


def labelled_dataset(source: ImageSource, indices: np.ndarray,
                     labels: np.ndarray) -> tf.data.Dataset:
  """Unbatched {'image': uint8 [H, W, C], 'labels': int32 [n]} of the chosen images.

  Args:
    source: The training ImageSource.
    indices: Chosen indices (sorted).
    labels: int32 [N, n] label columns of every image.
  """
  keep = np.zeros([len(labels)], bool)
  keep[indices] = True
  keep_t = tf.constant(keep)
  labels_t = tf.constant(labels, tf.int32)
  ds = source.dataset.enumerate()
  ds = ds.filter(lambda i, ex: keep_t[i])
  return ds.map(lambda i, ex: {"image": ex["image"], "labels": labels_t[i]})


def prepare(source: ImageSource, config: config_lib.ExperimentConfig, write: bool,
            allow_change: bool = False) -> tf.data.Dataset:
  """Draws (or re-checks) the labelled subset of a semi-supervised run.

  Args:
    source: The training ImageSource.
    config: The experiment config (semi_supervised enabled).
    write: Write labelled.json into the workdir (the chief does).
    allow_change: A resumed run may draw another subset (see `write_or_check`).

  Returns:
    The labelled dataset (see `labelled_dataset`).

  Raises:
    DataError: Missing column, bad label values, too few labelled images, changed subset.
  """
  ss = config.semi_supervised
  sizes = [config.latent.categorical[c] for c in ss.codes]
  values = check_class_values(read_columns(source, ss.label_columns), ss.label_columns, sizes)
  indices = select(values[:, 0], ss)
  write_or_check(config.train.workdir, record(source, ss, indices, values, sizes), write,
                 allow_change)
  return labelled_dataset(source, indices, values)
