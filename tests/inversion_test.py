"""Inversion (`infogan_tf.inversion`, the exported `invert` signatures): a generated image's own
latents are found again, the optimisation only lowers the error, it stays inside the priors'
support, repeats for a seed, and never answers with NaN (images of all 0 and all 1)."""

import numpy as np
import pytest
import tensorflow as tf

import infogan_tf as ig
from infogan_tf import inversion

pytestmark = pytest.mark.slow  # a trained run


@pytest.fixture(scope="module")
def run(trained_workdir):
  model = ig.InfoGAN.from_workdir(trained_workdir)

  def invert(images, steps=20, restarts=4, seed=0, **variant):
    return inversion.invert(model, tf.constant(images, tf.float32), steps, restarts, seed,
                            **variant)

  return model.generator, model.spec, model.pixel_range, invert


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
