"""`precision='auto'`: the choice for each kind of device (from described features, not this
machine's), the resume rule, and the choice on the start line and in config.json."""

import dataclasses
import io
import json
import os

import pytest

from infogan_tf import config as config_lib
from infogan_tf import precision, training
from tests import helpers

AVX2_EPYC = frozenset({"sse4_2", "avx", "avx2", "fma", "f16c"})
ZEN4 = AVX2_EPYC | {"avx512f", "avx512bw", "avx512_bf16"}
SAPPHIRE_RAPIDS = AVX2_EPYC | {"avx512f", "amx_tile", "amx_bf16", "amx_int8"}
COOPER_LAKE_NO_BF16_IN_VM = AVX2_EPYC | {"avx512f", "avx512bw", "avx512_vnni"}


@pytest.mark.parametrize("devices, expected, why", [
    (precision.Devices(AVX2_EPYC), "float32", "CPU without AVX512_BF16 or AMX"),
    (precision.Devices(COOPER_LAKE_NO_BF16_IN_VM), "float32", "CPU without AVX512_BF16"),
    (precision.Devices(ZEN4), "mixed_bfloat16", "CPU with AVX512_BF16"),
    (precision.Devices(SAPPHIRE_RAPIDS), "mixed_bfloat16", "CPU with AMX_BF16"),
    (precision.Devices(AVX2_EPYC, ((8, 0),)), "mixed_bfloat16", "compute capability 8.0"),
    (precision.Devices(AVX2_EPYC, ((9, 0), (8, 6))), "mixed_bfloat16", "9.0, 8.6"),
    # A T4 (Colab's): float16 tensor cores, no fast bfloat16.
    (precision.Devices(AVX2_EPYC, ((7, 5),)), "mixed_float16", "7.5 (7.x: float16 tensor cores"),
    # A V100 beside an A100: the step runs on both, so the older one decides.
    (precision.Devices(ZEN4, ((8, 0), (7, 0))), "mixed_float16", "8.0, 7.0 (7.x"),
    (precision.Devices(AVX2_EPYC, ((6, 0),)), "float32", "6.0 (< 7.0: no tensor cores)"),
    (precision.Devices(AVX2_EPYC, (), tpus=8), "mixed_bfloat16", "8 TPU core(s)"),
])
def test_auto_chooses_a_precision_the_training_devices_run_fast(devices, expected, why):
  chosen, reason = precision.choose(devices)
  assert chosen == expected and why in reason, reason


def test_resolve_keeps_a_configured_precision_and_a_resumed_run_s():
  zen4 = precision.Devices(ZEN4)
  assert precision.resolve("float32", None, zen4) == ("float32", "configured")
  assert precision.resolve("auto", None, zen4)[0] == "mixed_bfloat16"
  # A run started as float32 elsewhere resumes as float32 on a bfloat16 machine, and back.
  assert precision.resolve("auto", "float32", zen4)[0] == "float32"
  assert precision.resolve("auto", "mixed_bfloat16", precision.Devices(AVX2_EPYC))[0] == (
      "mixed_bfloat16")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
  cpuinfo = tmp_path / "cpuinfo"
  cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\n")
  assert precision._cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512_bf16"}
  assert precision._cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_a_fresh_auto_run_records_its_choice_and_a_resume_keeps_it(tmp_path):
  workdir = str(tmp_path / "w")
  config = helpers.with_parts(helpers.tiny_config(workdir, steps=2),
                              model=dict(precision="auto"))
  expected, reason = precision.choose(precision.detect())  # this machine's, whatever it is
  stream = io.StringIO()
  training.train(config, stream=stream, strategy=helpers.one_device_strategy())
  assert f"precision {expected} (auto: {reason})" in stream.getvalue()
  with open(os.path.join(workdir, config_lib.CONFIG_FILENAME)) as f:
    record = json.load(f)
  assert record["model"]["precision"] == expected
  assert record["precision_choice"] == {"requested": "auto", "precision": expected,
                                        "reason": f"auto: {reason}"}
  assert config_lib.load_config(workdir).model.precision == expected

  # Pretend the run started with the other precision (a checkpoint holds float32 variables
  # either way): a resumed 'auto' run continues with it, and says so.
  other = "float32" if expected == "mixed_bfloat16" else "mixed_bfloat16"
  record["model"]["precision"] = other
  with open(os.path.join(workdir, config_lib.CONFIG_FILENAME), "w") as f:
    json.dump(record, f)
  stream = io.StringIO()
  resumed = training.train(helpers.with_parts(config, train=dict(steps=3)), stream=stream,
                           strategy=helpers.one_device_strategy())
  assert f"precision {other} (auto: the precision the run started with); resumed at step 2" in (
      stream.getvalue())
  assert resumed.config.model.precision == other
  with open(os.path.join(workdir, config_lib.CONFIG_FILENAME)) as f:
    assert json.load(f)["precision_choice"]["reason"] == f"auto: {reason}"  # the first choice

  # Naming the other precision explicitly on resume is refused, as any model change is.
  with pytest.raises(config_lib.ConfigError, match="different model config.*precision"):
    training.train(helpers.with_parts(config, model=dict(precision=expected),
                                      train=dict(steps=4)),
                   stream=io.StringIO(), strategy=helpers.one_device_strategy())


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "float32"])
def test_the_outputs_the_losses_read_compute_in_float32_under_a_mixed_policy(policy):
  """D's logit, the Q head and G's output layer compute in float32 under mixed_bfloat16 (the
  trunk and G's body in bfloat16); under float32 everything is float32."""
  from infogan_tf.models import build_models  # pylint: disable=g-import-not-at-top
  config = helpers.tiny_config("/tmp/unused")
  config = config.replace(model=dataclasses.replace(config.model, precision=policy))
  generator, discriminator = build_models(config)
  low = "bfloat16" if policy == "mixed_bfloat16" else "float32"
  full = {layer.name for layer in discriminator.d_head + discriminator.q_head}
  full |= {"g_deconv_out", "g_out"}
  for layer in generator.stack + discriminator.trunk + discriminator.d_head + discriminator.q_head:
    assert layer.compute_dtype == ("float32" if layer.name in full else low), layer.name
    if layer.weights:
      assert all(w.dtype == "float32" for w in layer.weights), layer.name


