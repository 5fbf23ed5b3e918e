"""tfds code paths, exercised with tfds.testing.mock_data (no download)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.data import tfds_images


@pytest.mark.parametrize("name, shape, num_classes, num_factors", [
    ("mnist", (28, 28, 1), 10, 0),
    ("fashion_mnist", (28, 28, 1), 10, 0),
    ("svhn_cropped", (32, 32, 3), 10, 0),
    ("celeb_a", (32, 32, 3), None, 40),
    ("dsprites", (64, 64, 1), 3, 5),
    ("shapes3d", (64, 64, 3), 4, 6),
])
def test_mock_tfds_sources(name, shape, num_classes, num_factors, tmp_path, monkeypatch):
  # Point the offline fallback away from a real install so the tfds path is exercised.
  monkeypatch.setenv("INFOGAN_FASHION_MNIST_DIR", str(tmp_path / "none"))
  cfg = config_lib.DataConfig(name=name, image_size=32)
  with tfds.testing.mock_data(num_examples=6):
    source = data_lib.load_source(cfg)
    batch = next(iter(source.dataset.batch(6)))
  assert source.image_shape == shape and source.num_classes == num_classes
  assert batch["image"].shape == (6, *shape) and batch["image"].dtype.name == "uint8"
  assert batch["factors"].shape == (6, num_factors)
  assert len(source.factor_names) == num_factors
  if num_classes:
    assert np.all((batch["label"].numpy() >= 0) & (batch["label"].numpy() < num_classes))


def test_tfds_failure_is_a_clear_data_error(tmp_path, monkeypatch):
  monkeypatch.setenv("INFOGAN_FASHION_MNIST_DIR", str(tmp_path / "none"))
  cfg = config_lib.DataConfig(name="fashion_mnist", data_dir=str(tmp_path / "tfds"))

  def no_network(*args, **kwargs):
    raise ConnectionError("network unreachable")

  monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", no_network)
  with pytest.raises(data_lib.DataError, match="dataset-fashion-mnist"):
    data_lib.load_source(cfg)


@pytest.mark.parametrize("name", ["dsprites", "shapes3d"])
def test_datasets_without_a_test_split_hold_out_a_fifth_of_train(name, monkeypatch):
  """Training reads train[20%:], evaluation ('test') train[:20%]: disjoint slices of tfds's
  only split (mock_data ignores slicing, so the check is on the splits asked for)."""
  asked = []
  real_load = tfds_images.load
  monkeypatch.setattr(tfds_images, "load",
                      lambda n, split, *a: asked.append(split) or real_load(n, split, *a))
  cfg = config_lib.DataConfig(name=name)
  with tfds.testing.mock_data(num_examples=10):
    data_lib.load_source(cfg)
    data_lib.load_source(cfg, split="test")
  assert asked == ["train[20%:]", "train[:20%]"]


def test_every_dataset_record_is_consistent():
  """One record per dataset (`infogan_tf.datasets`): the config's choices are its names, every
  kind has a loader, and the flags' rules follow the records."""
  from infogan_tf import datasets  # pylint: disable=g-import-not-at-top
  from infogan_tf.data import loaders  # pylint: disable=g-import-not-at-top
  choices = dict(config_lib.DataConfig.__dataclass_fields__)["name"].metadata["choices"]
  assert tuple(choices) == datasets.NAMES
  for record in datasets.DATASETS.values():
    assert record.kind in loaders.LOADERS, record.name
    assert not record.idx_classes or record.idx_first, record.name
    assert (record.label is None or record.kind == "tfds" or record.label == "label")
    for split, read in (record.held_out or {}).items():
      assert record.read_split(split) == read
    if record.needs_data_dir:
      with pytest.raises(config_lib.ConfigError, match="needs data_dir"):
        config_lib.DataConfig(name=record.name).validate()
  with pytest.raises(KeyError, match="unknown dataset 'nope'; known: procedural"):
    datasets.get("nope")
