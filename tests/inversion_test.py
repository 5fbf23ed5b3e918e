"""Inversion (`infogan_tf.inversion`, the exported `invert` signatures): a generated image's own
latents are found again, the optimisation only lowers the error, it stays inside the priors'
support, repeats for a seed, and never answers with NaN (images of all 0 and all 1)."""

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import inversion
from infogan_tf.latent import LatentSpec
from infogan_tf.models import architectures, build_models
from infogan_tf.training import checkpointing

pytestmark = pytest.mark.slow  # a trained run


@pytest.fixture(scope="module")
def run(trained_workdir):
  config = config_lib.load_config(trained_workdir)
  generator, discriminator = build_models(config)
  checkpointing.restore_for_inference(generator, discriminator, trained_workdir)
  pixel_range = architectures.info(config.model.architecture).pixel_range
  spec = LatentSpec(config.latent)

  def invert(images, steps=20, restarts=4, seed=0, **variant):
    return inversion.invert(generator, discriminator, spec, tf.constant(images, tf.float32),
                            pixel_range, config.loss.continuous_std, steps, restarts, seed,
                            **variant)

  return generator, spec, pixel_range, invert


def test_a_generated_image_is_reconstructed_far_better_than_from_its_start(run):
  generator, spec, _, invert = run
  sample = spec.numpy_sample(8, seed=3)
  images = generator(spec.generator_input(sample), training=False).numpy()  # [8, 28, 28, 1]
  out = invert(images, steps=100)
  error, start = out["error"].numpy(), out["start_error"].numpy()
  assert np.all(np.isfinite(error)) and np.all(error <= start)
  # The tiny run's G (4 steps) still maps latents to images smoothly: 100 Adam steps take the
  # error well below where the best of 4 draws started.
  assert np.median(error) < 0.5 * np.median(start), (error, start)
  assert np.all(np.abs(out["noise"].numpy()) <= inversion.noise_bound(spec) + 1e-6)
  assert np.all(np.abs(out["continuous"].numpy()) <= 1.0 + 1e-6)
  assert out["images"].shape == images.shape and out["categorical"].shape == (8, 1)


def test_the_same_seed_gives_the_same_answer_and_steps_zero_is_the_start(run):
  generator, spec, _, invert = run
  images = generator(spec.generator_input(spec.numpy_sample(4, seed=5)), training=False)
  first, again = invert(images.numpy(), seed=7), invert(images.numpy(), seed=7)
  for key in ("noise", "continuous", "images", "error"):
    np.testing.assert_array_equal(first[key].numpy(), again[key].numpy())
  zero = invert(images.numpy(), steps=0)
  np.testing.assert_array_equal(zero["error"].numpy(), zero["start_error"].numpy())


@pytest.mark.parametrize("value", ["low", "high"])
def test_flat_images_give_finite_answers(run, value):
  _, _, pixel_range, invert = run
  level = pixel_range[0] if value == "low" else pixel_range[1]
  out = invert(np.full([3, 28, 28, 1], level, np.float32), steps=30)
  for key, tensor in out.items():
    assert np.all(np.isfinite(tensor.numpy())), key


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
  with pytest.raises(ValueError, match="categorical must be one of"):
    invert(np.zeros([1, 28, 28, 1], np.float32), categorical="soft")
