"""Tests for the distributed train step (2 logical CPU replicas)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import data as data_lib
from infogan_tf import train_step
from infogan_tf.latent import LatentSample, LatentSpec
from tests import helpers


def _setup(strategy, config):
  state = train_step.create_state(config, strategy)
  source = data_lib.load_source(config.data)
  ds = data_lib.distributed_train_dataset(strategy, source, config.train.batch_size,
                                          (0.0, 1.0), 0, 256)
  return state, iter(ds), train_step.make_train_loop(state, config, strategy)


def _snapshot(model):
  return {v.path: v.numpy().copy() for v in model.trainable_variables}


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


def test_metrics_reduce_to_global_means():
  strategy = helpers.mirrored_strategy()
  config = helpers.tiny_config()
  state, it, loop = _setup(strategy, config)
  m = {k: float(v) for k, v in loop(it, 1).items()}
  # At init D is near chance: losses near their closed forms, probabilities in (0, 1).
  assert 0 < m["d_real"] < 1 and 0 < m["d_fake"] < 1
  assert abs(m["d/gan"] - 2 * np.log(2)) < 0.5
  assert abs(m["ce/cat0"] - np.log(4)) < 0.5


def test_no_retracing_after_first_call():
  strategy = helpers.mirrored_strategy()
  state, it, loop = _setup(strategy, helpers.tiny_config())
  loop(it, 2)
  loop(it, 1)  # a shorter chunk: same trace
  loop(it, 3)
  assert loop.tracing_count == 1


def test_one_device_with_xla():
  config = helpers.tiny_config(jit_compile=True)
  state, it, loop = _setup(helpers.one_device_strategy(), config)
  m = loop(it, 2)
  assert all(np.isfinite(float(v)) for v in m.values())
  assert int(state.step.numpy()) == 2


def test_gradients_match_across_replica_counts():
  """With synchronised BN, a step on 2 replicas equals a step on 1 device (same inputs)."""
  config = helpers.with_parts(helpers.tiny_config(), model=dict(sync_batch_norm=True))
  source = data_lib.load_source(config.data)
  images = data_lib.to_pixel_range(next(iter(source.dataset.batch(16)))["image"], (0.0, 1.0))
  spec = LatentSpec(config.latent)
  fixed = spec.numpy_sample(16, seed=5)
  results = []
  for strategy in (helpers.one_device_strategy(), helpers.mirrored_strategy()):
    n = strategy.num_replicas_in_sync
    state = train_step.create_state(config, strategy)
    # SGD: the update is linear in the gradient, so replica counts must agree to round-off
    # (Adam's first step, ~lr * sign(grad), would amplify round-off on near-zero gradients).
    with strategy.scope():
      state.g_optimizer, state.d_optimizer = keras.optimizers.SGD(1.0), keras.optimizers.SGD(1.0)
      state.g_optimizer.build(state.generator.trainable_variables)
      state.d_optimizer.build(state.discriminator.trainable_variables)
    before = {v.path: v.numpy() for v in state.generator.trainable_variables
              + state.discriminator.trainable_variables}
    per = 16 // n

    def sample_latent(batch, n=n, per=per):
      ctx = tf.distribute.get_replica_context()
      start = tf.cast(ctx.replica_id_in_sync_group, tf.int32) * per
      take = lambda a: tf.constant(a)[start:start + per]
      return LatentSample(take(fixed.noise), [take(c) for c in fixed.categorical],
                          take(fixed.continuous))

    step = train_step.make_replica_step(state, config, 16, sample_latent)
    shards = strategy.experimental_distribute_values_from_function(
        lambda ctx, per=per: {"images": images[ctx.replica_id_in_sync_group * per:][:per]})
    tf.function(lambda v, s=strategy, f=step: s.run(f, args=(v,)))(shards)
    results.append({v.path: v.numpy() - before[v.path]  # = -gradient (SGD, lr 1)
                    for v in state.generator.trainable_variables
                    + state.discriminator.trainable_variables})
  for k in results[0]:
    scale = np.abs(results[0][k]).max() + 1e-12
    np.testing.assert_allclose(results[1][k], results[0][k], rtol=1e-2, atol=1e-3 * scale,
                               err_msg=k)


@pytest.mark.parametrize("pairing,zoom", [("augment", 0.0), ("augment", 0.25),
                                         ("neighbour", 0.0)])
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
