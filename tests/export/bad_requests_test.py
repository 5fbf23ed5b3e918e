"""Every signature against a table of bad inputs: an INVALID_ARGUMENT error that names the
input, no crash, no memory spike (the tiny exported model: noise 8, Cat(4), 2 continuous codes,
28x28x1 images)."""

import numpy as np
import pytest
import tensorflow as tf

from tests import helpers, image_bombs

F32, I32, I64 = np.float32, np.int32, np.int64
GOOD_GENERATE = dict(noise=np.zeros([2, 8], F32), categorical=np.zeros([2, 1], I32),
                     continuous=np.zeros([2, 2], F32))
ONE_IMAGE = np.full([1, 28, 28, 1], 0.5, F32)
GOOD_INVERT = dict(images=ONE_IMAGE, steps=I32(2), restarts=I32(2), seed=I64(0))
GOOD_CODES = dict(count=I32(2), seed=I64(0), categorical=np.array([0], I32),
                  continuous=np.array([0.0, 0.0], F32))


def _png(h, w):
  return tf.io.encode_png(np.zeros([h, w, 1], np.uint8)).numpy()


HUGE_PNG = helpers.huge_png()


BAD = [
    # signature, inputs, message
    ("encode", dict(images=np.zeros([1, 32, 32, 1], F32)),
     r"tensor images \[1,32,32,1\] is not compatible with expected shape \[\?,28,28,1\]"),
    ("encode", dict(images=np.zeros([1, 28, 28], F32)),
     r"tensor images \[1,28,28\] is not compatible with expected shape \[\?,28,28,1\]"),
    ("encode", dict(images=np.zeros([28, 28, 1, 1, 1], F32)),
     r"tensor images \[28,28,1,1,1\] is not compatible with expected shape \[\?,28,28,1\]"),
    ("encode", dict(images=np.full([1, 28, 28, 1], np.nan, F32)), "images must be finite"),
    ("encode", dict(images=np.full([1, 28, 28, 1], 255.0, F32)),
     r"encode expects float pixels in \[0, 1\]"),
    ("encode", dict(images=np.zeros([1, 28, 28, 1], I32)), "expected to be a float tensor"),
    ("encode_image_bytes", dict(image_bytes=np.array([_png(32, 32)], object)),
     "image_bytes must decode to 28x28 images"),
    # 0.4 MB that decodes to 400 MB: refused from its header, before decoding
    ("encode_image_bytes", dict(image_bytes=np.array([HUGE_PNG], object)),
     "image_bytes must decode to 28x28 images, got.*20000.*x.*20000"),
    # a header that claims 4e8 pixels over a few bytes of data: its chunks run past its end
    ("encode_image_bytes", dict(image_bytes=np.array([HUGE_PNG[:33] + b"\0" * 30], object)),
     "image_bytes: the file is truncated or malformed"),
    ("encode_image_bytes", dict(image_bytes=np.array([[_png(28, 28)]], object)),
     r"tensor image_bytes \[1,1\] is not compatible with expected shape \[\?\]"),
    ("generate", dict(GOOD_GENERATE, noise=np.zeros([2, 5], F32)),
     r"tensor noise \[2,5\] is not compatible with expected shape \[\?,8\]"),
    ("generate", dict(GOOD_GENERATE, categorical=np.zeros([2], I32)),
     r"tensor categorical \[2\] is not compatible with expected shape \[\?,1\]"),
    ("generate", dict(GOOD_GENERATE, categorical=np.full([2, 1], 4, I32)),
     r"categorical code 0 must be in \[0, 4\)"),
    ("generate", dict(GOOD_GENERATE, categorical=np.full([2, 1], -1, I32)),
     r"categorical code 0 must be in \[0, 4\)"),
    ("generate", dict(GOOD_GENERATE, noise=np.full([2, 8], np.nan, F32)), "noise must be finite"),
    ("generate", dict(GOOD_GENERATE, continuous=np.full([2, 2], np.inf, F32)),
     "continuous must be finite"),
    ("generate", dict(GOOD_GENERATE, noise=np.zeros([3, 8], F32)), "same batch size"),
    # finite but far outside the priors (1e38 made every pixel NaN)
    ("generate", dict(GOOD_GENERATE, noise=np.full([2, 8], 1e38, F32)),
     r"noise must lie in \[-10000, 10000\]"),
    ("generate", dict(GOOD_GENERATE, continuous=np.full([2, 2], -1e38, F32)),
     r"continuous must lie in \[-10000, 10000\]"),
    ("sample", dict(count=I32(0), seed=I64(0)), "count must be >= 1"),
    ("sample", dict(count=I32(10 ** 9), seed=I64(0)), "count must be <= 1024"),
    ("sample", dict(count=I32(2 ** 31 - 1), seed=I64(0)), "count must be <= 1024"),
    ("sample", dict(count=np.array([2], I32), seed=I64(0)),
     r"tensor count \[1\] is not compatible with expected shape \[\]"),
    ("sample", dict(count=I64(2), seed=I64(0)), "expected to be a int32 tensor"),
    ("sample_with_codes", dict(GOOD_CODES, count=I32(10 ** 9)), "count must be <= 1024"),
    ("sample_with_codes", dict(GOOD_CODES, continuous=np.array([np.inf, 0.0], F32)),
     r"continuous codes must be finite \(NaN = draw\)"),
    ("sample_with_codes", dict(GOOD_CODES, continuous=np.array([1e38, np.nan], F32)),
     r"continuous must lie in \[-10000, 10000\]"),
    ("sample_with_codes", dict(GOOD_CODES, categorical=np.array([9], I32)),
     r"categorical code 0 must be in \[-1, 4\)"),
    ("sample_with_codes", dict(GOOD_CODES, categorical=np.array([0, 0], I32)),
     r"tensor categorical \[2\] is not compatible with expected shape \[1\]"),
    ("invert", dict(images=np.full([1, 28, 28, 1], np.nan, F32)), "images must be finite"),
    ("invert", dict(images=np.full([1, 28, 28, 1], 255.0, F32)),
     r"invert expects float pixels in \[0, 1\]"),
    ("invert", dict(images=np.zeros([1, 32, 32, 1], F32)),
     r"tensor images \[1,32,32,1\] is not compatible with expected shape \[\?,28,28,1\]"),
    ("invert", dict(images=np.zeros([257, 28, 28, 1], F32)), "invert takes at most 256 images"),
    ("invert_with_settings", dict(GOOD_INVERT, steps=I32(-1)), "steps must be >= 0"),
    ("invert_with_settings", dict(GOOD_INVERT, steps=I32(10 ** 6)), "steps must be <= 1000"),
    ("invert_with_settings", dict(GOOD_INVERT, restarts=I32(0)), "restarts must be >= 1"),
    ("invert_with_settings", dict(GOOD_INVERT, restarts=I32(2 ** 31 - 1)),
     "restarts must be <= 64"),
    ("invert_with_settings", dict(GOOD_INVERT, images=np.full([1, 28, 28, 1], -3.0, F32)),
     r"invert expects float pixels in \[0, 1\]"),
]


