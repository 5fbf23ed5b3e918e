"""The InfoGAN object: `fit` takes the same steps as trainers.main's loop, the Keras callbacks
behave as Keras users know them, a `.keras` file restores every weight, the methods work on
[0, 1] images, and bad input gets one line."""

import io
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig
from infogan_tf import training
from infogan_tf.training import checkpointing
from tests import helpers

STEPS = 20


def _trained_by_the_loop(workdir, strategy, steps_per_loop, **overrides):
  """trainers.main's path (`ig.train`): per-step metrics (log_every=1) and the checkpoint."""
  config = helpers.tiny_config(str(workdir), steps=STEPS, log_every=1, checkpoint_every=STEPS,
                               image_every=STEPS, steps_per_loop=steps_per_loop, **overrides)
  training.train(config, stream=io.StringIO(), strategy=strategy)
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    rows = [json.loads(line) for line in f]
  return config, rows, checkpointing.checkpoint_path(str(workdir), STEPS)


class _Record(keras.callbacks.Callback):
  def __init__(self):
    super().__init__()
    self.rows = []

  def on_train_batch_end(self, batch, logs=None):
    self.rows.append(dict(logs))


def _fit(config, strategy, steps_per_execution):
  with strategy.scope():
    model = ig.InfoGAN(config)
    model.compile(steps_per_execution=steps_per_execution)
  record = _Record()
  model.fit(model.training_dataset(), epochs=1, steps_per_epoch=STEPS, verbose=0,
            callbacks=[record])
  return model, record.rows


def _checkpoint_values(path, prefix):
  """{variable path: value} of a checkpoint's variables under `prefix` (e.g. 'generator')."""
  reader = tf.train.load_checkpoint(path)
  return {name: reader.get_tensor(name) for name, _ in tf.train.list_variables(path)
          if name.startswith(prefix + "/") and "OPTIMIZER_SLOT" not in name}


def _model_values(model, prefix):
  """The same {checkpoint name: value} for the fitted model (its checkpoint, written now)."""
  path = model.checkpoint().write(os.path.join(model.fitted_dir, "fitted"))
  return _checkpoint_values(path, prefix)


@pytest.mark.numerics
@pytest.mark.slow
@pytest.mark.parametrize("replicas", [1, 2])
def test_fit_and_trainers_main_take_identical_steps(tmp_path, replicas):
  """The same config, seed and batch: 20 steps by `fit` and by trainers.main's loop give the
  same losses at every step and the same weights, to the bit. Both run the model's one
  `replica_step` and `finish_step` on the same batches (`training_batches`); a difference would
  be a second step function. Held on 1 device and on 2 replicas, with oneDNN's kernels and
  with Eigen's (scripts/test.sh reruns numerics tests with TF_ENABLE_ONEDNN_OPTS=0)."""
  strategy = helpers.one_device_strategy() if replicas == 1 else helpers.mirrored_strategy()
  config, rows, path = _trained_by_the_loop(tmp_path / "loop", strategy, steps_per_loop=1)
  model, logs = _fit(config, strategy, steps_per_execution=1)
  assert len(rows) == len(logs) == STEPS
  names = [k for k in rows[0] if k.startswith(("d/", "g/"))]
  assert names and all(name in logs[0] for name in names)
  for step, (row, log) in enumerate(zip(rows, logs)):
    for name in names:
      assert np.float32(row[name]) == np.float32(log[name]), (step, name, row[name], log[name])
  os.makedirs(tmp_path / "fitted")
  model.fitted_dir = str(tmp_path / "fitted")
  for part in ("generator", "discriminator", "g_optimizer", "d_optimizer", "rng", "step"):
    saved, fitted = _checkpoint_values(path, part), _model_values(model, part)
    assert saved.keys() == fitted.keys() and saved, part
    for name in saved:
      if "moving_mean" in name or "moving_variance" in name:
        continue  # trainers.main recalibrates BatchNorm statistics before saving
      np.testing.assert_array_equal(fitted[name], saved[name], err_msg=name)


