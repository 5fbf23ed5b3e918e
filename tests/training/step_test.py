"""Tests for the distributed train step (2 logical CPU replicas)."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from benchmarks import step_numerics
from infogan_tf import data as data_lib
from infogan_tf.training import step as train_step
from infogan_tf.latent import LatentSpec
from tests import helpers


def _setup(strategy, config):
  state = train_step.create_state(config, strategy)
  source = data_lib.load_source(config.data)
  ds = data_lib.distributed_train_dataset(strategy, source, config.train.batch_size,
                                          (0.0, 1.0), 0, 256)
  return state, iter(ds), train_step.make_train_loop(state, config, strategy)


def _snapshot(model):
  return {v.path: v.numpy().copy() for v in model.trainable_variables}


@pytest.mark.slow
@pytest.mark.parametrize("sync_bn, spectral_norm", [(False, False), (True, False),
                                                     (False, True)])
def test_mirrored_step_is_finite_and_updates_every_part(sync_bn, spectral_norm):
  strategy = helpers.mirrored_strategy()
  config = helpers.with_parts(helpers.tiny_config(), model=dict(sync_batch_norm=sync_bn,
                                                                spectral_norm=spectral_norm))
  state, it, loop = _setup(strategy, config)
  g0, d0 = _snapshot(state.generator), _snapshot(state.discriminator)
  metrics = loop(it, 2)
  assert set(metrics) == {"d/gan", "d/info", "g/gan", "g/info", "d_real", "d_fake", "ce/cat0",
                          "nll/cont0", "nll/cont1"}
  for k, v in metrics.items():
    assert np.isfinite(v), k
  assert loop.in_graph_loop == (not sync_bn)
  assert int(state.step.numpy()) == 2
  g1, d1 = _snapshot(state.generator), _snapshot(state.discriminator)
  for name in ("g_fc1", "g_deconv_out"):
    assert any(not np.allclose(g0[k], g1[k]) for k in g0 if name in k), name
  for name in ("d_conv1", "d_logit", "q_fc1", "q_params"):
    assert any(not np.allclose(d0[k], d1[k]) for k in d0 if name in k), name
  if spectral_norm:  # the power-iteration vectors moved, identically on both replicas
    for layer in state.discriminator.trunk + state.discriminator.d_head:
      if hasattr(layer, "sn_u"):
        a, b = strategy.experimental_local_results(layer.sn_u.value)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
  # Mirrored variables stay identical across replicas.
  for v in state.generator.trainable_variables[:3]:
    a, b = strategy.experimental_local_results(v.value)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.slow
def test_metrics_reduce_to_global_means():
  strategy = helpers.mirrored_strategy()
  config = helpers.tiny_config()
  state, it, loop = _setup(strategy, config)
  m = {k: float(v) for k, v in loop(it, 1).items()}
  # At init D is near chance: losses near their closed forms, probabilities in (0, 1).
  assert 0 < m["d_real"] < 1 and 0 < m["d_fake"] < 1
  assert abs(m["d/gan"] - 2 * np.log(2)) < 0.5
  assert abs(m["ce/cat0"] - np.log(4)) < 0.5


@pytest.mark.slow
def test_no_retracing_after_first_call():
  strategy = helpers.mirrored_strategy()
  state, it, loop = _setup(strategy, helpers.tiny_config())
  loop(it, 2)
  loop(it, 1)  # a shorter chunk: same trace
  loop(it, 3)
  assert loop.tracing_count == 1


@pytest.mark.slow
def test_one_device_with_xla():
  config = helpers.tiny_config(jit_compile=True)
  state, it, loop = _setup(helpers.one_device_strategy(), config)
  m = loop(it, 2)
  assert all(np.isfinite(float(v)) for v in m.values())
  assert int(state.step.numpy()) == 2


# Float64 and float32 versions of one step (D update, then G through the updated D) on fixed
# images and codes; benchmarks/step_numerics.py runs the same over seeds, kernel libraries and
# learning rates (docs/numerics.md has the numbers these tolerances come from).
U32, U64 = float(np.finfo(np.float32).eps) / 2, float(np.finfo(np.float64).eps) / 2
# The largest reduction in the step: a deconv weight gradient sums over 16 images x 28 x 28.
LONGEST_SUM = 16 * 28 * 28


@pytest.fixture(scope="module")
def step_inputs():
  config = step_numerics.tiny_config(seed=0)
  source = data_lib.load_source(config.data)
  images = next(iter(data_lib.eval_batches(source, 16, (0.0, 1.0))))["image"].numpy()
  latent = LatentSpec(config.latent).numpy_sample(16, seed=5)
  return config, images, latent, step_numerics.initial_weights(config,
                                                               helpers.one_device_strategy())


def _float64(config, **model):
  return config.replace(model=dataclasses.replace(config.model, precision="float64", **model))


@pytest.fixture(scope="module")
def float64_step_through_initial_d(step_inputs):
  """The float64 1-device gradients with D's learning rate 0 (G's through D as initialised)."""
  config, images, latent, init = step_inputs
  return step_numerics.step_gradients(helpers.one_device_strategy(), _float64(config), images,
                                      latent, 0.0, init)


@pytest.mark.slow
@pytest.mark.numerics
def test_two_replicas_compute_the_one_device_step(step_inputs):
  """In float64, 2 replicas (synchronised BN) give the 1-device step's gradients, G's taken
  through a D just moved by SGD at learning rate 1.

  The two sum in different orders, so they differ by round-off times its amplification. The
  largest amplification float32 shows in this step is 1e6 (relative G error 5e-2 = 1e6 x its
  unit round-off 6e-8, when a pre-activation of the updated D is nearer to LeakyReLU's kink
  than float32 resolves and the derivative takes the other branch); times float64's unit
  round-off 1.1e-16 that is 1e-10, and we allow 1e-9 (measured: <= 2e-11 over 6 seeds). A real
  difference is far above it: the same comparison with unsynchronised BN (each replica
  normalising its own half batch) is off by more than 10% (checked below).
  """
  config, images, latent, init = step_inputs
  one, two = helpers.one_device_strategy(), helpers.mirrored_strategy()
  reference = step_numerics.step_gradients(one, _float64(config), images, latent, 1.0, init)
  replicas = step_numerics.step_gradients(two, _float64(config), images, latent, 1.0, init)
  tolerance = 1e6 * U64 * 10
  for key, ref in reference.items():
    scale = np.abs(ref).max()
    assert np.abs(replicas[key] - ref).max() <= tolerance * scale, key
  unsynced = step_numerics.step_gradients(  # float32 is plenty to see a 10% difference
      two, config.replace(model=dataclasses.replace(config.model, sync_batch_norm=False)),
      images, latent, 1.0, init)
  for model in ("generator", "discriminator"):
    assert step_numerics.errors(unsynced, reference, model)["global"] > 0.1, model


@pytest.mark.slow
@pytest.mark.numerics
@pytest.mark.parametrize("replicas", [1, 2])
def test_float32_step_is_within_round_off_of_float64(step_inputs, float64_step_through_initial_d,
                                                     replicas):
  """The float32 step of this machine's kernels (oneDNN or Eigen) against float64.

  D's learning rate is 0 here: G's gradient goes through D as initialised. Through a D just
  moved by SGD, some pre-activation often lies nearer to LeakyReLU's kink than float32's
  round-off, its derivative takes the other branch (0.1 instead of 1) and G's gradient moves by
  up to 5% (docs/numerics.md), on any kernel library; the float64 test above covers G through
  an updated D. Every gradient is then a chain of ~20 layer passes (forward and backward)
  whose longest sums have n = 16 x 28 x 28 terms. Rounding errors of a sum of n terms grow like
  sqrt(n) x u (u = 6e-8, float32's unit round-off) when they are independent, and the chain
  adds ~20 of them in quadrature: sqrt(20 n) x u = 3e-5 relative to the gradient's norm. The
  step measures 7e-6 to 2e-5 on both kernel libraries, any thread count and either replica
  count (docs/numerics.md); we allow 10 x 3e-5. A single variable's worst element is not a fair
  test: the G output bias's gradient is one sum of 12544 terms that nearly cancel.
  """
  config, images, latent, init = step_inputs
  strategy = helpers.mirrored_strategy() if replicas == 2 else helpers.one_device_strategy()
  reference = float64_step_through_initial_d
  result = step_numerics.step_gradients(strategy, config, images, latent, 0.0, init)
  tolerance = 10 * np.sqrt(20 * LONGEST_SUM) * U32
  for model in ("generator", "discriminator"):
    assert step_numerics.errors(result, reference, model)["global"] <= tolerance, model


# Both pairings through a 2-replica step; zoom 0 and > 0 of the augmented view are
# tests/augment_test.py's.
@pytest.mark.slow
@pytest.mark.parametrize("pairing,zoom", [("augment", 0.25), ("neighbour", 0.0)])
def test_real_info_extension_trains_q_on_real_images(pairing, zoom):
  config = helpers.with_parts(helpers.tiny_config(), loss=dict(real_info_weight=1.0,
                                                               real_info_pairing=pairing,
                                                               augment_shift=2,
                                                               augment_flip=True,
                                                               augment_zoom=zoom))
  state, it, loop = _setup(helpers.mirrored_strategy(), config)
  metrics = loop(it, 2)
  assert "real_mi/cat0" in metrics and np.isfinite(metrics["real_mi/cat0"])
  assert 0.0 <= metrics["real_mi/cat0"] <= np.log(4) + 1e-3


@pytest.mark.slow
def test_mixed_bfloat16_step():
  config = helpers.with_parts(helpers.tiny_config(), model=dict(precision="mixed_bfloat16"))
  state, it, loop = _setup(helpers.one_device_strategy(), config)
  metrics = loop(it, 2)
  assert all(np.isfinite(v) for v in metrics.values())
  kernel = [v for v in state.generator.trainable_variables if "g_fc1/kernel" in v.path][0]
  assert kernel.dtype == "float32"  # variables stay float32
  out = state.discriminator(tf.zeros([2, 28, 28, 1]))
  assert out.logits.dtype == tf.float32 and out.features.dtype == tf.float32
  assert state.generator(tf.zeros([2, 14])).dtype == tf.float32
