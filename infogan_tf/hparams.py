"""A sweep in TensorBoard's HParams dashboard: each seed's run beside the others, and the pick.

`write_sweep(selection, root)` (called by `trainers.select` and `trainers.sweep` after the
selection) writes, for every run compared, a session holding the run's hyperparameters (from its
config.json) into the run's own folder, the selection's scores into `<run>/selection`, and into
the sweep's root folder the experiment config (which hyperparameters and metrics the dashboard
shows: the seed and the hyperparameters that differ between the runs). The evaluation's
scores are the ones `trainers.evaluate` writes into `<run>/eval` (run it
before or after: TensorBoard reads them when it shows the dashboard), so

  tensorboard --logdir <sweep root>

compares the seeds side by side: the HParams tab's table and parallel coordinates, with
`selection/pick` 1 for the pick and `selection/score` the criterion it was ranked by.
"""

from __future__ import annotations

import glob
import os
from typing import Dict, List, Tuple

import tensorflow as tf
from tensorboard.plugins.hparams import api as hp

from infogan_tf import config as config_lib

SUFFIX = ".hparams"  # the event files this module writes (one per folder: rewritten, not added)
# (hyperparameter, description, how it is read from a config).
HPARAMS: Tuple[Tuple[str, str, object], ...] = (
    ("seed", "the run's seed", lambda c: c.train.seed),
    ("data", "the data set", lambda c: c.data.name),
    ("latent", "the latent code", lambda c: (
        "+".join([f"Cat({k})" for k in c.latent.categorical]
                 + ([f"{c.latent.continuous}c"] if c.latent.continuous else [])
                 + [f"{c.latent.noise_dim}z"]))),
    ("architecture", "the networks", lambda c: c.model.architecture),
    ("precision", "the training precision", lambda c: c.model.precision),
    ("steps", "training steps", lambda c: c.train.steps),
    ("batch_size", "global batch", lambda c: c.train.batch_size),
    ("g_learning_rate", "G's Adam learning rate", lambda c: c.optimizer.g_learning_rate),
    ("d_learning_rate", "D's Adam learning rate", lambda c: c.optimizer.d_learning_rate),
    ("lambda_continuous", "weight of the continuous codes' L_I",
     lambda c: c.loss.lambda_continuous),
    ("cr_weight", "InfoGAN-CR's weight", lambda c: c.loss.cr_weight),
    ("labels_per_class", "ss-InfoGAN's labels per class",
     lambda c: c.semi_supervised.labels_per_class),
)
# (tag, the run's sub-folder it is read from, display name): trainers.evaluate's scalars
# (`training.summaries.report_scalars`) and the selection's.
METRICS: Tuple[Tuple[str, str, str], ...] = (
    ("clustering/cat0/acc", "eval", "ACC (cat0)"),
    ("clustering/cat0/nmi", "eval", "NMI (cat0)"),
    ("semi_supervised/cat0/accuracy", "eval", "ss accuracy (cat0)"),
    ("info/cat0/L_I", "eval", "L_I (cat0)"),
    ("mig/mig", "eval", "MIG"),
    ("factor_vae/score", "eval", "FactorVAE"),
    ("dci/disentanglement", "eval", "DCI (lasso)"),
    ("frechet/distance", "eval", "Fréchet"),
    ("probe/probe@1%", "eval", "probe @1%"),
    ("selection/score", "selection", "selection score"),
    ("selection/pick", "selection", "the pick (1)"),
)


def run_hparams(config: config_lib.ExperimentConfig) -> Dict[str, object]:
  """{hyperparameter: value} of one run."""
  return {name: read(config) for name, _, read in HPARAMS}


def _rewrite(folder: str, write) -> None:
  """Runs `write()` into a new SUFFIX event file in `folder`, replacing an earlier one."""
  os.makedirs(folder, exist_ok=True)
  old = glob.glob(os.path.join(folder, f"events.out.tfevents.*{SUFFIX}"))
  writer = tf.summary.create_file_writer(folder, filename_suffix=SUFFIX)
  with writer.as_default():
    write()
  writer.close()
  for path in old:
    os.remove(path)


def write_sweep(selection: dict, root: str) -> List[str]:
  """Writes the HParams sessions of a selection's runs and the experiment config in `root`.

  Args:
    selection: `infogan_tf.selection.select`'s result.
    root: The sweep's folder (TensorBoard's --logdir); the runs are usually below it.

  Returns:
    The folders written (each run, its selection sub-folder, the root).
  """
  written, seen = [], {}
  criterion = selection.get("criterion", "centrality")
  scores = selection.get("scores", {}).get(criterion, selection.get("centrality"))
  for index, workdir in enumerate(selection["workdirs"]):
    config = config_lib.load_config(workdir)
    values = run_hparams(config)
    for name, value in values.items():
      seen.setdefault(name, set()).add(value)
    trial = os.path.relpath(os.path.abspath(workdir), os.path.abspath(root))
    _rewrite(workdir, lambda: hp.hparams(values, trial_id=trial))
    step = int(os.path.basename(selection["checkpoints"][index]).split("-")[-1])
    pick = float(workdir == selection["pick"])
    _rewrite(os.path.join(workdir, "selection"), lambda: (
        tf.summary.scalar("selection/score", float(scores[index]), step=step),
        tf.summary.scalar("selection/pick", pick, step=step)))
    written += [workdir, os.path.join(workdir, "selection")]
  _rewrite(root, lambda: hp.hparams_config(
      # The seed and what differs between the runs (the rest is in each config.json), each
      # with the values the runs have as its domain: the dashboard types and filters by it.
      hparams=[hp.HParam(name, hp.Discrete(sorted(seen[name])), description=text)
               for name, text, _ in HPARAMS if name == "seed" or len(seen[name]) > 1],
      metrics=[hp.Metric(tag, group=group, display_name=name)
               for tag, group, name in METRICS]))
  return written + [root]