@pytest.fixture(scope="module")
def loaded(exported):
  return tf.saved_model.load(exported.path)


def _call(loaded, name, inputs):
  return loaded.signatures[name](**{k: tf.constant(v) for k, v in inputs.items()})


@pytest.mark.parametrize("name, inputs, message", BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_invalid_argument(loaded, name, inputs, message):
  with helpers.peak_memory_growth() as grown:
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
      _call(loaded, name, inputs)
  assert grown["mib"] < 100, grown  # refused before anything of the request's size


def test_every_signature_has_bad_input_rows(loaded):
  covered = {row[0] for row in BAD}
  assert set(loaded.signatures) - {"serving_default"} <= covered


@pytest.mark.parametrize("name, inputs", [
    ("encode", dict(images=np.zeros([0, 28, 28, 1], F32))),
    ("encode_image_bytes", dict(image_bytes=np.zeros([0], object))),
    ("invert", dict(images=np.zeros([0, 28, 28, 1], F32))),
    ("generate", dict(noise=np.zeros([0, 8], F32), categorical=np.zeros([0, 1], I32),
                      continuous=np.zeros([0, 2], F32))),
])
def test_batch_zero_returns_empty_outputs(loaded, name, inputs):
  out = _call(loaded, name, inputs)
  assert out and all(v.shape[0] == 0 for v in out.values())


def test_the_largest_latent_values_still_give_finite_images(loaded):
  limit = 1e4  # signatures.LATENT_LIMIT
  sign = np.array([[1.0], [-1.0]])
  out = _call(loaded, "generate", dict(noise=(limit * sign * np.ones([2, 8])).astype(F32),
                                       categorical=np.zeros([2, 1], I32),
                                       continuous=(-limit * sign * np.ones([2, 2])).astype(F32)))
  assert np.all(np.isfinite(out["images"].numpy()))


@pytest.mark.parametrize("name", sorted(image_bombs.BOMBS))
def test_image_bombs_cost_the_saved_model_bounded_memory_and_time(loaded, name):
  """The checks live in the SavedModel's graph: TF Serving has no explorer in front of it."""
  import time  # pylint: disable=g-import-not-at-top
  build, refusal = image_bombs.BOMBS[name]
  data = np.array([build()], object)
  _call(loaded, "encode_image_bytes", dict(image_bytes=np.array([_png(28, 28)], object)))
  with helpers.peak_memory_growth() as grown:
    start = time.perf_counter()
    if refusal is None:
      out = _call(loaded, "encode_image_bytes", dict(image_bytes=data))
      assert out["images"].shape == (1, 28, 28, 1)
    else:
      with pytest.raises(tf.errors.InvalidArgumentError, match=refusal):
        _call(loaded, "encode_image_bytes", dict(image_bytes=data))
    seconds = time.perf_counter() - start
  assert grown["mib"] < 64, grown
  assert seconds < 1.0, seconds
