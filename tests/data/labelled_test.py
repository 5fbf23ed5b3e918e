"""Tests for the labelled subset of ss-InfoGAN runs (infogan_tf.data.labelled)."""

import json
import os

import numpy as np
import pytest

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.data import labelled
from tests import helpers


def _ss(**kw):
  base = dict(codes=(0,), label_columns=("label",), labels_per_class=3)
  base.update(kw)
  return config_lib.SemiSupervisedConfig(**base)


def test_balanced_seeded_draw():
  labels = np.repeat(np.arange(4), 50)  # 4 classes x 50
  a = labelled.select(labels, _ss(label_seed=1))
  assert np.bincount(labels[a]).tolist() == [3, 3, 3, 3]
  np.testing.assert_array_equal(a, labelled.select(labels, _ss(label_seed=1)))
  assert not np.array_equal(a, labelled.select(labels, _ss(label_seed=2)))
  assert np.all(np.diff(a) > 0)


def test_fraction_draw_skips_unlabelled_rows():
  labels = np.array([-1] * 10 + [0, 1] * 10)
  chosen = labelled.select(labels, _ss(labels_per_class=0, labelled_fraction=0.5))
  assert len(chosen) == 10 and np.all(labels[chosen] >= 0)


def test_too_few_images_in_a_class():
  labels = np.array([0] * 10 + [1] * 2)
  with pytest.raises(data_lib.DataError, match="class 1 has only 2 labelled"):
    labelled.select(labels, _ss(labels_per_class=3))


@pytest.mark.slow
def test_columns_and_value_errors():
  source = data_lib.load_source(config_lib.DataConfig(name="procedural", num_examples=64))
  values = labelled.read_columns(source, ["label", "shape", "scale"])
  np.testing.assert_array_equal(values[:, 0], values[:, 1])  # label == shape factor
  with pytest.raises(data_lib.DataError, match="no label column 'colour'.*'shape'"):
    labelled.read_columns(source, ["colour"])
  with pytest.raises(data_lib.DataError, match="'scale' does not hold class indices"):
    labelled.check_class_values(values[:, [2]], ["scale"], [4])
  with pytest.raises(data_lib.DataError, match="out of range for its semi-supervised code of 3"):
    labelled.check_class_values(values[:, [1]], ["shape"], [3])


@pytest.mark.slow
def test_subset_written_and_checked_on_resume(tmp_path):
  config = helpers.tiny_ss_config(str(tmp_path))
  source = data_lib.load_source(config.data)
  ds = labelled.prepare(source, config, write=True)
  rec = json.loads((tmp_path / labelled.LABELLED_FILENAME).read_text())
  assert rec["num_labelled"] == 8 and rec["class_counts"] == {"0": 2, "1": 2, "2": 2, "3": 2}
  assert rec["class_names"] == {"shape": ["shape=0", "shape=1", "shape=2", "shape=3"]}
  examples = list(ds.as_numpy_iterator())
  assert len(examples) == 8
  assert sorted(int(e["labels"][0]) for e in examples) == [0, 0, 1, 1, 2, 2, 3, 3]
  labels = labelled.read_columns(source, ["shape"])[:, 0]
  np.testing.assert_array_equal(labels[rec["indices"]], [r[0] for r in rec["labels"]])
  labelled.prepare(source, config, write=True)  # same draw on resume: accepted
  other = data_lib.load_source(helpers.with_parts(config, data=dict(num_examples=600)).data)
  with pytest.raises(data_lib.DataError, match="differs from the one recorded"):
    labelled.prepare(other, config, write=True)


@pytest.mark.slow
def test_folder_with_unlabelled_subfolder(tmp_path):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  rs = np.random.RandomState(0)
  for folder, n in (("cats", 3), ("dogs", 4), ("unlabelled", 5)):
    os.makedirs(tmp_path / folder)
    for i in range(n):
      png = tf.io.encode_png(rs.randint(0, 255, [12, 12, 1]).astype(np.uint8)).numpy()
      (tmp_path / folder / f"{i}.png").write_bytes(png)
  source = data_lib.load_source(config_lib.DataConfig(name="folder", data_dir=str(tmp_path),
                                                      image_size=8))
  assert source.num_classes == 2 and source.class_names == ("cats", "dogs")
  values = labelled.read_columns(source, ["label"])[:, 0]
  assert sorted(values.tolist()) == [-1] * 5 + [0] * 3 + [1] * 4
  chosen = labelled.select(values.astype(int), _ss(labels_per_class=2))
  assert sorted(values[chosen].tolist()) == [0, 0, 1, 1]
  renamed = data_lib.load_source(config_lib.DataConfig(
      name="folder", data_dir=str(tmp_path), image_size=8, unlabelled_folder="dogs"))
  assert renamed.class_names == ("cats", "unlabelled")
