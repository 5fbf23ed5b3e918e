"""InfoGAN-CR's contrastive regularizer: the pairs, the schedule, which variables each term
trains, the step (also on two replicas), the config's checks."""

import io

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import objectives
from infogan_tf import training
from infogan_tf.latent import LatentSpec
from infogan_tf.models import build_models
from infogan_tf.objectives import contrastive
from infogan_tf.training import step as train_step
from infogan_tf.training import summaries
from tests import helpers


def _config(**loss):
  """Cat(4) + 2 continuous codes, CR on."""
  return helpers.with_parts(helpers.tiny_config(), loss=dict(cr_weight=2.0, **loss)).validate()


def test_a_pair_shares_exactly_the_chosen_code():
  config = helpers.with_parts(helpers.tiny_config(),
                              latent=dict(categorical=(4, 3), continuous=3))
  spec = LatentSpec(config.latent)
  codes = ("cat0", "cont0", "cont2")  # cat1 and cont1 do not take part
  n, gap = 4000, 0.3
  rng = tf.random.Generator.from_seed(0)
  first = spec.sample(rng, n)
  second, shared = contrastive.sample_pairs(spec, codes, rng, first, tf.constant(gap))
  shared = shared.numpy()
  assert set(np.unique(shared)) == {0, 1, 2}
  same = {"cat0": first.categorical[0].numpy() == second.categorical[0].numpy(),
          "cont0": first.continuous[:, 0].numpy() == second.continuous[:, 0].numpy(),
          "cont2": first.continuous[:, 2].numpy() == second.continuous[:, 2].numpy()}
  for index, name in enumerate(codes):
    # The shared code is equal in every pair that shares it and in no other pair.
    np.testing.assert_array_equal(same[name], shared == index)
  for j in (0, 2):  # a participating continuous code not shared is at least `gap` away
    apart = np.abs(first.continuous[:, j].numpy() - second.continuous[:, j].numpy())
    assert apart[shared != codes.index(f"cont{j}")].min() >= gap - 1e-6
    values = second.continuous[:, j].numpy()
    assert values.min() >= -1 and values.max() <= 1  # still on the prior's support
  # Noise and the codes outside cr_codes are drawn independently: almost never equal.
  assert (first.noise.numpy() == second.noise.numpy()).mean() < 0.01
  assert np.mean(first.continuous[:, 1].numpy() == second.continuous[:, 1].numpy()) < 0.01
  assert 0.25 < np.mean(first.categorical[1].numpy() == second.categorical[1].numpy()) < 0.42


def test_the_schedule_ramps_the_weight_and_moves_the_gap():
  loss = _config(cr_start_step=100, cr_ramp_steps=50, cr_gap_start=0.5, cr_gap_end=0.1,
                 cr_gap_steps=200).loss
  at = lambda step: tuple(float(v) for v in contrastive.schedule(loss, tf.constant(step)))
  assert at(0) == pytest.approx((0.0, 0.5))
  assert at(99) == pytest.approx((0.0, 0.5 - 0.4 * 99 / 200))
  assert at(125) == pytest.approx((1.0, 0.5 - 0.4 * 125 / 200))  # halfway up to 2.0
  assert at(150) == pytest.approx((2.0, 0.5 - 0.4 * 150 / 200))
  assert at(10_000) == pytest.approx((2.0, 0.1))
  step_function = _config(cr_start_step=100).loss  # no ramp: the paper's 0 -> w at a step
  assert float(contrastive.schedule(step_function, tf.constant(99))[0]) == 0.0
  assert float(contrastive.schedule(step_function, tf.constant(100))[0]) == 2.0


@pytest.mark.slow
@pytest.mark.parametrize("classifier", ["separate", "trunk"])
def test_each_cr_term_trains_what_it_says(classifier):
  config = _config(cr_classifier=classifier)
  tf.random.set_seed(0)
  generator, discriminator = build_models(config)
  objective = objectives.Objective(config, tf.random.Generator.from_seed(1), (-1.0, 1.0),
                                   global_batch=8)
  [(optimizer, owned)] = objective.own_networks()
  assert owned and set(map(id, owned)) == set(
      map(id, objective.context.state[contrastive.CLASSIFIER_KEY].trainable_variables))
  spec = LatentSpec(config.latent)
  latent = spec.sample(tf.random.Generator.from_seed(2), 8)
  batch = {"images": tf.random.uniform([8, 28, 28, 1], -1, 1)}
  d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
  with tf.GradientTape(persistent=True) as tape:
    fake = generator(spec.generator_input(latent), training=True)
    generated = objective.generate(generator, fake, latent)
    d_terms, logs = objective.discriminator_terms(
        discriminator, batch, tf.stop_gradient(fake), latent,
        {k: tf.stop_gradient(v) for k, v in generated.items()})
    g_terms, _ = objective.generator_terms(discriminator, fake, latent, generated)
  # cr_pair_fraction 0.25: 2 pairs, whose first images are the step's first 2 generated ones.
  assert generated["contrastive/second"].shape == (2, 28, 28, 1)
  np.testing.assert_array_equal(generated["contrastive/first"], fake[:2])
  assert 0 <= float(logs["cr/accuracy"]) <= 1 and float(logs["cr/weight"]) == 2.0

  def trained(term, variables):
    return [v.path for v, g in zip(variables, tape.gradient(term, variables))
            if g is not None and np.any(np.asarray(g) != 0)]

  # D step: the classifier always; D's trunk only when the classifier is a head on it; never
  # D's own heads or G.
  assert len(trained(d_terms["cr"], owned)) == len(owned)
  d_trained = trained(d_terms["cr"], d_vars)
  if classifier == "trunk":
    assert d_trained and not [p for p in d_trained if "d_logit" in p or "q_" in p]
  else:
    assert d_trained == []
  assert trained(d_terms["cr"], g_vars) == []
  # G step: every layer of G.
  assert len(trained(g_terms["cr"], g_vars)) == len(g_vars)


