r"""How far could a better clustering head go on a trained InfoGAN's own features?

  python -m benchmarks.studies.feature_ceiling --workdir=workdirs/seeds/<run>/seed0 \
      [--workdir=...] [--train_examples=20000] [--k=20] [--epochs=10] [--label="..."]

For each workdir (latest checkpoint), on the discriminator's shared trunk features:
  1. neighbour purity: the fraction of each train image's k nearest train images (cosine) that
     share its label: how class-like the feature space's neighbourhoods are;
  2. Q's categorical code on the test split restricted to its confident assignments
     (max softmax > 0.9 / 0.99): coverage and Hungarian ACC. If even confident assignments are
     impure, self-labelling them (SCAN's last stage) cannot reach a higher accuracy;
  3. a fresh clustering head (the Q head's architecture, re-initialised) trained on the frozen
     train features with the SCAN objective (Van Gansbeke et al. 2020: agree with a mined
     neighbour, keep the clusters balanced; no labels), then ACC / NMI on the test split after a
     fixed number of epochs (not the best epoch: choosing it would need labels).
Labels are used only to score. Results go to benchmarks/results/feature_ceiling_<label>.json;
nothing here changes the workdir.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from typing import Dict, List

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIDENCE_THRESHOLDS = (0.9, 0.99)


def mine_neighbours(features: np.ndarray, k: int, chunk: int = 2000) -> np.ndarray:
  """[N, F] features -> [N, k] indices of each row's k most cosine-similar other rows."""
  unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
  k = min(k, len(unit) - 1)
  out = np.zeros([len(unit), k], np.int64)
  for start in range(0, len(unit), chunk):
    sim = unit[start:start + chunk] @ unit.T  # [chunk, N]
    rows = np.arange(len(sim))
    sim[rows, start + rows] = -np.inf  # never a row's own neighbour
    out[start:start + chunk] = np.argpartition(-sim, k - 1, axis=1)[:, :k]
  return out


def neighbour_purity(neighbours: np.ndarray, labels: np.ndarray) -> float:
  """Fraction of (row, neighbour) pairs with the same label."""
  return float((labels[neighbours] == labels[:, None]).mean())


def confident_scores(probs: np.ndarray, labels: np.ndarray) -> Dict[str, dict]:
  """Coverage and Hungarian ACC of the arg-max on rows whose max probability > threshold."""
  from infogan_tf.metrics import clustering  # pylint: disable=g-import-not-at-top
  out = {}
  for t in CONFIDENCE_THRESHOLDS:
    keep = probs.max(axis=1) > t
    out[f">{t}"] = {"coverage": float(keep.mean()),
                    "acc": (clustering.hungarian_accuracy(probs[keep].argmax(1), labels[keep])
                            if keep.any() else None)}
  return out


def scan_head(train_features: np.ndarray, neighbours: np.ndarray, num_clusters: int,
              epochs: int, seed: int, entropy_weight: float = 5.0, batch: int = 256,
              learning_rate: float = 1e-4):
  """Trains a fresh Q-head-shaped clustering head on frozen features with the SCAN loss.

  Returns:
    `predict(features [M, F]) -> [M, num_clusters] probabilities`.
  """
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf.models import architectures  # pylint: disable=g-import-not-at-top

  keras.utils.set_random_seed(seed)
  layers = architectures.q_head_layers(num_clusters, sync=False)
  optimizer = keras.optimizers.Adam(learning_rate)

  def probs(x, training):
    return tf.nn.softmax(architectures.apply_layers(layers, x, training))  # [B, k]

  probs(tf.constant(train_features[:2]), False)  # build
  variables = [v for layer in layers for v in layer.trainable_variables]

  @tf.function
  def step(anchor, neighbour):  # [B, F], [B, F]
    with tf.GradientTape() as tape:
      pa, pn = probs(anchor, True), probs(neighbour, True)  # [B, k]
      consistency = -tf.reduce_mean(tf.math.log(tf.reduce_sum(pa * pn, axis=1) + 1e-8))
      marginal = tf.reduce_mean(pa, axis=0)  # [k]
      entropy = -tf.reduce_sum(marginal * tf.math.log(marginal + 1e-8))
      loss = consistency - entropy_weight * entropy
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

  rng = np.random.default_rng(seed)
  for _ in range(epochs):
    order = rng.permutation(len(train_features))
    for start in range(0, len(order), batch):
      idx = order[start:start + batch]
      if len(idx) < 2:
        continue
      pick = neighbours[idx, rng.integers(0, neighbours.shape[1], len(idx))]
      step(tf.constant(train_features[idx]), tf.constant(train_features[pick]))

  def predict(features):
    return np.concatenate([probs(tf.constant(features[i:i + 2000]), False).numpy()
                           for i in range(0, len(features), 2000)])
  return predict


