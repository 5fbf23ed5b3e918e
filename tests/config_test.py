"""Tests for infogan_tf.config."""

import json

import pytest

from infogan_tf import config as config_lib
from tests import helpers


def test_json_round_trip():
  config = helpers.tiny_config("/tmp/x")
  again = config_lib.ExperimentConfig.from_json(config.to_json())
  assert again == config
  assert isinstance(again.latent.categorical, tuple)
  assert isinstance(again.model.image_shape, tuple)


def test_save_and_load(tmp_path):
  config = helpers.tiny_config(str(tmp_path))
  config_lib.save_config(config, str(tmp_path))
  assert config_lib.load_config(str(tmp_path)) == config


def test_load_missing_config_is_clear(tmp_path):
  with pytest.raises(config_lib.ConfigError, match="no config.json"):
    config_lib.load_config(str(tmp_path))


def test_unknown_keys_are_rejected():
  d = helpers.tiny_config().to_dict()
  d["train"]["stepz"] = 3
  with pytest.raises(config_lib.ConfigError, match="stepz"):
    config_lib.ExperimentConfig.from_dict(d)


@pytest.mark.parametrize("parts, message", [
    (dict(latent=dict(categorical=(1,))), ">= 2 categories"),
    (dict(latent=dict(noise_prior="cauchy")), "noise_prior"),
    (dict(latent=dict(noise_scale=0.0)), "noise_scale"),
    (dict(loss=dict(real_info_pairing="random")), "real_info_pairing"),
    (dict(loss=dict(augment_zoom=1.0)), "augment_zoom"),
    (dict(loss=dict(augment_zoom=-0.1)), "augment_zoom"),
    (dict(latent=dict(noise_dim=0, categorical=(), continuous=0)), "empty"),
    (dict(model=dict(architecture="resnet")), "architecture"),
    (dict(loss=dict(continuous_std=0.0)), "continuous_std"),
    (dict(optimizer=dict(g_learning_rate=0.0)), "g_learning_rate"),
    (dict(optimizer=dict(d_average_decay=1.0)), r"d_average_decay must be in \[0, 1\)"),
    (dict(data=dict(name="imagenet")), "dataset"),
    (dict(data=dict(name="idx", data_dir=None)), "needs data_dir"),
    (dict(train=dict(steps=0)), "steps"),
    (dict(train=dict(workdir="")), "workdir"),
    (dict(model=dict(image_shape=(32, 32, 1))), "does not match"),
])
def test_validate_names_the_problem(parts, message):
  config = helpers.with_parts(helpers.tiny_config(), **parts)
  with pytest.raises(config_lib.ConfigError, match=message):
    config.validate()


def test_resume_compatibility():
  a = helpers.tiny_config()
  config_lib.check_resume_compatible(a, helpers.with_parts(a, train=dict(steps=99)))
  with pytest.raises(config_lib.ConfigError, match="categorical"):
    config_lib.check_resume_compatible(a, helpers.with_parts(a, latent=dict(categorical=(5,))))
  # The moving average of D is part of the checkpoint: it can change its decay, not come or go.
  averaged = helpers.with_parts(a, optimizer=dict(d_average_decay=0.999))
  assert config_lib.check_resume_compatible(
      averaged, helpers.with_parts(a, optimizer=dict(d_average_decay=0.99))) == {
          "optimizer.d_average_decay": [0.999, 0.99]}
  for saved, new in ((a, averaged), (averaged, a)):
    with pytest.raises(config_lib.ConfigError,
                       match="a moving average of D .*keep it (on|off) to resume"):
      config_lib.check_resume_compatible(saved, new, allow_data_changes=True)


