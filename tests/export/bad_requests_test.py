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
    ("sample", dict(count=I32(10 ** 9), seed=I64(0)), "count must be <= 512"),
    ("sample", dict(count=I32(2 ** 31 - 1), seed=I64(0)),
     "count must be <= 512: sample takes at most 512 rows per request"),
    ("sample", dict(count=I32(513), seed=I64(0)), "count must be <= 512"),
    ("sample", dict(count=np.array([2], I32), seed=I64(0)),
     r"tensor count \[1\] is not compatible with expected shape \[\]"),
    ("sample", dict(count=I64(2), seed=I64(0)), "expected to be a int32 tensor"),
    ("sample_with_codes", dict(GOOD_CODES, count=I32(10 ** 9)), "count must be <= 512"),
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
    ("invert", dict(images=np.zeros([17, 28, 28, 1], F32)),
     "invert takes at most 16 images per request"),
    ("invert", dict(images=np.zeros([257, 28, 28, 1], F32)), "invert takes at most 16 images"),
    ("invert_with_settings", dict(GOOD_INVERT, steps=I32(-1)), "steps must be >= 0"),
    # the settings alone are over the work budget: no batch is small enough
    ("invert_with_settings", dict(GOOD_INVERT, steps=I32(10 ** 6)),
     r"invert_with_settings takes at most\] \[0\] \[images per request"),
    ("invert_with_settings", dict(GOOD_INVERT, steps=I32(2 ** 31 - 1)),
     r"takes at most\] \[0\]"),
    ("invert_with_settings", dict(GOOD_INVERT, restarts=I32(0)), "restarts must be >= 1"),
    ("invert_with_settings", dict(GOOD_INVERT, restarts=I32(2 ** 31 - 1)),
     r"takes at most\] \[0\]"),
    # the probe: every input at its old cap, 67 s and +931 MiB
    ("invert_with_settings", dict(images=np.zeros([256, 28, 28, 1], F32), steps=I32(1000),
                                  restarts=I32(64), seed=I64(0)), r"takes at most\] \[0\]"),
    ("invert_with_settings", dict(GOOD_INVERT, images=np.zeros([19, 28, 28, 1], F32),
                                  steps=I32(50), restarts=I32(16)),
     r"takes at most\] \[18\] \[images per request at these steps and restarts"),
    ("generate", dict(noise=np.zeros([16384, 8], F32), categorical=np.zeros([16384, 1], I32),
                      continuous=np.zeros([16384, 2], F32)),
     "generate takes at most 512 rows per request"),
    ("encode", dict(images=np.zeros([641, 28, 28, 1], F32)),
     "encode takes at most 640 images per request"),
    # refused by their count before any file is looked at
    ("encode_image_bytes", dict(image_bytes=np.array([b"x"] * 641, object)),
     "encode_image_bytes takes at most 640 images per request"),
    ("encode_image_bytes", dict(image_bytes=np.array([b"BM" + b"\0" * (1 << 20)], object)),
     r"image_bytes: the file is larger than an image of the served size needs to be"),
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


# ---- work budgets: a request at its signature's cap costs bounded memory ------------------------

def _generate(rows):
  return dict(noise=np.zeros([rows, 8], F32), categorical=np.zeros([rows, 1], I32),
              continuous=np.zeros([rows, 2], F32))


def _invert(images, steps, restarts):
  return dict(images=np.full([images, 28, 28, 1], 0.5, F32), steps=I32(steps),
              restarts=I32(restarts), seed=I64(0))


AT_CAP = [  # signature, the request at its cap, a small request of the same kind (the warm-up)
    ("generate", _generate(512), _generate(1)),
    ("sample", dict(count=I32(512), seed=I64(0)), dict(count=I32(1), seed=I64(0))),
    ("sample_with_codes", dict(GOOD_CODES, count=I32(512)), GOOD_CODES),
    ("encode", dict(images=np.full([640, 28, 28, 1], 0.5, F32)), dict(images=ONE_IMAGE)),
    ("encode_image_bytes", dict(image_bytes=np.array([_png(28, 28)] * 640, object)),
     dict(image_bytes=np.array([_png(28, 28)], object))),
    ("invert", dict(images=np.full([16, 28, 28, 1], 0.5, F32)), dict(images=ONE_IMAGE)),
    ("invert_with_settings", _invert(18, 50, 16), _invert(1, 1, 1)),
    # the most restarts a batch of one may have (its memory: R images at once)
    ("invert_with_settings", _invert(1, 0, 512), _invert(1, 1, 1)),
    # the most steps one image may take
    ("invert_with_settings", _invert(1, 239, 1), _invert(1, 1, 1)),
]


@pytest.mark.parametrize("name, inputs, small", AT_CAP,
                         ids=[f"{a[0]}-{i}" for i, a in enumerate(AT_CAP)])
def test_a_request_at_its_cap_is_answered_within_64_mib(loaded, name, inputs, small):
  """The caps (serving.budgets) keep one request within ~64 MiB above the process (the issue's
  figure; measured on this net: 38-50 MiB at the caps, docs/serving.md). Warmed by a small
  request first: the first call of a signature allocates TensorFlow's caches once."""
  _call(loaded, name, small)
  with helpers.peak_memory_growth() as grown:
    out = _call(loaded, name, inputs)
  rows = int(inputs["count"]) if "count" in inputs else len(next(iter(inputs.values())))
  assert all(v.shape[0] == rows for v in out.values())
  assert grown["mib"] < 64, grown


def test_one_more_than_the_cap_is_refused(loaded):
  over = [("generate", _generate(513)), ("invert_with_settings", _invert(1, 240, 1)),
          ("invert_with_settings", _invert(1, 0, 513))]
  for name, inputs in over:
    with pytest.raises(tf.errors.InvalidArgumentError, match="takes at most"):
      _call(loaded, name, inputs)


def test_the_caps_are_in_the_contract_file(exported):
  import json  # pylint: disable=g-import-not-at-top
  import os  # pylint: disable=g-import-not-at-top
  with open(os.path.join(exported.path, "assets.extra", "infogan_config.json")) as f:
    budgets = json.load(f)["budgets"]
  assert {k: budgets[k] for k in ("generate", "encode", "invert")} == dict(
      generate=512, encode=640, invert=16)
  assert budgets["generator_activations"] == 67360
