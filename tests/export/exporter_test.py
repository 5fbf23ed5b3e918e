"""Export -> reload -> compare with the in-memory models; the serving contract; bad requests."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig

from infogan_tf.serving import exporter
from infogan_tf.serving import signatures as sig
from infogan_tf.training import checkpointing
from infogan_tf.serving import warmup
from infogan_tf import config as config_lib
from infogan_tf import training
from infogan_tf.latent import LatentSpec
from tests import export_helpers, helpers


@pytest.fixture(scope="module")
def loaded(exported):
  return tf.saved_model.load(exported.path)


def _call(loaded, name, **inputs):
  fn = loaded.signatures[name]
  return {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in inputs.items()}).items()}


def test_layout_and_versions(exported, trained_workdir, monkeypatch):
  export_dir = os.path.dirname(exported.path)
  assert exported.version == 1 and os.path.basename(exported.path) == "1"
  assert os.path.exists(os.path.join(exported.path, "saved_model.pb"))
  assert os.path.exists(os.path.join(exported.path, "assets.extra", warmup.WARMUP_FILENAME))
  meta = json.load(open(os.path.join(exported.path, "assets.extra", exporter.CONFIG_ASSET)))
  assert meta["default_signature"] == "encode" and meta["checkpoint"].endswith("ckpt-4")
  text = open(os.path.join(export_dir, exporter.MODELS_CONFIG)).read()
  assert f"base_path: '{os.path.abspath(export_dir)}'" in text and "name: 'infogan'" in text
  # Two exports racing for one export_dir: while one writes, the other finishes first. They
  # become versions 2 and 3: the version is taken when the finished folder is renamed into
  # place, under a lock (it was taken before writing, and the second rename failed).
  write_warmup, first = warmup.write_warmup, []

  def meanwhile(*args, **kwargs):
    write_warmup(*args, **kwargs)
    if not first:
      first.append(None)
      first[0] = exporter.export_workdir(trained_workdir, export_dir)

  monkeypatch.setattr(warmup, "write_warmup", meanwhile)
  second = exporter.export_workdir(trained_workdir, export_dir)
  assert (first[0].version, second.version) == (2, 3)
  with pytest.raises(exporter.ExportError, match="never overwritten"):
    exporter.export_workdir(trained_workdir, export_dir, version=1)
  # no temp dirs; the lock file is hidden and not an integer (TF Serving ignores it)
  assert sorted(os.listdir(export_dir)) == [exporter.LOCK_FILENAME, "1", "2", "3",
                                            exporter.MODELS_CONFIG]


def test_signature_contract(loaded, exported, trained_workdir):
  """Inputs take any shape at the SavedModel level (each is checked inside, see the bad-input
  table test); the contract's shapes and dtypes are in the config asset."""
  config = config_lib.load_config(trained_workdir)
  keys = export_helpers.expected_outputs(ig.InfoGAN(config))
  assert set(loaded.signatures) == set(keys)
  h, w, c = config.model.image_shape
  expected_inputs = {
      "encode": {"images": ([None, h, w, c], tf.float32)},
      "encode_image_bytes": {"image_bytes": ([None], tf.string)},
      "generate": {"noise": ([None, 8], tf.float32), "categorical": ([None, 1], tf.int32),
                   "continuous": ([None, 2], tf.float32)},
      "sample": {"count": ([], tf.int32), "seed": ([], tf.int64)},
      "sample_with_codes": {"count": ([], tf.int32), "seed": ([], tf.int64),
                            "categorical": ([1], tf.int32), "continuous": ([2], tf.float32)},
      "invert": {"images": ([None, h, w, c], tf.float32)},
      "invert_with_settings": {"images": ([None, h, w, c], tf.float32),
                               "steps": ([], tf.int32), "restarts": ([], tf.int32),
                               "seed": ([], tf.int64)},
  }
  expected_inputs["serving_default"] = expected_inputs["encode"]
  meta = json.load(open(os.path.join(exported.path, "assets.extra", exporter.CONFIG_ASSET)))
  for name, fn in loaded.signatures.items():
    specs = fn.structured_input_signature[1]
    assert {k: s.dtype for k, s in specs.items()} == {
        k: v[1] for k, v in expected_inputs[name].items()}, name
    assert all(s.shape.rank is None for s in specs.values()), name
    if name != "serving_default":
      declared = meta["signatures"][name]
      assert declared["input_shapes"] == {k: [-1 if d is None else d for d in v[0]]
                                          for k, v in expected_inputs[name].items()}, name
    assert tuple(sorted(fn.structured_outputs)) == keys[name], name
  enc = loaded.signatures["encode"].structured_outputs
  assert enc["cat0"].dtype == tf.int32 and enc["cat0_probs"].shape.as_list() == [None, 4]
  assert enc["features"].shape.as_list() == [None, 1024]


