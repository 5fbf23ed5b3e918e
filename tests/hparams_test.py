"""A sweep in TensorBoard's HParams dashboard, read back from the event files it writes."""

import dataclasses
import glob
import os
import shutil

import tensorflow as tf
from tensorboard.plugins.hparams import plugin_data_pb2

from infogan_tf import config as config_lib
from infogan_tf import evaluation, hparams


def _hparams_data(folder):
  """[HParamsPluginData] of the SUFFIX event files in `folder`."""
  out = []
  for path in glob.glob(os.path.join(folder, f"events.out.tfevents.*{hparams.SUFFIX}")):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        if value.metadata.plugin_data.plugin_name == "hparams":
          out.append(plugin_data_pb2.HParamsPluginData.FromString(
              value.metadata.plugin_data.content))
  return out


def _scalars(folder):
  values = {}
  for path in glob.glob(os.path.join(folder, "events.out.tfevents.*")):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        if value.metadata.plugin_data.plugin_name == "scalars":
          values[value.tag] = float(tf.make_ndarray(value.tensor))
  return values


def test_each_seed_is_a_session_with_its_hparams_scores_and_whether_it_is_the_pick(
    trained_workdir, tmp_path):
  runs = []
  for seed in (3, 5, 8):
    run = str(tmp_path / f"seed_{seed}")
    shutil.copytree(trained_workdir, run)
    config = config_lib.load_config(run)
    config_lib.save_config(config.replace(
        train=dataclasses.replace(config.train, seed=seed, workdir=run)), run)
    runs.append(run)
  evaluation.evaluate(runs[1], num_samples=100, probe_fractions=(), projector_images=0)
  selection = {"workdirs": runs, "checkpoints": [f"{r}/checkpoints/ckpt-4" for r in runs],
               "criterion": "centrality", "scores": {"centrality": [0.61, 0.67, 0.64]},
               "pick": runs[1]}
  for _ in range(2):  # rewriting replaces the files (one session per run, not two)
    hparams.write_sweep(selection, str(tmp_path))
  experiment = _hparams_data(str(tmp_path))
  assert len(experiment) == 1
  config = experiment[0].experiment
  assert [h.name for h in config.hparam_infos] == ["seed"]  # nothing else differs
  assert sorted(v.number_value for v in config.hparam_infos[0].domain_discrete.values) == [3, 5, 8]
  metrics = {(m.name.group, m.name.tag) for m in config.metric_infos}
  assert {("eval", "clustering/cat0/acc"), ("eval", "mig/mig"),
          ("selection", "selection/pick")} <= metrics
  for run, seed, score in zip(runs, (3, 5, 8), (0.61, 0.67, 0.64)):
    sessions = _hparams_data(run)
    assert len(sessions) == 1
    start = sessions[0].session_start_info
    assert start.hparams["seed"].number_value == seed
    assert start.hparams["latent"].string_value == "Cat(4)+2c+8z"
    assert start.group_name == os.path.basename(run)
    chosen = _scalars(os.path.join(run, "selection"))
    assert chosen["selection/pick"] == float(run == runs[1])
    assert abs(chosen["selection/score"] - score) < 1e-6
  # The evaluation's scalars are where the experiment config says the dashboard reads them.
  evaluated = _scalars(os.path.join(runs[1], "eval"))
  for group, tag in metrics:
    if group == "eval" and tag.startswith(("clustering", "mig", "info")):
      assert tag in evaluated, (tag, sorted(evaluated))