@pytest.mark.numerics
def test_under_mixed_bfloat16_q_is_the_float32_head_of_the_bfloat16_features():
  """Q's outputs equal the float32 head applied to the trunk's bfloat16-rounded features: the
  only bfloat16 rounding before the losses is the trunk's. Tolerance: both sides compute the
  same float32 head on identical inputs; oneDNN and Eigen may order its sums differently,
  ~1e-6 relative for 1024-term dot products in float32 (2^-24 * sqrt(1024) * a few)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf.models import architectures, build_models  # pylint: disable=g-import-not-at-top
  config = helpers.tiny_config("/tmp/unused")
  config = config.replace(model=dataclasses.replace(config.model, precision="mixed_bfloat16"))
  _, discriminator = build_models(config)
  images = tf.random.stateless_uniform([8, 28, 28, 1], [1, 2])
  out = discriminator(images, training=False)
  feats = discriminator.features(images, False)
  assert feats.dtype == tf.bfloat16
  params = architectures.apply_layers(discriminator.q_head, tf.cast(feats, tf.float32), False)
  np.testing.assert_allclose(out.categorical_logits[0].numpy(), params[:, :4].numpy(),
                             rtol=1e-5, atol=1e-6)


def test_mixed_float16_trains_with_dynamic_loss_scaling_on_cpu():
  """A few float16 steps (CPU kernels: correctness, not speed): the default optimizers are loss
  scaled; from a scale of 2^40, whose gradients overflow float16 (max 65504), the overflowing
  steps are skipped and the scale halves until the gradients fit, and every loss and weight
  stays finite."""
  import keras  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from infogan_tf.model import InfoGAN  # pylint: disable=g-import-not-at-top
  from infogan_tf.optimization.fused_adam import FusedAdam  # pylint: disable=g-import-not-at-top
  config = helpers.tiny_config("/tmp/unused", steps=6)
  config = config.replace(model=dataclasses.replace(config.model, precision="mixed_float16"))
  default = InfoGAN(config)
  default.compile()
  assert isinstance(default.g_optimizer, keras.optimizers.LossScaleOptimizer)
  assert isinstance(default.d_optimizer, keras.optimizers.LossScaleOptimizer)
  assert default.discriminator.trunk[0].compute_dtype == "float16"
  model = InfoGAN(config)
  start = 2.0 ** 40
  model.compile(*(keras.optimizers.LossScaleOptimizer(FusedAdam(learning_rate=2e-4),
                                                      initial_scale=start) for _ in range(2)))
  history = model.fit(model.training_dataset(), steps_per_epoch=6, epochs=1, verbose=0)
  for optimizer in (model.g_optimizer, model.d_optimizer):
    scale = float(optimizer.dynamic_scale.numpy())
    assert scale < start and np.log2(scale) == int(np.log2(scale)), scale  # halved k times
  assert all(np.isfinite(v).all() for v in history.history.values())
  assert all(np.isfinite(w.numpy()).all() for w in model.generator.weights
             + model.discriminator.weights)