def test_generate_and_encode_match_in_memory_models(loaded, trained_workdir):
  config, g, d = export_helpers.reload_models(trained_workdir)
  spec = LatentSpec(config.latent)
  s = spec.numpy_sample(5, seed=11)
  out = _call(loaded, "generate", noise=s.noise, categorical=np.stack(s.categorical, -1),
              continuous=s.continuous)
  want = g(spec.generator_input(s), training=False).numpy()  # mnist nets: already [0, 1]
  helpers.assert_same_network_output(out["images"], want)
  assert out["images"].shape == (5, 28, 28, 1) and out["images"].dtype == np.float32

  images = np.random.RandomState(0).uniform(0, 1, (6, 28, 28, 1)).astype(np.float32)
  enc = _call(loaded, "encode", images=images)
  ref = d(images, training=False)
  helpers.assert_same_network_output(enc["features"], ref.features.numpy())
  probs = tf.nn.softmax(ref.categorical_logits[0]).numpy()
  helpers.assert_same_network_output(enc["cat0_probs"], probs)
  np.testing.assert_array_equal(enc["cat0"], probs.argmax(-1))
  helpers.assert_same_network_output(enc["continuous_mean"], ref.continuous_mean.numpy())
  helpers.assert_same_network_output(enc["continuous_std"],
                                     np.exp(np.clip(ref.continuous_log_std.numpy(), -5, 2)))
  default = _call(loaded, "serving_default", images=images)
  np.testing.assert_allclose(default["features"], enc["features"])


def test_encode_image_bytes_matches_encode(loaded):
  rs = np.random.RandomState(1)
  images = rs.randint(0, 256, (3, 28, 28, 1)).astype(np.uint8)
  pngs = np.array([tf.io.encode_png(im).numpy() for im in images], dtype=object)
  from_bytes = _call(loaded, "encode_image_bytes", image_bytes=pngs)
  from_floats = _call(loaded, "encode", images=images.astype(np.float32) / 255.0)
  for k in from_floats:
    helpers.assert_same_network_output(from_bytes[k], from_floats[k], err_msg=k)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "JPEG", "PNG"])
