"""Tests for the IDX reader on small written files."""

import gzip
import struct

import numpy as np
import pytest

from infogan_tf import config as config_lib
from infogan_tf import data as data_lib
from infogan_tf.data import idx


def write_idx(path, array, compress=False):
  codes = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}
  code = codes[array.dtype.type]
  be = array.astype(array.dtype.newbyteorder(">"))
  payload = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
  payload += be.tobytes()
  with (gzip.open if compress else open)(path, "wb") as f:
    f.write(payload)


def make_idx_dir(root, n=12, split_prefix="train", compress=True, size=28):
  images = np.random.RandomState(0).randint(0, 256, (n, size, size)).astype(np.uint8)
  labels = (np.arange(n) % 10).astype(np.uint8)
  ext = ".gz" if compress else ""
  write_idx(root / f"{split_prefix}-images-idx3-ubyte{ext}", images, compress)
  write_idx(root / f"{split_prefix}-labels-idx1-ubyte{ext}", labels, compress)
  return images, labels


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trip(tmp_path, compress):
  a = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5
  path = str(tmp_path / ("a.idx" + (".gz" if compress else "")))
  write_idx(path, a, compress)
  np.testing.assert_array_equal(idx.read_idx(path), a)
  f = np.linspace(0, 1, 5).astype(np.float32)
  write_idx(str(tmp_path / "f.idx"), f)
  np.testing.assert_allclose(idx.read_idx(str(tmp_path / "f.idx")), f)


def test_bad_files_are_clear(tmp_path):
  with pytest.raises(data_lib.DataError, match="not found"):
    idx.read_idx(str(tmp_path / "missing"))
  (tmp_path / "junk").write_bytes(b"\x01\x02\x03\x04hello")
  with pytest.raises(data_lib.DataError, match="magic"):
    idx.read_idx(str(tmp_path / "junk"))
  write_idx(str(tmp_path / "short"), np.zeros([4, 4], np.uint8))
  raw = (tmp_path / "short").read_bytes()
  (tmp_path / "short").write_bytes(raw[:-3])
  with pytest.raises(data_lib.DataError, match="payload"):
    idx.read_idx(str(tmp_path / "short"))


def test_load_split_with_labels(tmp_path):
  images, labels = make_idx_dir(tmp_path, split_prefix="t10k")
  source = idx.load(str(tmp_path), "test", name="fashion_mnist")
  assert source.image_shape == (28, 28, 1) and source.num_examples == 12
  assert source.num_classes == 10
  ex = next(iter(source.dataset.batch(12)))
  np.testing.assert_array_equal(ex["image"].numpy()[..., 0], images)
  np.testing.assert_array_equal(ex["label"].numpy(), labels)


def test_fashion_mnist_reads_idx_files_first_with_its_class_names(tmp_path):
  make_idx_dir(tmp_path)
  cfg = config_lib.DataConfig(name="fashion_mnist", data_dir=str(tmp_path))
  source = data_lib.load_source(cfg)
  assert source.name == "fashion_mnist" and source.origin == str(tmp_path)
  assert source.num_classes == 10 and source.class_names[9] == "Ankle boot"
  cfg = config_lib.DataConfig(name="idx", data_dir=str(tmp_path))
  assert data_lib.load_source(cfg).num_examples == 12


def test_missing_idx_dir_is_clear(tmp_path):
  cfg = config_lib.DataConfig(name="idx", data_dir=str(tmp_path / "nope"))
  with pytest.raises(data_lib.DataError, match="no IDX images"):
    data_lib.load_source(cfg)


def test_label_count_mismatch(tmp_path):
  make_idx_dir(tmp_path)
  write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros([3], np.uint8), True)
  with pytest.raises(data_lib.DataError, match="labels for 12 images"):
    idx.load(str(tmp_path), "train")


def test_truncated_gz_is_a_data_error(tmp_path):
  import gzip  # pylint: disable=g-import-not-at-top
  from infogan_tf.data import idx  # pylint: disable=g-import-not-at-top
  from infogan_tf.data.source import DataError  # pylint: disable=g-import-not-at-top
  path = tmp_path / "train-images-idx3-ubyte.gz"
  payload = gzip.compress(bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]) + bytes(8))
  path.write_bytes(payload[:len(payload) // 2])
  with pytest.raises(DataError, match="truncated or damaged"):
    idx.read_idx(str(path))
