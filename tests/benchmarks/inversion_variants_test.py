"""The inversion variants benchmarks/inversion.py measures beside `inversion.invert` (a relaxed
categorical code, D-feature distances): they answer hard codes no worse than their start."""

import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig
from benchmarks import inversion as inversion_benchmark

pytestmark = pytest.mark.slow  # a trained run


@pytest.fixture(scope="module")
def run(trained_workdir):
  model = ig.InfoGAN.from_workdir(trained_workdir)

  def invert(images, steps=20, restarts=4, seed=0, **variant):
    return inversion_benchmark.invert_variant(model, tf.constant(images, tf.float32), steps,
                                              restarts, seed, **variant)

  return model.generator, model.spec, model.pixel_range, invert


@pytest.mark.parametrize("variant", [{"categorical": "relaxed"}, {"feature_weight": 1.0},
                                     {"categorical": "relaxed", "feature_weight": 0.5}])
def test_the_variants_answer_hard_codes_no_worse_than_their_start(run, variant):
  generator, spec, pixel_range, invert = run
  sample = spec.numpy_sample(6, seed=11)
  images = generator(spec.generator_input(sample), training=False).numpy()  # [6, 28, 28, 1]
  out = invert(images, steps=40, **variant)
  error, start = out["error"].numpy(), out["start_error"].numpy()
  assert np.all(np.isfinite(error))
  categories = out["categorical"].numpy()
  k = spec.categorical[0]
  assert categories.shape == (6, 1) and np.all((categories >= 0) & (categories < k))
  # 'images' is G of the answered latents with the answered (hard) category.
  rebuilt = generator(tf.concat([out["noise"], tf.one_hot(categories[:, 0], k),
                                 out["continuous"]], axis=-1), training=False)
  np.testing.assert_allclose(rebuilt.numpy(), out["images"].numpy(), atol=1e-5)
  if "feature_weight" not in variant:  # the pixel error is then exactly what is minimised
    assert np.all(error <= start)
  assert np.median(error) < np.median(start)
  flat = invert(np.full([2, 28, 28, 1], pixel_range[1], np.float32), steps=20, **variant)
  for key, tensor in flat.items():
    assert np.all(np.isfinite(tensor.numpy())), key


def test_an_unknown_categorical_mode_is_refused(run):
  *_, invert = run
  with pytest.raises(ValueError, match="categorical must be 'fixed' or 'relaxed'"):
    invert(np.zeros([1, 28, 28, 1], np.float32), categorical="soft")
