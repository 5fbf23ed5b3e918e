"""Tests for the image-folder source."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import data as data_lib
from infogan_tf.data import folder


def _write(path, array):
  path.parent.mkdir(parents=True, exist_ok=True)
  path.write_bytes(tf.io.encode_png(array).numpy())


def test_class_subfolders_become_labels(tmp_path):
  rs = np.random.RandomState(0)
  for cls in ("cats", "dogs"):
    for i in range(3):
      _write(tmp_path / cls / f"{i}.png", rs.randint(0, 256, (40, 50, 3)).astype(np.uint8))
  source = folder.load(str(tmp_path), image_size=32, channels=1)
  assert source.num_classes == 2 and source.num_examples == 6
  batch = next(iter(source.dataset.batch(6)))
  assert batch["image"].shape == (6, 32, 32, 1) and batch["image"].dtype == tf.uint8
  assert sorted(batch["label"].numpy().tolist()) == [0, 0, 0, 1, 1, 1]


def test_flat_folder_has_no_labels(tmp_path):
  _write(tmp_path / "a.png", np.zeros((8, 8, 1), np.uint8))
  source = folder.load(str(tmp_path), image_size=16, channels=3)
  ex = next(iter(source.dataset))
  assert ex["image"].shape == (16, 16, 3) and int(ex["label"]) == -1
  assert source.num_classes is None


def test_empty_or_missing_folder(tmp_path):
  with pytest.raises(data_lib.DataError, match="no images"):
    folder.load(str(tmp_path), 16, 1)
  with pytest.raises(data_lib.DataError, match="not found"):
    folder.load(str(tmp_path / "x"), 16, 1)


def test_corrupt_image_is_named(tmp_path):
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf.data import folder  # pylint: disable=g-import-not-at-top
  for i in range(3):
    (tmp_path / f"{i}.png").write_bytes(tf.io.encode_png(np.zeros([8, 8, 1], np.uint8)).numpy())
  (tmp_path / "1.png").write_bytes(b"\x89PNG not really")
  source = folder.load(str(tmp_path), 8, 1)
  with pytest.raises(data_lib.DataError, match=r"cannot decode image .*1\.png"):
    data_lib.first_images(source, 3, (0.0, 1.0))