@pytest.mark.numerics
@pytest.mark.slow
def test_steps_per_execution_fits_like_steps_per_loop(tmp_path):
  """fit with steps_per_execution=10 (Keras' in-graph loop) against trainers.main with
  steps_per_loop=10 (the package's): the same weights after 20 steps."""
  strategy = helpers.one_device_strategy()
  config, _, path = _trained_by_the_loop(tmp_path / "loop", strategy, steps_per_loop=10)
  model, _ = _fit(config, strategy, steps_per_execution=10)
  os.makedirs(tmp_path / "fitted")
  model.fitted_dir = str(tmp_path / "fitted")
  for part in ("generator", "discriminator"):
    saved, fitted = _checkpoint_values(path, part), _model_values(model, part)
    for name in saved:
      if "moving_mean" not in name and "moving_variance" not in name:
        np.testing.assert_array_equal(fitted[name], saved[name], err_msg=name)
  assert int(model.step.numpy()) == STEPS


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
  """A tiny InfoGAN fitted for 4 steps with the standard callbacks."""
  logdir = str(tmp_path_factory.mktemp("tensorboard"))
  config = helpers.tiny_config(str(tmp_path_factory.mktemp("run")))
  model = ig.InfoGAN(config)
  model.compile()
  history = model.fit(model.training_dataset(), epochs=2, steps_per_epoch=2, verbose=0,
                      callbacks=[keras.callbacks.TensorBoard(logdir),
                                 keras.callbacks.TerminateOnNaN()])
  return model, history, logdir


def test_fit_logs_every_term_and_a_loss(fitted):
  model, history, logdir = fitted
  logs = history.history
  assert {"loss", "d/gan", "g/gan", "d/info", "g/info"} <= set(logs), sorted(logs)
  assert len(logs["loss"]) == 2 and all(np.isfinite(logs["loss"]))
  assert int(model.step.numpy()) == 4
  events = [f for _, _, files in os.walk(logdir) for f in files if "tfevents" in f]
  assert events, os.listdir(logdir)


def test_the_keras_file_restores_every_weight(fitted, tmp_path):
  model, _, _ = fitted
  path = str(tmp_path / "infogan.keras")
  model.save(path)
  loaded = keras.models.load_model(path)
  assert isinstance(loaded, ig.InfoGAN) and loaded.config == model.config
  for a, b in zip(model.weights, loaded.weights):
    np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
  assert len(loaded.weights) == len(model.weights)
  assert int(loaded.step.numpy()) == 4
  np.testing.assert_array_equal(loaded.rng.state.numpy(), model.rng.state.numpy())
  # loaded compiled: both optimizers and their state (Adam's moments, iterations)
  for mine, theirs in ((model.g_optimizer, loaded.g_optimizer),
                       (model.d_optimizer, loaded.d_optimizer)):
    assert len(mine.variables) == len(theirs.variables) > 2
    for a, b in zip(mine.variables, theirs.variables):
      np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
  images = model.sample(3, seed=1)["images"]
  for key, value in model.encode(images).items():
    np.testing.assert_array_equal(loaded.encode(images)[key].numpy(), value.numpy(), key)


def test_the_methods_work_on_images_in_0_1(fitted):
  model, _, _ = fitted
  drawn = model.sample(5, seed=3)
  images = drawn["images"]
  assert images.shape == (5, 28, 28, 1)
  assert float(tf.reduce_min(images)) >= 0.0 and float(tf.reduce_max(images)) <= 1.0
  again = model.generate(drawn["noise"], drawn["categorical"], drawn["continuous"])
  helpers.assert_same_network_output(again.numpy(), images.numpy())
  codes = model.encode(images)
  assert sorted(codes) == list(model.encode_output_names())
  assert codes["cat0_probs"].shape == (5, 4) and codes["features"].shape[0] == 5
  uint8 = tf.cast(tf.round(images * 255.0), tf.uint8)
  helpers.assert_same_network_output(model.encode(uint8)["cat0_probs"].numpy(),
                                     codes["cat0_probs"].numpy())
  inverted = model.invert(images, steps=3, restarts=2)
  assert inverted["images"].shape == images.shape and inverted["error"].shape == (5,)


def test_from_workdir_takes_a_run_a_refined_run_and_a_selection(trained_workdir, tmp_path):
  model = ig.InfoGAN.from_workdir(trained_workdir)
  assert model.workdir == trained_workdir and model.checkpoint_path.endswith("ckpt-4")
  selection = tmp_path / "selection.json"
  selection.write_text(json.dumps({"pick": trained_workdir}))
  picked = ig.InfoGAN.from_workdir(str(selection))
  assert picked.workdir == trained_workdir and picked.resolved.kind == "selection"
  for a, b in zip(model.generator.weights, picked.generator.weights):
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("make, message", [
    (lambda tmp: str(tmp), "is a folder without config.json: give the --workdir"),
    (lambda tmp: str(tmp / "nothing"), "does not exist: give a run's folder"),
])
def test_from_workdir_on_something_else_is_one_line(tmp_path, make, message):
  with pytest.raises(ig.WorkdirError) as info:
    ig.InfoGAN.from_workdir(make(tmp_path))
  assert message in str(info.value) and "\n" not in str(info.value)


