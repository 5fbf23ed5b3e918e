"""Tests for the image-folder source."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import data as data_lib
from infogan_tf.data import folder


def _write(path, array):
  path.parent.mkdir(parents=True, exist_ok=True)
  path.write_bytes(tf.io.encode_png(array).numpy())


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.parametrize("channels", [1, 3])
def test_gif_and_bmp_of_any_channels_load(tmp_path, channels):
  """TensorFlow's decoder refuses GIF and BMP at 1 channel; the folder source converts."""
  import io  # pylint: disable=g-import-not-at-top
  from PIL import Image  # pylint: disable=g-import-not-at-top
  rs = np.random.RandomState(0)
  grey = rs.randint(0, 256, (20, 20)).astype(np.uint8)
  for i, (fmt, mode, pixels) in enumerate([("GIF", "L", grey), ("BMP", "L", grey),
                                           ("GIF", "RGB", np.stack([grey] * 3, -1)),
                                           ("BMP", "RGBA", np.stack([grey] * 4, -1))]):
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, fmt)
    (tmp_path / f"{i}.{fmt.lower()}").write_bytes(buffer.getvalue())
  source = folder.load(str(tmp_path), image_size=20, channels=channels)
  batch = next(iter(source.dataset.batch(4)))["image"].numpy()
  assert batch.shape == (4, 20, 20, channels)
  for image in batch:  # grey in every file: every channel holds the same grey pixels
    np.testing.assert_allclose(image, np.repeat(grey[..., None], channels, -1), atol=1)


@pytest.mark.slow
def test_an_image_too_large_to_decode_is_named(tmp_path):
  from tests import helpers  # pylint: disable=g-import-not-at-top
  for i in range(2):
    (tmp_path / f"{i}.png").write_bytes(tf.io.encode_png(np.zeros([8, 8, 1], np.uint8)).numpy())
  (tmp_path / "huge.png").write_bytes(helpers.huge_png())  # 0.4 MB of 20000 x 20000 pixels
  source = folder.load(str(tmp_path), 8, 1)
  with pytest.raises(data_lib.DataError,
                     match=r"huge\.png .*at most 100000000 pixels are decoded"):
    data_lib.first_images(source, 3, (0.0, 1.0))