@pytest.mark.parametrize("part, change, field", [
    ("data", dict(name="fashion_mnist"), "name"),
    ("data", dict(num_examples=999), "num_examples"),
    ("train", dict(batch_size=32), "batch_size"),
])
def test_resume_refuses_data_and_batch_changes_unless_allowed(part, change, field):
  a = helpers.tiny_config()
  b = helpers.with_parts(a, **{part: change})
  with pytest.raises(config_lib.ConfigError, match=f"different {part} config .*{field}.*"
                                                    "--allow_resume_changes"):
    config_lib.check_resume_compatible(a, b)
  changes = config_lib.check_resume_compatible(a, b, allow_data_changes=True)
  assert list(changes) == [f"{part}.{field}"]
  # The checkpoint's shape can never change.
  with pytest.raises(config_lib.ConfigError, match="latent"):
    config_lib.check_resume_compatible(a, helpers.with_parts(b, latent=dict(noise_dim=3)),
                                       allow_data_changes=True)


def test_config_json_keeps_the_original_and_every_resume(tmp_path):
  a = helpers.tiny_config(str(tmp_path))
  config_lib.save_config(a, str(tmp_path))
  b = helpers.with_parts(a, train=dict(steps=40, batch_size=8))
  changes = config_lib.check_resume_compatible(a, b, allow_data_changes=True)
  config_lib.save_config(b, str(tmp_path), {"step": 4, "changed": changes})
  config_lib.save_config(b, str(tmp_path), None)  # a resume that changed nothing
  record = json.loads((tmp_path / config_lib.CONFIG_FILENAME).read_text())
  assert record["train"]["batch_size"] == 8  # the current config
  assert record["history"]["original"]["train"]["batch_size"] == 16
  (resume,) = record["history"]["resumes"]
  assert resume["step"] == 4
  assert resume["changed"] == {"train.steps": [4, 40], "train.batch_size": [16, 8]}
  assert config_lib.load_config(str(tmp_path)) == b


@pytest.mark.parametrize("make, message", [
    (lambda: config_lib.TrainConfig(batch_size="16"),
     r"batch_size must be an int, got '16' \(str\)"),
    (lambda: config_lib.TrainConfig(batch_size=True), "batch_size must be an int, got True"),
    (lambda: config_lib.TrainConfig(steps=3.5), r"steps must be an int, got 3.5 \(float\)"),
    (lambda: config_lib.ModelConfig(spectral_norm="yes"), "spectral_norm must be True or False"),
    (lambda: config_lib.ModelConfig(image_shape=(28, 28)),
     r"image_shape must be a sequence of 3 ints or None, got \(28, 28\)"),
    (lambda: config_lib.LatentConfig(categorical=10), "categorical must be a sequence of ints"),
    (lambda: config_lib.LossConfig(continuous_std="learned"),
     "continuous_std must be a number or None, got 'learned'"),
    (lambda: config_lib.DataConfig(name=None), r"name \(--dataset\) must be a string, got None"),
])
def test_every_field_type_is_checked_when_a_config_is_made(make, message):
  with pytest.raises(config_lib.ConfigError, match=message):
    make()


def test_lists_and_numpy_numbers_are_accepted():
  import numpy as np  # pylint: disable=g-import-not-at-top
  latent = config_lib.LatentConfig(categorical=[10, 4], noise_dim=np.int64(8), noise_scale=1)
  assert latent.categorical == (10, 4) and type(latent.noise_dim) is int  # noqa: E721
  assert type(latent.noise_scale) is float  # noqa: E721
  train = config_lib.TrainConfig(workdir="/tmp/unused")
  assert config_lib.ExperimentConfig(latent=latent, train=train).validate().latent == latent


def test_config_json_keeps_the_first_training_machine_and_each_other_one(tmp_path):
  config = config_lib.ExperimentConfig(train=config_lib.TrainConfig(workdir=str(tmp_path)))
  epyc = {"cpu": "AMD EPYC", "isa": "AVX2", "cores": 2, "tensorflow": "2.21.0"}
  xeon = {"cpu": "Intel Xeon", "isa": "AMX", "cores": 2, "tensorflow": "2.21.0"}
  for machine in (epyc, epyc, xeon, xeon, epyc):
    config_lib.save_config(config, str(tmp_path), machine=machine)
  history = config_lib.load_history(str(tmp_path))
  assert history["machine"] == epyc and history["machines"] == [xeon]
  assert config_lib.load_config(str(tmp_path)) == config  # the record is not part of the config