def test_bad_fit_input_is_one_line_naming_the_fix():
  model = ig.InfoGAN(helpers.tiny_config())
  with pytest.raises(ig.ConfigError, match=r"no optimizers: call model.compile\(\) first"):
    model.make_replica_step()
  model.compile()
  cases = [
      (tf.data.Dataset.from_tensors(tf.zeros([16, 32, 32, 1])).repeat(),
       r"fit's 'images' are \[16, 32, 32, 1\] but the model takes \[B, 28, 28, 1\] images"),
      (tf.data.Dataset.from_tensors(tf.zeros([16, 28, 28, 1], tf.int32)).repeat(),
       r"fit's 'images' are int32: give float images in \[0, 1\] or uint8"),
      (tf.data.Dataset.from_tensors(tf.zeros([8, 28, 28, 1])).repeat(),
       r"fit's batches hold 8 images .* but the model's config has batch_size=16"),
  ]
  for dataset, message in cases:
    with pytest.raises(ValueError, match=message):
      model.fit(dataset, steps_per_epoch=1, verbose=0)


def test_a_config_without_an_image_shape_is_refused():
  config = helpers.with_parts(helpers.tiny_config(), model=dict(image_shape=None))
  with pytest.raises(ig.ConfigError, match="image_shape is not set"):
    ig.InfoGAN(config)


def test_the_standard_callbacks_behave_as_keras_users_know_them(tmp_path):
  """ModelCheckpoint writes a .keras file that loads; BackupAndRestore resumes an interrupted
  fit at its epoch with the step counter and weights it had; TerminateOnNaN stops on a NaN
  loss."""
  config = helpers.tiny_config(str(tmp_path / "run"))
  model = ig.InfoGAN(config)
  model.compile()
  saved = str(tmp_path / "ckpt.keras")
  backup = str(tmp_path / "backup")

  class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
      if epoch == 1:
        raise RuntimeError("interrupted")

  with pytest.raises(RuntimeError, match="interrupted"):
    model.fit(model.training_dataset(), epochs=4, steps_per_epoch=2, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup),
                         keras.callbacks.ModelCheckpoint(saved), Interrupt()])
  assert int(model.step.numpy()) == 4
  assert int(keras.models.load_model(saved).step.numpy()) == 4  # saved after epoch 2
  resumed = ig.InfoGAN(config)
  resumed.compile()
  history = resumed.fit(resumed.training_dataset(), epochs=4, steps_per_epoch=2, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(backup)])
  assert len(history.history["loss"]) == 2  # epochs 3 and 4 only
  assert int(resumed.step.numpy()) == 8

  diverging = ig.InfoGAN(helpers.with_parts(config, optimizer=dict(d_learning_rate=1e9,
                                                                   g_learning_rate=1e9)))
  diverging.compile()
  history = diverging.fit(diverging.training_dataset(), epochs=50, steps_per_epoch=2,
                          verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
  assert len(history.history["loss"]) < 50


def test_the_package_s_callbacks(tmp_path):
  config = helpers.tiny_config(str(tmp_path / "run"))
  model = ig.InfoGAN(config)
  model.compile()
  before = [v.numpy() for v in model.discriminator.non_trainable_variables]
  history = model.fit(model.training_dataset(), epochs=1, steps_per_epoch=2, verbose=0,
                      callbacks=[ig.callbacks.Evaluate(max_images=200, num_samples=200),
                                 ig.callbacks.Traversals(str(tmp_path / "grids")),
                                 ig.callbacks.NonFiniteGuard(),
                                 ig.callbacks.CalibrateBatchNorm()])
  logs = history.history
  assert 0.0 <= logs["eval/acc_cat0"][0] <= 1.0 and "eval/info_cont0" in logs
  assert any(name.endswith(".png") for name in os.listdir(tmp_path / "grids"))
  after = [v.numpy() for v in model.discriminator.non_trainable_variables]
  assert any(not np.array_equal(a, b) for a, b in zip(before, after))  # recalibrated
  model.generator.weights[0].assign(np.full(model.generator.weights[0].shape, np.nan))
  with pytest.raises(ig.errors.NonFiniteLossError, match="non-finite values in"):
    model.fit(model.training_dataset(), epochs=1, steps_per_epoch=1, verbose=0,
              callbacks=[ig.callbacks.NonFiniteGuard()])
