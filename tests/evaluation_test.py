"""infogan_tf.evaluation on a tiny trained workdir, and the trainers.evaluate CLI."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import infogan_tf as ig

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf import evaluation
from infogan_tf.metrics import feature_classifier
from tests import helpers


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, trained_workdir):
  """A copy of the run-wide tiny workdir (evaluation writes eval/ into it)."""
  import shutil  # pylint: disable=g-import-not-at-top
  return str(shutil.copytree(trained_workdir, tmp_path_factory.mktemp("evalrun") / "run"))


def _eval_events(workdir, subdir="eval"):
  """{step: {tag: value or 'image'}} from the TensorBoard events under workdir/eval."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  events = {}
  for path in tf.io.gfile.glob(os.path.join(workdir, subdir, "events.out.tfevents.*")):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        array = tf.make_ndarray(value.tensor)
        events.setdefault(event.step, {})[value.tag] = (
            float(array) if array.ndim == 0 else "image")
  return events


def _check_projector(workdir, report):
  """TensorBoard's own projector plugin finds run 'eval' and reads Q's features of the first
  evaluation images, with a thumbnail and a metadata row each."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tensorboard.backend.event_processing import data_provider  # pylint: disable=g-import-not-at-top
  from tensorboard.backend.event_processing import plugin_event_multiplexer as pem  # pylint: disable=g-import-not-at-top
  from tensorboard.plugins import base_plugin  # pylint: disable=g-import-not-at-top
  from tensorboard.plugins.projector import projector_plugin  # pylint: disable=g-import-not-at-top

  n = report["projector_images"]
  assert n == report["num_test"] == 1000  # fewer than the default 2000: all of them
  mux = pem.EventMultiplexer()
  mux.AddRunsFromDirectory(workdir)
  mux.Reload()
  plugin = projector_plugin.ProjectorPlugin(base_plugin.TBContext(
      logdir=workdir, multiplexer=mux,
      data_provider=data_provider.MultiplexerDataProvider(mux, workdir)))
  plugin._update_configs()  # pylint: disable=protected-access
  config = plugin._configs["eval"]  # pylint: disable=protected-access
  embedding = config.embeddings[0]
  features = plugin._get_reader_for_run("eval").get_tensor(  # pylint: disable=protected-access
      embedding.tensor_name)
  model = ig.InfoGAN.from_workdir(workdir)
  source = data_lib.load_source(model.config.data, split="test")
  test_x = evaluation.load_arrays(source, (0.0, 1.0), n)[0]
  np.testing.assert_array_equal(features, evaluation.encode(model, test_x)["features"])
  rows = open(os.path.join(workdir, "eval", embedding.metadata_path)).read().splitlines()
  assert rows[0].split("\t") == ["label", "Q cat0", "Q cat0 confidence", "shape", "scale",
                                  "rotation", "x", "y"]
  assert len(rows) == n + 1 and rows[1].split("\t")[0] in source.class_names
  sprite = tf.io.decode_png(open(os.path.join(workdir, "eval", "sprite.png"), "rb").read())
  assert sprite.shape == (32 * 28, 32 * 28, 1)  # ceil(sqrt(1000)) = 32 thumbnails a side
  assert list(embedding.sprite.single_image_dim) == [28, 28]


def test_dci_with_boosted_trees_is_there_when_asked(workdir, classifier_dir):
  pytest.importorskip("sklearn")  # the [dci] extra; the test extra installs it
  report = evaluation.evaluate(workdir, num_samples=100, classifier_dir=classifier_dir,
                               probe_fractions=(0.1,), max_train_examples=200, write=False,
                               dci_boosted_trees=True)
  trees, lasso = report["dci_boosted_trees"], report["dci"]
  assert trees["codes"] == lasso["codes"] == ["cat0", "cont0", "cont1"]
  assert np.array(trees["importance"]).shape == (3, 5)  # codes x factors
  assert 0 <= trees["disentanglement"] <= 1 and 0 <= trees["informativeness"] <= 1
  table = evaluation.summary_table(report)
  assert "DCI (lasso) disentanglement" in table and "DCI (boosted trees) disentanglement" in table


def test_report_has_every_section(workdir, classifier_dir):
  report = evaluation.evaluate(workdir, num_samples=300, classifier_dir=classifier_dir,
                               probe_fractions=(0.1,), max_train_examples=400)
  assert report["split"] == "test" and report["num_test"] == 1000
  c = report["clustering"]["cat0"]
  assert 0.25 - 0.05 <= c["acc"] <= 1 and 0 <= c["nmi"] <= 1
  table = c["table"]
  assert np.array(table["counts"]).shape == (4, 4)  # cat0 values x shape labels
  assert np.sum(table["counts"]) == 1000
  matched = sum(table["counts"][v][l] for v, l in enumerate(table["matched_label"]) if l >= 0)
  assert matched / 1000 == pytest.approx(c["acc"])
  assert "matched label" in evaluation.summary_table(report)  # the table is printed
  assert report["info"]["cat0"]["H"] == pytest.approx(np.log(4))
  # L_I as exported and as training logs it (batch statistics), both named in the text.
  assert set(report["info"]["cont0"]) == {"L_I", "L_I_batch_statistics", "H"}
  assert "with batch statistics (as training logs it)" in evaluation.summary_table(report)
  assert set(report["probe"]) == {"probe@10%"}
  assert report["frechet"]["distance"] > 0
  assert report["frechet"]["classifier"]["test_accuracy"] > 0.5  # shapes are easy
  assert set(report["mig"]["per_factor"]) == {"shape", "scale", "rotation", "x", "y"}
  assert report["mig"]["codes"] == ["cat0", "cont0", "cont1"]
  # FactorVAE and DCI beside MIG, on the same codes; each names the factor a code is tied to.
  assert 0 <= report["factor_vae"]["score"] <= 1
  assert report["factor_vae"]["codes"] == report["dci"]["codes"] == ["cat0", "cont0", "cont1"]
  assert len(report["factor_vae"]["dimension_factor"]) == 3
  assert 0 <= report["dci"]["disentanglement"] <= 1 and 0 <= report["dci"]["completeness"] <= 1
  assert np.array(report["dci"]["importance"]).shape == (3, 5)
  assert "FactorVAE score" in evaluation.summary_table(report)
  saved = json.load(open(os.path.join(workdir, "eval", "report.json")))
  assert saved["step"] == 4
  for name in report["traversals"]:
    assert os.path.exists(os.path.join(workdir, "eval", name))
  assert "ACC" in evaluation.summary_table(report)
  # The scores and traversals are TensorBoard summaries (run 'eval') at the checkpoint's step.
  events = _eval_events(workdir)
  assert events[4]["clustering/cat0/acc"] == pytest.approx(c["acc"])
  assert events[4]["info/cat0/L_I"] == pytest.approx(report["info"]["cat0"]["L_I"])
  assert events[4]["frechet/distance"] == pytest.approx(report["frechet"]["distance"])
  assert events[4]["probe/probe@10%"] == pytest.approx(report["probe"]["probe@10%"])
  assert "mig/mig" in events[4] and "step" not in events[4]
  assert "factor_vae/score" in events[4] and "dci/disentanglement" in events[4]
  assert events[4]["traversal/cat0_cont0"] == "image"
  _check_projector(workdir, report)
  # The Frechet classifier is saved and reused: asking again loads it (training would fail).
  def no_training():
    raise AssertionError("the saved classifier was not reused")

  _, info = feature_classifier.load_or_train(
      classifier_dir, "procedural", (28, 28, 1), (0.0, 1.0), 4, no_training, no_training)
  assert info == report["frechet"]["classifier"]
  assert len(os.listdir(classifier_dir)) == 2  # model + info


def test_cli(workdir, tmp_path, classifier_dir):
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  # Any checkpoint, not only the latest: its scores land at its own step in TensorBoard.
  # A workdir this user cannot write to: --output_dir takes the outputs.
  out = tmp_path / "evaluation"
  proc = subprocess.run([sys.executable, "-m", "trainers.evaluate", f"--workdir={workdir}",
                         f"--checkpoint={workdir}/checkpoints/ckpt-2", "--num_samples=200",
                         f"--classifier_dir={classifier_dir}", "--probe_fractions=0.1",
                         f"--output_dir={out}"],
                        cwd=helpers.ROOT, env=env, capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "cat0" in proc.stdout and "MIG" in proc.stdout
  assert f"report: {out}/report.json" in proc.stdout
  assert "clustering/cat0/acc" in _eval_events(str(out), "")[2]
  # A workdir without config.json: cli/tf_log_filter_test.py::test_a_cli_prints_only_its_own_lines


@pytest.mark.parametrize("eval_dir", ["missing", "there"])
def test_read_only_workdir_fails_before_the_work(workdir, tmp_path, classifier_dir, eval_dir):
  """eval/ missing (it cannot be made) or there from an earlier evaluation (cannot be written):
  one line naming it and --output_dir, before any data or model is loaded."""
  import io  # pylint: disable=g-import-not-at-top
  import shutil  # pylint: disable=g-import-not-at-top
  import time  # pylint: disable=g-import-not-at-top
  from contextlib import redirect_stderr  # pylint: disable=g-import-not-at-top
  from infogan_tf.cli import errors as cli_errors  # pylint: disable=g-import-not-at-top

  def prepare(root):
    shutil.rmtree(root / "eval", ignore_errors=True)
    if eval_dir == "there":
      (root / "eval").mkdir()

  with helpers.tmpfs(tmp_path / "ro", "ro", fill_from=workdir, prepare=prepare) as read_only:
    err, start = io.StringIO(), time.perf_counter()
    with redirect_stderr(err):
      code = cli_errors.run("trainers.evaluate", lambda: evaluation.evaluate(
          str(read_only), num_samples=200, classifier_dir=classifier_dir) and 0,
                            outputs="--output_dir")
    assert time.perf_counter() - start < 10  # refused before loading data or models
  assert code == 1
  assert err.getvalue().strip() == (f"trainers.evaluate: OS error: {read_only}/eval is on a "
                                    "read-only file system: pick a writable --output_dir")


def test_labelled_training_images_are_left_out():
  x, y = np.arange(10)[:, None] * 1.0, np.arange(10)
  kept_x, kept_y = evaluation.drop_rows(np.array([1, 4, 9]), x, y)
  assert kept_y.tolist() == [0, 2, 3, 5, 6, 7, 8] and kept_x[:, 0].tolist() == kept_y.tolist()
  folder = config_lib.ExperimentConfig(data=config_lib.DataConfig(name="folder", data_dir="x"))
  assert evaluation.evaluates_on_training_images(folder, "test")  # a folder has one split
  fashion = config_lib.ExperimentConfig(data=config_lib.DataConfig(name="fashion_mnist"))
  assert not evaluation.evaluates_on_training_images(fashion, "test")
  assert evaluation.evaluates_on_training_images(fashion, "train")


def test_l_i_with_batch_statistics_leaves_the_running_statistics_as_they_were(workdir):
  """The batch-statistics L_I runs G and D in training mode, which moves BatchNorm's running
  statistics; the evaluator puts them back, so the scorers after it see the checkpoint."""
  model = ig.InfoGAN.from_workdir(workdir)
  generator, discriminator = model.generator, model.encoder
  before = [v.numpy() for v in generator.non_trainable_variables
            + discriminator.non_trainable_variables]
  batched = evaluation.info_on_samples(model, 64, batch=16, training=True)
  after = [v.numpy() for v in generator.non_trainable_variables
           + discriminator.non_trainable_variables]
  for a, b in zip(before, after):
    np.testing.assert_array_equal(a, b)
  assert np.isfinite(batched["cont0"]["L_I"])