def _run_steps(config, strategy, steps=2, with_cr=True):
  state = train_step.create_state(config, strategy)
  loop = train_step.make_train_loop(state, config, strategy)
  images = tf.random.stateless_uniform([16, 28, 28, 1], [1, 2], -1, 1)
  dataset = tf.data.Dataset.from_tensors({"images": images}).repeat()
  iterator = iter(strategy.experimental_distribute_dataset(dataset.unbatch().batch(16)))
  if not with_cr:
    return state, loop(iterator, steps), None, None
  classifier = state.family_state[contrastive.CLASSIFIER_KEY]
  before = [v.numpy().copy() for v in classifier.trainable_variables]
  metrics = loop(iterator, steps)
  after = [v.numpy() for v in classifier.trainable_variables]
  return state, metrics, before, after


@pytest.mark.slow
@pytest.mark.parametrize("replicas", [1, 2])
def test_the_step_trains_the_classifier_and_logs_its_accuracy(replicas):
  config = _config(cr_ramp_steps=4)
  strategy = helpers.mirrored_strategy() if replicas == 2 else tf.distribute.get_strategy()
  state, metrics, before, after = _run_steps(config, strategy)
  assert all(np.any(a != b) for a, b in zip(after, before))  # its own Adam moved it
  assert int(state.family_state[contrastive.OPTIMIZER_KEY].iterations.numpy()) == 2
  assert 0 <= metrics["cr/accuracy"] <= 1 and np.isfinite(metrics["d/cr"])
  # G's weight at steps 0 and 1 of a 4-step ramp from 0: 0 and 0.5, mean 0.25 (x cr_weight 2).
  assert metrics["cr/weight"] == pytest.approx(0.25)
  assert contrastive.Contrastive.progress_fields(config, metrics) == {
      "CR acc": f"{metrics['cr/accuracy']:.2f}"}


@pytest.mark.slow
def test_before_cr_start_step_a_run_trains_as_without_cr(tmp_path):
  """Full `train` runs, real input pipeline: the pairs have their own random stream and the
  separate classifier is not part of D, so with CR not yet started every logged loss of G and
  D is the one of the same run without CR, to the bit (the CR term adds exact zeros to their
  gradients; the image order is the seed's)."""
  def run(name, **loss):
    config = helpers.with_parts(helpers.tiny_config(str(tmp_path / name), steps=3, log_every=1,
                                                    steps_per_loop=1, checkpoint_every=3),
                                loss=loss).validate()
    training.train(config, stream=io.StringIO(), strategy=helpers.one_device_strategy())
    return summaries.read_metrics(config.train.workdir)

  plain, late = run("plain"), run("late", cr_weight=2.0, cr_start_step=100)
  assert [r["step"] for r in late] == [1, 2, 3]
  for a, b in zip(plain, late):
    assert b["cr/weight"] == 0.0
    timing = {k for k in a if k.startswith("perf/")}
    assert {k: b[k] for k in a if k not in timing} == {k: a[k] for k in a if k not in timing}
  # And the checkpoints hold the same values, G's BatchNorm moving statistics included: the
  # pairs' extra generator call must not move them (they make every inference-mode image).
  plain_ckpt, late_ckpt = (tf.train.load_checkpoint(str(tmp_path / name / "checkpoints"))
                           for name in ("plain", "late"))
  names = [n for n, _ in tf.train.list_variables(str(tmp_path / "plain" / "checkpoints"))
           if n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
  assert any("moving_mean" in n for n in names) and any("moving_variance" in n for n in names)
  for name in names:
    np.testing.assert_array_equal(late_ckpt.get_tensor(name), plain_ckpt.get_tensor(name),
                                  err_msg=name)


def test_resume_keeps_cr_on_or_off():
  on = _config()
  assert objectives.state_keys(on) == {contrastive.CLASSIFIER_KEY, contrastive.OPTIMIZER_KEY,
                                       contrastive.RNG_KEY}
  with pytest.raises(config_lib.ConfigError):
    objectives.check_resume(helpers.tiny_config(), on)


@pytest.mark.parametrize("loss, message", [
    (dict(cr_weight=1.0, cr_codes=("cat0", "cont7")), "'cont7' is not a code of this latent"),
    (dict(cr_weight=1.0, cr_codes=("cont0",)), "at least two codes"),
    (dict(cr_weight=1.0, cr_gap_end=1.0), r"cr_gap_end must be in \[0, 1\)"),
    (dict(cr_weight=1.0, cr_classifier="big"), "cr_classifier"),
    (dict(cr_ramp_steps=10), "only used with cr_weight > 0"),
])
def test_config_errors_name_the_setting(loss, message):
  with pytest.raises(config_lib.ConfigError, match=message):
    helpers.with_parts(helpers.tiny_config(), loss=loss).validate()
