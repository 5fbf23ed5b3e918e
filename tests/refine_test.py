"""Self-labelling (`infogan_tf.refine`, `python -m trainers.refine`): a refined workdir that the
evaluator and exporter take, the run left untouched, no label read, and one line for each
run that cannot be refined."""

import hashlib
import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig
from infogan_tf import config as config_lib
from infogan_tf import self_labelling as refine
from infogan_tf.models import build_models
from infogan_tf.training import checkpointing, workdir_lock
from tests import helpers
from tests.data import idx_test

QUICK = refine.RefineConfig(threshold=0.3, epochs=1, max_images=512, batch_size=16)


def _digest(folder) -> dict:
  out = {}
  for root, _, files in os.walk(folder):
    for name in files:
      with open(os.path.join(root, name), "rb") as f:
        out[os.path.relpath(os.path.join(root, name), folder)] = hashlib.sha256(
            f.read()).hexdigest()
  return out


def _weights(workdir):
  config = config_lib.load_config(workdir)
  generator, discriminator = build_models(config)
  checkpointing.restore_for_inference(generator, discriminator, workdir)
  return generator, discriminator


@pytest.fixture
def run(trained_workdir, tmp_path):
  path = tmp_path / "run"
  shutil.copytree(trained_workdir, path)
  return str(path)


def test_refined_workdir_is_evaluated_and_exported_like_any_other(run, tmp_path,
                                                                  classifier_dir):
  before = _digest(run)
  result = ig.refine(run, QUICK)
  assert result.workdir == os.path.join(run, "refined")
  # Nothing of the run changes but the lock file, which names its last holder (refine holds the
  # lock while it reads the checkpoint, so no trainer starts on the run meanwhile).
  after = {k: v for k, v in _digest(run).items() if not k.startswith("refined/")}
  assert {k: v for k, v in after.items() if k != ".lock"} == {
      k: v for k, v in before.items() if k != ".lock"}
  record = result.record
  assert record["source"]["step"] == 4 and record["settings"]["threshold"] == 0.3
  assert record["rounds"][0]["confident"] == sum(record["rounds"][0]["per_category"][0])
  g0, d0 = _weights(run)
  g1, d1 = _weights(result.workdir)
  for a, b in zip(g0.variables, g1.variables):  # G as trained
    np.testing.assert_array_equal(a.numpy(), b.numpy())
  moved = [not np.array_equal(a.numpy(), b.numpy()) for a, b in zip(
      d0.trunk[0].trainable_variables, d1.trunk[0].trainable_variables)]
  assert any(moved)  # D's trunk was fine-tuned
  report = ig.evaluate(result.workdir, num_samples=200, classifier_dir=classifier_dir,
                       probe_fractions=(0.1,), max_train_examples=500, projector_images=0)
  assert 0.0 <= report["clustering"]["cat0"]["acc"] <= 1.0
  exported = ig.export(result.workdir, str(tmp_path / "models"))
  encode = tf.saved_model.load(exported.path).signatures["encode"]
  images = np.random.RandomState(0).rand(3, 28, 28, 1).astype(np.float32)
  helpers.assert_same_network_output(
      encode(images=tf.constant(images))["cat0_probs"].numpy(),
      tf.nn.softmax(d1(images).categorical_logits[0]).numpy())


@pytest.mark.slow
def test_no_label_is_read(tmp_path):
  """Refining a run on IDX files, then again after the labels were replaced with noise, gives
  bit-identical weights (and so the same seed gives the same weights)."""
  data = tmp_path / "idx"
  data.mkdir()
  idx_test.make_idx_dir(data, n=300)
  config = helpers.tiny_config(str(tmp_path / "run"))
  config = config.replace(data=config_lib.DataConfig(name="idx", data_dir=str(data),
                                                     image_size=28))
  ig.train(config, stream=io.StringIO(), strategy=helpers.one_device_strategy())
  settings = refine.RefineConfig(threshold=0.26, epochs=1, max_images=300, batch_size=16)
  first = refine.refine(str(tmp_path / "run"), settings, str(tmp_path / "a"))
  noise = np.random.RandomState(7).randint(0, 10, 300).astype(np.uint8)
  idx_test.write_idx(data / "train-labels-idx1-ubyte.gz", noise, True)
  second = refine.refine(str(tmp_path / "run"), settings, str(tmp_path / "b"))
  for a, b in zip(_weights(first.workdir)[1].variables, _weights(second.workdir)[1].variables):
    np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
  untimed = lambda record: [{k: v for k, v in r.items() if k != "seconds"}
                            for r in record["rounds"]]
  assert untimed(first.record) == untimed(second.record)


@pytest.mark.slow
def test_a_run_without_a_categorical_code_is_named(tmp_path):
  config = helpers.with_parts(helpers.tiny_config(str(tmp_path / "run")),
                              latent=dict(categorical=()))
  ig.train(config, stream=io.StringIO(), strategy=helpers.one_device_strategy())
  with pytest.raises(refine.RefineError, match=r"has no categorical code"):
    refine.refine(str(tmp_path / "run"), QUICK)


def test_a_threshold_no_image_reaches_says_which_thresholds_are_reached(run):
  with pytest.raises(refine.RefineError,
                     match=r"only \d+ of 512 images reach the threshold 0.9999 .*cat0: \d+ "
                           r"reach 0.5, \d+ reach 0.9.*lower --threshold"):
    refine.refine(run, refine.RefineConfig(threshold=0.9999, max_images=512))


def test_a_run_still_training_is_refused(run):
  with workdir_lock.WorkdirLock(run):  # as the trainer holds it
    with pytest.raises(ig.WorkdirLockedError,
                       match=rf"the run {run} is still training \(pid {os.getpid()}\): refine it "
                             "once training has finished"):
      refine.refine(run, QUICK)
  assert not os.path.exists(os.path.join(run, "refined"))


def test_cli_refines_and_says_what_went_wrong_in_one_line(run, tmp_path):
  env = {**os.environ, "PYTHONPATH": helpers.ROOT}
  ok = subprocess.run([sys.executable, "-m", "trainers.refine", f"--workdir={run}",
                       "--threshold=0.3", "--epochs=1", "--max_images=512", "--batch_size=16"],
                      cwd=helpers.ROOT, capture_output=True, text=True, env=env)
  assert ok.returncode == 0, ok.stderr
  assert f"refined: {run}/refined" in ok.stdout
  for args, code, message in [
      ([f"--workdir={tmp_path}"], 2,
       f"not a run: {tmp_path} is a folder without config.json: give the --workdir"),
      ([f"--workdir={run}", "--threshold=2"], 2, "threshold must be in (0, 1)")]:
    bad = subprocess.run([sys.executable, "-m", "trainers.refine", *args], cwd=helpers.ROOT,
                         capture_output=True, text=True, env=env)
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert bad.returncode == code and len(lines) == 1, bad.stderr
    assert lines[0].startswith("trainers.refine: ") and message in lines[0], lines