def measure(workdir: str, train_examples: int, k: int, epochs: int, seed: int = 0) -> dict:
  """All three measurements for one workdir."""
  # pylint: disable-next=g-import-not-at-top
  from infogan_tf import evaluation
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  from infogan_tf import config as config_lib
  from infogan_tf import data as data_lib
  from infogan_tf.metrics import clustering

  t0 = time.time()
  config = config_lib.load_config(workdir)
  if not config.latent.categorical:
    raise ValueError(f"{workdir} has no categorical code to compare against")
  model = ig.InfoGAN.from_workdir(workdir)
  ckpt = model.checkpoint_path
  pixel_range = model.pixel_range
  split = evaluation.EVAL_SPLIT
  test = data_lib.load_source(config.data, split=split, seed=0)
  test_x, test_y, _ = evaluation.load_arrays(test, pixel_range)
  train = data_lib.load_source(config.data, split="train", seed=0)
  train_x, train_y, _ = evaluation.load_arrays(train, pixel_range, train_examples)

  train_f = evaluation.encode(model, train_x)["features"]  # [N, F]
  test_codes = evaluation.encode(model, test_x)
  test_f, test_p = test_codes["features"], test_codes["cat0_probs"]  # [M, F], [M, k]
  neighbours = mine_neighbours(train_f, k)
  num_clusters = config.latent.categorical[0]
  predict = scan_head(train_f, neighbours, num_clusters, epochs, seed)
  scan_clusters = predict(test_f).argmax(axis=1)
  return {
      "workdir": os.path.relpath(workdir, ROOT), "checkpoint": ckpt,
      "train_examples": int(len(train_x)), "k": k, "epochs": epochs,
      "neighbour_purity": neighbour_purity(neighbours, train_y),
      "q_cat0": clustering.clustering_scores(test_codes["cat0"], test_y),
      "q_cat0_confident": confident_scores(test_p, test_y),
      "scan_head": clustering.clustering_scores(scan_clusters, test_y),
      "seconds": time.time() - t0,
  }


def table(rows: List[dict]) -> List[str]:
  """A results file's rows as Markdown table lines (docs/results.md renders them)."""
  lines = ["| run | train images, k, SCAN epochs | neighbour purity@k | Q cat0 ACC / NMI | "
           "confident >0.9: cover, ACC | >0.99: cover, ACC | fresh SCAN head ACC / NMI |",
           "|---|---|---|---|---|---|---|"]
  for r in rows:
    conf = [r["q_cat0_confident"][f">{t}"] for t in CONFIDENCE_THRESHOLDS]
    cell = lambda c: (f"{c['coverage']:.2f}, {c['acc']:.3f}" if c["acc"] is not None
                      else f"{c['coverage']:.2f}, -")
    run = "/".join(r["workdir"].rstrip("/").split("/")[-2:])
    lines.append(f"| {run} | {r['train_examples']}, {r['k']}, {r['epochs']} | "
                 f"{r['neighbour_purity']:.3f} | "
                 f"{r['q_cat0']['acc']:.3f} / {r['q_cat0']['nmi']:.3f} | {cell(conf[0])} | "
                 f"{cell(conf[1])} | {r['scan_head']['acc']:.3f} / "
                 f"{r['scan_head']['nmi']:.3f} |")
  return lines


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", action="append", required=True,
                      help="Trained workdir (repeat for several).")
  parser.add_argument("--train_examples", type=int, default=20000)
  parser.add_argument("--k", type=int, default=20)
  parser.add_argument("--epochs", type=int, default=10)
  parser.add_argument("--label", default=None)
  parser.add_argument("--results_dir", default=os.path.join(ROOT, "benchmarks", "results"))
  args = parser.parse_args()
  import infogan_tf  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  from benchmarks import record  # pylint: disable=g-import-not-at-top

  for w in args.workdir:
    if not os.path.exists(os.path.join(w, "config.json")):
      parser.error(f"no config.json in --workdir={w} (train it first)")
  label = args.label or os.path.basename(os.path.dirname(os.path.abspath(args.workdir[0])))
  slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
  rows = []
  for w in args.workdir:
    rows.append(measure(w, args.train_examples, args.k, args.epochs))
    print(json.dumps(rows[-1], default=float), flush=True)
  command = ("python -m benchmarks.studies.feature_ceiling "
             + " ".join(f"--workdir={os.path.relpath(w, ROOT)}" for w in args.workdir)
             + f" --train_examples={args.train_examples} --k={args.k} --epochs={args.epochs}"
             + (f" --label=\"{args.label}\"" if args.label else ""))
  path = os.path.join(args.results_dir, f"feature_ceiling_{slug}.json")
  rows = json.loads(json.dumps(rows, default=float))  # numpy scalars -> floats
  print("wrote", record.write(path, {"label": label, "runs": rows}, command))


if __name__ == "__main__":
  main()
