"""Tests for infogan_tf.latent."""

import math

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf.latent import LatentSpec
from tests import helpers


def _spec(**kw):
  base = dict(noise_dim=5, noise_prior="uniform", categorical=(3, 10), continuous=2)
  base.update(kw)
  return LatentSpec(config_lib.LatentConfig(**base))


def test_entropy():
  spec = _spec()
  assert spec.categorical_entropies() == pytest.approx([math.log(3), math.log(10)])
  assert spec.continuous_entropy() == pytest.approx(math.log(2))
  assert spec.entropy() == pytest.approx(math.log(30) + 2 * math.log(2))
  assert spec.input_dim == 5 + 13 + 2


@pytest.mark.parametrize("prior", ["uniform", "normal"])
def test_sample_shapes_and_ranges(prior):
  spec = _spec(noise_prior=prior)
  rng = tf.random.Generator.from_seed(1)
  s = spec.sample(rng, 4000)
  assert s.noise.shape == (4000, 5) and s.continuous.shape == (4000, 2)
  assert [c.shape for c in s.categorical] == [(4000,), (4000,)]
  for c, k in zip(s.categorical, (3, 10)):
    counts = np.bincount(c.numpy(), minlength=k)
    assert len(counts) == k and counts.min() > 4000 / k * 0.8  # all categories, ~uniform
  cont = s.continuous.numpy()
  assert cont.min() >= -1 and cont.max() <= 1 and abs(cont.mean()) < 0.05
  noise = s.noise.numpy()
  if prior == "uniform":
    assert noise.min() >= -1 and noise.max() <= 1
  else:
    assert abs(noise.std() - 1) < 0.05


@pytest.mark.parametrize("prior", ["uniform", "normal"])
def test_noise_scale_scales_graph_and_host_draws(prior):
  base, scaled = _spec(noise_prior=prior), _spec(noise_prior=prior, noise_scale=0.1)
  for draw in (lambda s: s.sample(tf.random.Generator.from_seed(3), 500).noise.numpy(),
               lambda s: s.numpy_sample(500, 3).noise):
    np.testing.assert_allclose(draw(scaled), 0.1 * draw(base), rtol=1e-5, atol=1e-7)


def test_generator_input_layout():
  spec = _spec()
  s = spec.sample(tf.random.Generator.from_seed(2), 7)
  x = spec.generator_input(s).numpy()
  assert x.shape == (7, spec.input_dim)
  np.testing.assert_allclose(x[:, :5], s.noise.numpy())
  np.testing.assert_array_equal(x[:, 5:8].argmax(-1), s.categorical[0].numpy())
  np.testing.assert_array_equal(x[:, 8:18].argmax(-1), s.categorical[1].numpy())
  np.testing.assert_allclose(x[:, 5:18].sum(-1), 2.0)
  np.testing.assert_allclose(x[:, 18:], s.continuous.numpy())


def test_sampling_differs_per_replica():
  strategy = helpers.mirrored_strategy()
  spec = _spec()
  with strategy.scope():
    rng = tf.random.Generator.from_seed(3)

  @tf.function
  def draw():
    return strategy.run(lambda: spec.sample(rng, 6).noise)

  a, b = strategy.experimental_local_results(draw())
  assert not np.allclose(a.numpy(), b.numpy())
  a2, _ = strategy.experimental_local_results(draw())
  assert not np.allclose(a.numpy(), a2.numpy())  # the stream advances


def test_traversal_fixes_everything_but_the_varied_codes():
  spec = _spec()
  sample, rows, cols = spec.traversal(seed=0, row_code=1, column_code=0, num_columns=5)
  assert (rows, cols) == (10, 5)
  assert sample.noise.shape == (50, 5)
  assert np.all(sample.noise == sample.noise[0])  # one z for the grid
  grid_cat = sample.categorical[1].reshape(rows, cols)
  np.testing.assert_array_equal(grid_cat, np.repeat(np.arange(10)[:, None], 5, axis=1))
  assert len(set(sample.categorical[0].tolist())) == 1  # other categorical fixed
  grid_c0 = sample.continuous[:, 0].reshape(rows, cols)
  np.testing.assert_allclose(grid_c0[0], np.linspace(-2, 2, 5), rtol=1e-6)
  assert np.all(grid_c0 == grid_c0[0])
  assert np.all(sample.continuous[:, 1] == 0)  # other continuous at 0


def test_traversal_without_continuous_codes_varies_z_over_columns():
  spec = _spec(continuous=0)
  sample, rows, cols = spec.traversal(seed=0, row_code=0, column_code=None, num_columns=4)
  assert (rows, cols) == (3, 4)
  noise = sample.noise.reshape(rows, cols, -1)
  assert np.all(noise[0] == noise[1])  # same z down a column
  assert not np.allclose(noise[:, 0], noise[:, 1])


def test_traversal_rejects_bad_code_index():
  with pytest.raises(ValueError, match="row_code"):
    _spec().traversal(seed=0, row_code=5)