@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_encode_image_bytes_takes_every_format_and_channel_count(loaded, fmt, mode):
  """A grey model reads grey, colour and alpha GIF/BMP/JPEG/PNG files (TensorFlow's decoder
  refuses GIF and BMP at 1 channel); colour is turned grey as tf.image.rgb_to_grayscale does."""
  import io  # pylint: disable=g-import-not-at-top
  from PIL import Image  # pylint: disable=g-import-not-at-top
  if fmt == "JPEG" and mode == "RGBA":
    pytest.skip("JPEG has no alpha")
  rs = np.random.RandomState(2)
  grey = rs.randint(0, 256, (28, 28)).astype(np.uint8)
  rgb = np.stack([grey, grey // 2, 255 - grey], -1)
  pixels = {"L": grey, "RGB": rgb, "RGBA": np.dstack([rgb, grey])}[mode]
  buffer = io.BytesIO()
  Image.fromarray(pixels, mode).save(buffer, fmt)
  data = buffer.getvalue()
  decoded = tf.io.decode_image(data, expand_animations=False).numpy()  # as the file holds it
  want = decoded[..., :1] if decoded.shape[-1] < 3 else tf.image.rgb_to_grayscale(
      decoded[..., :3]).numpy()
  from_bytes = _call(loaded, "encode_image_bytes", image_bytes=np.array([data], object))
  from_floats = _call(loaded, "encode", images=want[None].astype(np.float32) / 255.0)
  for k in from_floats:
    helpers.assert_same_network_output(from_bytes[k], from_floats[k], err_msg=k)


def test_sample_is_deterministic_and_consistent_with_generate(loaded):
  a = _call(loaded, "sample", count=np.int32(4), seed=np.int64(3))
  b = _call(loaded, "sample", count=np.int32(4), seed=np.int64(3))
  c = _call(loaded, "sample", count=np.int32(4), seed=np.int64(4))
  for k in a:
    np.testing.assert_array_equal(a[k], b[k])
  assert not np.allclose(a["noise"], c["noise"])
  assert a["images"].shape == (4, 28, 28, 1)
  assert a["categorical"].min() >= 0 and a["categorical"].max() < 4
  regen = _call(loaded, "generate", noise=a["noise"], categorical=a["categorical"],
                continuous=a["continuous"])
  helpers.assert_same_network_output(regen["images"], a["images"])


def test_sample_with_codes_fixes_given_codes(loaded):
  out = _call(loaded, "sample_with_codes", count=np.int32(6), seed=np.int64(0),
              categorical=np.array([2], np.int32),
              continuous=np.array([1.5, np.nan], np.float32))
  assert np.all(out["categorical"] == 2)
  assert np.all(out["continuous"][:, 0] == 1.5)
  assert len(set(out["continuous"][:, 1].tolist())) == 6  # drawn
  free = _call(loaded, "sample_with_codes", count=np.int32(6), seed=np.int64(0),
               categorical=np.array([-1], np.int32),
               continuous=np.array([np.nan, np.nan], np.float32))
  plain = _call(loaded, "sample", count=np.int32(6), seed=np.int64(0))
  np.testing.assert_array_equal(free["categorical"], plain["categorical"])


@pytest.mark.parametrize("name, inputs, error", [
    ("generate", dict(noise=np.zeros([2, 8], np.float32), categorical=np.array([[0], [4]],
                      np.int32), continuous=np.zeros([2, 2], np.float32)), "in \\[0, 4\\)"),
    ("generate", dict(noise=np.zeros([2, 8], np.float32), categorical=np.array([[0], [-1]],
                      np.int32), continuous=np.zeros([2, 2], np.float32)), "in \\[0, 4\\)"),
    ("generate", dict(noise=np.zeros([2, 8], np.float32), categorical=np.array([[0], [1]],
                      np.int32), continuous=np.full([2, 2], np.nan, np.float32)), "finite"),
    ("generate", dict(noise=np.zeros([3, 8], np.float32), categorical=np.array([[0], [1]],
                      np.int32), continuous=np.zeros([2, 2], np.float32)), "same batch"),
    ("encode", dict(images=np.full([1, 28, 28, 1], 255.0, np.float32)), "\\[0, 1\\]"),
    ("sample", dict(count=np.int32(0), seed=np.int64(0)), "count must be >= 1"),
    ("sample", dict(count=np.int32(5000), seed=np.int64(0)), "count must be <="),
    ("sample_with_codes", dict(count=np.int32(2), seed=np.int64(0),
                               categorical=np.array([7], np.int32),
                               continuous=np.zeros([2], np.float32)), "in \\[-1, 4\\)"),
])
def test_bad_requests_are_errors(loaded, name, inputs, error):
  with pytest.raises(tf.errors.InvalidArgumentError, match=error):
    _call(loaded, name, **inputs)


def test_wrong_shapes_and_dtypes_are_refused(loaded):
  with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError)):
    _call(loaded, "encode", images=np.zeros([1, 32, 32, 1], np.float32))
  with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError)):
    _call(loaded, "encode", images=np.zeros([1, 28, 28, 1], np.int32))
  with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError)):
    _call(loaded, "generate", noise=np.zeros([1, 9], np.float32),
          categorical=np.zeros([1, 1], np.int32), continuous=np.zeros([1, 2], np.float32))
  png = tf.io.encode_png(np.zeros([20, 20, 1], np.uint8)).numpy()
  with pytest.raises(tf.errors.InvalidArgumentError, match="28x28"):
    _call(loaded, "encode_image_bytes", image_bytes=np.array([png], dtype=object))


def _saved_model_cli():
  return os.path.join(os.path.dirname(sys.executable), "saved_model_cli")


