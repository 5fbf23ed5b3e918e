"""The loss families: each term trains exactly the variables its module says it does; what the
families declare (when on, state, batch inputs); adding one."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import objectives
from infogan_tf.latent import LatentSpec
from infogan_tf.models import build_models
from tests import helpers

K_SS, K_US, C = 4, 3, 2  # Cat(4) semi-supervised, Cat(3) unsupervised, 2 continuous codes


def _config(q_ss_on_generated: bool):
  config = helpers.with_parts(
      helpers.tiny_ss_config(), latent=dict(categorical=(K_SS, K_US), continuous=C),
      loss=dict(real_info_weight=1.0))
  ss = config.semi_supervised
  return config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "q_ss_on_generated": q_ss_on_generated,
         "consistency_threshold": 0.0}))  # every image pseudo-labelled: a non-zero term


def _step_inputs(config, **extra):
  """Models, objective, a batch of 6 unlabelled + 4 labelled images (+ `extra` keys), latents."""
  tf.random.set_seed(0)
  generator, discriminator = build_models(config)
  spec = LatentSpec(config.latent)
  rng = tf.random.Generator.from_seed(1)
  objective = objectives.Objective(config, rng, (0.0, 1.0), global_batch=6)
  batch = {"images": tf.random.uniform([6, 28, 28, 1]),
           "labelled_images": tf.random.uniform([4, 28, 28, 1]),
           "labels": tf.constant([[0], [1], [2], [3]], tf.int32), **extra}
  return generator, discriminator, spec, objective, batch, spec.sample(rng, 6)


def _gradients(config):
  generator, discriminator, spec, objective, batch, latent = _step_inputs(config)
  d_vars = discriminator.trainable_variables
  g_vars = generator.trainable_variables
  with tf.GradientTape(persistent=True) as tape:
    fake = generator(spec.generator_input(latent), training=True)
    d_terms, _ = objective.discriminator_terms(discriminator, batch, tf.stop_gradient(fake),
                                               latent)
    g_terms, _ = objective.generator_terms(discriminator, fake, latent)
  grads = {}
  for side, terms in (("d", d_terms), ("g", g_terms)):
    for name, value in terms.items():
      grads[f"{side}/{name}"] = {v.path: g for v, g in
                                 zip(d_vars + g_vars, tape.gradient(value, d_vars + g_vars))}
  return grads


def _nonzero(g) -> bool:
  return g is not None and bool(np.any(np.abs(np.asarray(g)) > 0))


def _columns(g, start, stop) -> bool:
  return g is not None and bool(np.any(np.abs(np.asarray(g)[:, start:stop]) > 0))


# q_params kernel columns: [cat0 (ss) | cat1 (us) | continuous means | continuous log-stds]
SS_COLS, US_COLS, CONT_COLS = (0, K_SS), (K_SS, K_SS + K_US), (K_SS + K_US, K_SS + K_US + 2 * C)


@pytest.mark.slow
@pytest.mark.parametrize("q_ss_on_generated", [False, True])
def test_each_term_trains_exactly_its_variables(q_ss_on_generated):
  grads = _gradients(_config(q_ss_on_generated))
  d_terms = {"d/gan", "d/info", "d/real_info", "d/ss_labelled", "d/ss_consistency"}
  if q_ss_on_generated:
    d_terms.add("d/ss_generated")
  assert {k for k in grads if k.startswith("d/")} == d_terms
  assert {k for k in grads if k.startswith("g/")} == {"g/gan", "g/info", "g/ss_generated"}

  for name in d_terms:
    g = grads[name]
    d_head = [p for p in g if "d_logit" in p]
    q_head = [p for p in g if "/q_" in p]
    trunk = [p for p in g if "/d_conv" in p or "/d_fc" in p]
    generator = [p for p in g if p.startswith("generator/")]
    assert trunk and all(_nonzero(g[p]) for p in trunk if "kernel" in p), name
    assert not any(_nonzero(g[p]) for p in generator), name  # fake images are held fixed
    if name == "d/gan":
      assert all(_nonzero(g[p]) for p in d_head if "kernel" in p)
      assert not any(_nonzero(g[p]) for p in q_head)
      continue
    assert not any(_nonzero(g[p]) for p in d_head), name  # Q terms leave the D head alone
    kernel = g[[p for p in q_head if "q_params/kernel" in p][0]]
    if name == "d/info":  # unsupervised codes only: the ss code has its own terms
      assert not _columns(kernel, *SS_COLS)
      assert _columns(kernel, *US_COLS) and _columns(kernel, *CONT_COLS)
    elif name == "d/real_info":  # IIC over every categorical code
      assert _columns(kernel, *SS_COLS) and _columns(kernel, *US_COLS)
      assert not _columns(kernel, *CONT_COLS)
    else:  # L_IS1, consistency, L_IS2 in the D step: Q_ss only
      assert _columns(kernel, *SS_COLS), name
      assert not _columns(kernel, *US_COLS) and not _columns(kernel, *CONT_COLS), name

  for name in ("g/gan", "g/info", "g/ss_generated"):
    g = grads[name]
    assert all(_nonzero(g[p]) for p in g if p.startswith("generator/") and "kernel" in p), name
  # G's ss term reaches G only through Q_ss (its gradient on Q's columns shows the path).
  kernel = grads["g/ss_generated"][[p for p in grads["g/ss_generated"]
                                    if "q_params/kernel" in p][0]]
  assert _columns(kernel, *SS_COLS) and not _columns(kernel, *US_COLS)
  kernel = grads["g/info"][[p for p in grads["g/info"] if "q_params/kernel" in p][0]]
  assert not _columns(kernel, *SS_COLS) and _columns(kernel, *US_COLS)


def test_unsupervised_objective_has_only_the_paper_terms():
  grads = _gradients(helpers.tiny_config())
  assert set(grads) == {"d/gan", "d/info", "g/gan", "g/info"}


def test_extra_unlabelled_images_train_through_the_pseudo_label_term():
  config = _config(False)
  ss = config.semi_supervised
  config = config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "consistency_extra_images": 5, "consistency_alignment": True}))
  extra = tf.random.uniform([5, 28, 28, 1])
  _, discriminator, _, objective, batch, latent = _step_inputs(config, extra_images=extra)
  with tf.GradientTape() as tape:
    tape.watch(extra)
    terms, logs = objective.discriminator_terms(discriminator, batch,
                                                tf.random.uniform([6, 28, 28, 1]), latent)
  assert _nonzero(tape.gradient(terms["ss_consistency"], extra))
  assert float(logs["ss/mask_rate/cat0"]) == pytest.approx(1.0)  # threshold 0: all 11 images


def _consistency_term(config, discriminator, batch, latent, average=None):
  """The pseudo-label term with a fresh augmentation RNG (same strong views every call)."""
  objective = objectives.Objective(config, tf.random.Generator.from_seed(5), (0.0, 1.0),
                                   global_batch=6, average=average)
  fake = tf.zeros([6, 28, 28, 1])
  with tf.GradientTape() as tape:
    terms, _ = objective.discriminator_terms(discriminator, batch, fake, latent)
  return terms["ss_consistency"], tape


@pytest.mark.slow
def test_pseudo_labels_from_the_average_train_d_not_the_average():
  plain = _config(False)
  ss = plain.semi_supervised
  config = helpers.with_parts(plain, optimizer=dict(d_average_decay=0.9))
  config = config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "consistency_from_average": True}))
  _, discriminator, _, _, batch, latent = _step_inputs(plain)
  average = build_models(config)[1]  # other initial weights than D
  expected, _ = _consistency_term(plain, discriminator, batch, latent)

  # An average equal to D gives D's own pseudo-labels: the same term as without one.
  for a, d in zip(average.variables, discriminator.variables):
    a.assign(d)
  same, _ = _consistency_term(config, discriminator, batch, latent, average)
  assert float(same) == pytest.approx(float(expected), rel=1e-5)

  # Other weights give other pseudo-labels; the term trains D, never the average.
  for a in average.trainable_variables:
    a.assign(a + tf.random.normal(a.shape, stddev=0.05, seed=1))
  other, tape = _consistency_term(config, discriminator, batch, latent, average)
  assert float(other) != pytest.approx(float(expected), rel=1e-3)
  grads = tape.gradient(other, average.trainable_variables + discriminator.trainable_variables)
  n = len(average.trainable_variables)
  assert not any(_nonzero(g) for g in grads[:n])
  assert any(_nonzero(g) for g in grads[n:])


def test_pseudo_labels_from_the_average_need_an_average():
  config = helpers.tiny_ss_config()
  ss = config.semi_supervised
  with pytest.raises(config_lib.ConfigError, match="needs d_average_decay > 0"):
    config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
        **{**ss.__dict__, "consistency_from_average": True})).validate()


def test_families_declare_when_they_are_on_their_state_and_their_inputs():
  plain = helpers.tiny_config()
  assert [f.name for f in objectives.active_families(plain)] == ["infogan"]
  assert objectives.batch_inputs(plain) == objectives.BatchInputs()
  assert objectives.create_state(plain) == {}
  config = _config(False)
  assert [f.name for f in objectives.active_families(config)] == [
      "infogan", "real_info", "semi_supervised"]
  assert objectives.batch_inputs(config) == objectives.BatchInputs(labelled_batch=8)
  ss = config.semi_supervised
  adaptive = config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      **{**ss.__dict__, "consistency_adaptive_threshold": True,
         "consistency_extra_images": 16}))
  assert objectives.batch_inputs(adaptive) == objectives.BatchInputs(8, 16)
  assert objectives.state_keys(adaptive) == {"adaptive_thresholds"}
  objectives.check_resume(adaptive, adaptive)
  with pytest.raises(config_lib.ConfigError, match="with the loss-family state "
                     "'adaptive_thresholds'"):
    objectives.check_resume(adaptive, config)
  with pytest.raises(config_lib.ConfigError, match="without the loss-family state"):
    objectives.check_resume(config, adaptive)


class _Toy(objectives.Family):
  """A family as the next one would be written: a D term on real images, state, an input."""

  name = "toy"

  @classmethod
  def enabled(cls, config):
    return True

  @classmethod
  def state_keys(cls, config):
    return frozenset({"toy_count"})

  @classmethod
  def create_state(cls, config):
    return {"toy_count": tf.Variable(0.0)}

  @classmethod
  def batch_inputs(cls, config):
    return objectives.BatchInputs(extra_images=2)

  @classmethod
  def progress_fields(cls, config, metrics):
    return {"toy": f"{metrics['toy/extra']:.1f}"}

  def discriminator_terms(self, D, d_pass):
    self.context.state["toy_count"].assign_add(1.0)
    logits = tf.reshape(d_pass.real_out.logits, [-1])  # [b]
    return {"toy": self.context.scale(tf.square(logits))}, {
        "toy/extra": tf.reduce_mean(d_pass.batch["extra_images"])}


def test_a_new_family_is_one_class_and_one_registration(monkeypatch):
  monkeypatch.setattr(objectives, "FAMILIES", objectives.FAMILIES + (_Toy,))
  config = helpers.tiny_config()
  assert objectives.batch_inputs(config) == objectives.BatchInputs(extra_images=2)
  assert set(objectives.create_state(config)) == objectives.state_keys(config) == {"toy_count"}
  generator, discriminator, spec, objective, batch, latent = _step_inputs(
      config, extra_images=tf.fill([2, 28, 28, 1], 0.5))
  fake = generator(spec.generator_input(latent), training=True)
  with tf.GradientTape() as tape:
    terms, logs = objective.discriminator_terms(discriminator, batch, tf.stop_gradient(fake),
                                                latent)
  assert set(terms) == {"gan", "info", "toy"} and float(logs["toy/extra"]) == 0.5
  metrics = {"d/gan": 1.0, "g/gan": 2.0, "mi/cat0": 0.5, "mi/cont0": 0.25, "mi/cont1": 0.0,
             "toy/extra": 0.5}
  # The progress line: InfoGAN's fields, then the new family's, with no edit to the loop.
  assert objectives.progress_fields(config, metrics) == {
      "D": "1.000", "G": "2.000", "L_I(cat0)": "0.50/1.39", "L_I(cont0)": "0.25",
      "L_I(cont1)": "0.00", "toy": "0.5"}
  assert objective.context.state["toy_count"].numpy() == 1.0
  grads = tape.gradient(terms["toy"], discriminator.trainable_variables)
  assert any(_nonzero(g) for g in grads)