def test_saved_model_cli_runs_generate_and_encode(exported, tmp_path):
  cli = _saved_model_cli()
  show = subprocess.run([cli, "show", "--dir", exported.path, "--all"], capture_output=True,
                        text=True, timeout=120)
  assert show.returncode == 0, show.stderr
  for name in ("generate", "encode", "sample", "serving_default"):
    assert f"signature_def['{name}']" in show.stdout
  np.save(tmp_path / "noise.npy", np.zeros([2, 8], np.float32))
  np.save(tmp_path / "cat.npy", np.array([[1], [3]], np.int32))
  np.save(tmp_path / "cont.npy", np.zeros([2, 2], np.float32))
  np.save(tmp_path / "images.npy", np.full([2, 28, 28, 1], 0.5, np.float32))
  runs = {
      "generate": f"noise={tmp_path}/noise.npy;categorical={tmp_path}/cat.npy;"
                  f"continuous={tmp_path}/cont.npy",
      "encode": f"images={tmp_path}/images.npy",
  }
  for name, inputs in runs.items():
    out_dir = tmp_path / f"out_{name}"
    proc = subprocess.run([cli, "run", "--dir", exported.path, "--tag_set", "serve",
                           "--signature_def", name, "--inputs", inputs, "--outdir",
                           str(out_dir)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = sorted(os.listdir(out_dir))
    if name == "generate":
      assert files == ["images.npy"]
      assert np.load(out_dir / "images.npy").shape == (2, 28, 28, 1)
    else:
      assert "cat0.npy" in files and np.load(out_dir / "features.npy").shape == (2, 1024)


def test_export_of_a_mirrored_run(tmp_path, mirrored_workdir):
  workdir = mirrored_workdir
  result = exporter.export_workdir(workdir, str(tmp_path / "m"))
  loaded = tf.saved_model.load(result.path)
  _, g, d = export_helpers.reload_models(workdir)
  images = np.full([2, 28, 28, 1], 0.3, np.float32)
  enc = _call(loaded, "encode", images=images)
  helpers.assert_same_network_output(enc["features"],
                                     d(images, training=False).features.numpy())
  out = _call(loaded, "sample", count=np.int32(3), seed=np.int64(1))
  assert out["images"].shape == (3, 28, 28, 1)


def test_export_without_checkpoint_is_clear(tmp_path):
  from infogan_tf import config as cl
  cl.save_config(helpers.tiny_config(str(tmp_path)), str(tmp_path))
  with pytest.raises(checkpointing.CheckpointError, match="no checkpoint"):
    exporter.export_workdir(str(tmp_path), str(tmp_path / "out"))


@pytest.mark.slow
def test_export_of_a_mixed_bfloat16_run(tmp_path):
  workdir = str(tmp_path / "w")
  config = helpers.with_parts(helpers.tiny_config(workdir, steps=2),
                              model=dict(precision="mixed_bfloat16"))
  training.train(config, stream=io.StringIO(), strategy=helpers.one_device_strategy())
  loaded = tf.saved_model.load(exporter.export_workdir(workdir, str(tmp_path / "m")).path)
  out = _call(loaded, "sample", count=np.int32(2), seed=np.int64(0))
  assert out["images"].dtype == np.float32 and out["images"].shape == (2, 28, 28, 1)
  enc = _call(loaded, "encode", images=out["images"])
  assert enc["cat0_probs"].dtype == np.float32
  np.testing.assert_allclose(enc["cat0_probs"].sum(-1), 1.0, rtol=1e-3)
  # Every signature takes and gives float32 wherever it has floats: TF Serving clients of a
  # bfloat16-trained model send and receive what they would for a float32 one.
  for name, function in loaded.signatures.items():
    specs = list(function.structured_input_signature[1].values())
    specs += list(function.structured_outputs.values())
    floats = {spec.name: spec.dtype for spec in specs if spec.dtype.is_floating}
    assert set(floats.values()) <= {tf.float32}, (name, floats)
  found = _call(loaded, "invert", images=out["images"])
  assert found["images"].dtype == np.float32 and np.all(np.isfinite(found["error"]))


@pytest.mark.parametrize("inputs, message", [
    (dict(count=np.int32(10 ** 9), seed=np.int64(0), categorical=np.array([0], np.int32),
          continuous=np.array([0.0, np.nan], np.float32)), "count must be <="),
    (dict(count=np.int32(2 ** 31 - 1), seed=np.int64(0), categorical=np.array([0], np.int32),
          continuous=np.array([0.0, np.nan], np.float32)), "count must be <="),
    (dict(count=np.int32(2), seed=np.int64(0), categorical=np.array([0], np.int32),
          continuous=np.array([np.inf, 0.0], np.float32)), "continuous codes must be finite"),
    (dict(count=np.int32(2), seed=np.int64(0), categorical=np.array([7], np.int32),
          continuous=np.array([0.0, 0.0], np.float32)), "categorical code 0 must be in"),
])
def test_sample_with_codes_checks_before_it_allocates(loaded, inputs, message):
  with helpers.peak_memory_growth() as grown:
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
      _call(loaded, "sample_with_codes", **inputs)
  assert grown["mib"] < 100, grown  # a 1e9-image request was not attempted


def test_a_generator_that_overflows_is_refused_not_answered_with_nan(trained_workdir):
  """Inputs are bounded, weights are not: a non-finite image is an error, never an answer."""
  functions = sig.ServingFunctions(ig.InfoGAN.from_workdir(trained_workdir))
  bias = [v for v in functions.generator.variables if "g_deconv_out/bias" in v.path][0]
  bias.assign(np.full(bias.shape, np.nan, np.float32))
  with pytest.raises(tf.errors.InvalidArgumentError, match="non-finite pixels"):
    functions.generate(tf.zeros([2, 8]), tf.zeros([2, 1], tf.int32), tf.zeros([2, 2]))
