"""The serving contract: signature names, inputs, outputs and the functions behind them.

Every signature takes named inputs and returns a dict; batch dimensions are free (None).
Pixels crossing the boundary are float32 in [0, 1] whatever the architecture's internal range
(`svhn` nets use [-1, 1] inside).

generate(noise [B, Z] f32, categorical [B, n_cat] int32, continuous [B, C] f32)
    -> images [B, H, W, ch] f32 in [0, 1]
sample(count [] int32, seed [] int64)
    -> images, noise, categorical, continuous (the codes drawn; deterministic per seed)
sample_with_codes(count, seed, categorical [n_cat] int32 (-1 = draw), continuous [C] f32
    (NaN = draw)) -> as sample, with the given codes fixed for every image
encode(images [B, H, W, ch] f32 in [0, 1])                       (also `serving_default`)
    -> cat<i>_probs [B, k_i] f32, cat<i> [B] int32 (arg-max), continuous_mean [B, C],
       continuous_std [B, C], features [B, F] (the shared trunk's output)
encode_image_bytes(image_bytes [B] string: PNG/JPEG/BMP/GIF, sent as {"b64": ...} over REST)
    -> as encode, and images [B, H, W, ch] f32 in [0, 1]: the pixels encoded, as decoded (a
       GIF's first frame; a JPEG's stored pixels, EXIF orientation not applied)
generate_class(classes [B] int32, seed [] int64)    (ss-InfoGAN models only)
    -> images [B, H, W, ch] of the given classes, other codes and noise drawn (deterministic per
       seed), and the codes drawn

ss-InfoGAN models (semi-supervised codes tied to a label column): `encode` also returns, for
the code tied to the class label, 'class' [B] int32 and 'class_probs' [B, k] (for a code tied
to another column, 'class_<column>' and 'class_<column>_probs'); category k means class k, no
matching. Class names are in assets.extra/infogan_config.json ('class_names').

Every signature bounds the work one request may ask for (`infogan_tf.serving.budgets`, from the
networks' sizes; 28x28 MNIST nets: 512 rows of generate / sample / sample_with_codes /
generate_class, 640 images of encode / encode_image_bytes, 16 of invert, and for
invert_with_settings a budget on images x (restarts + 1.5 x (steps + 1)) that names the most
images its settings allow). A request over its cap is refused before any network runs, with a
line "... takes at most N rows|images per request ..."; larger jobs are the caller's to split
(`serving.client.predict_in_parts`). The caps are in assets.extra/infogan_config.json
('budgets').

Inputs of a code part the model does not have (no noise, no categorical or no continuous code)
are left out of the signatures. Out-of-range categorical indices, non-finite values, noise or
continuous codes beyond +-LATENT_LIMIT (1e4), pixels outside [0, 1], wrong image sizes, image
files whose decoding would cost more than their size (every size the decoder will use is read
before decoding: `infogan_tf.data.image_files`), formats that cannot be checked so (WebP) and
bad counts fail with InvalidArgumentError (an error response in TF Serving), never a silently
wrong image.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List

import tensorflow as tf

from infogan_tf import inversion
from infogan_tf import model as model_lib
from infogan_tf.data import image_files
from infogan_tf.latent import LatentSample
from infogan_tf.serving import budgets as budgets_lib

# The model name TF Serving serves an export under unless told otherwise (warmup requests,
# models.config, the client and the explorer).
DEFAULT_MODEL_NAME = "infogan"
GENERATE = "generate"
GENERATE_CLASS = "generate_class"
SAMPLE = "sample"
SAMPLE_WITH_CODES = "sample_with_codes"
ENCODE = "encode"
ENCODE_IMAGE_BYTES = "encode_image_bytes"
INVERT = "invert"
INVERT_WITH_SETTINGS = "invert_with_settings"
SERVING_DEFAULT = "serving_default"
# encode is the default: serving traffic on a trained InfoGAN is mostly real images to classify
# or embed, and a single-input default is what TFSMLayer and plain predict clients pick up.
DEFAULT_SIGNATURE = ENCODE
PIXEL_TOLERANCE = 1e-3
# Noise and continuous codes must lie in [-LATENT_LIMIT, LATENT_LIMIT]. The priors draw within
# a few units (traversals go to +-2); far beyond, the generator's activations overflow float32
# (1e38 gave NaN images). The generated images are checked as well, so no input or model ever
# answers with a non-finite image.
LATENT_LIMIT = 1e4


@dataclasses.dataclass(frozen=True)
class Endpoint:
  """One signature: its name, function and input specs (in argument order).

  `input_signature` is the contract (documented shapes). The SavedModel's signature itself
  accepts any shape (`serving_signature`): TF Serving feeds tensors without checking them
  against a signature's shapes (a wrong image size then failed deep inside the network), so
  `serving_fn` checks every input's rank and sizes first (`check_shape`) and answers a mismatch
  with an INVALID_ARGUMENT error naming the input, its shape and the expected shape.
  """

  name: str
  fn: Callable
  input_signature: List[tf.TensorSpec]

  @property
  def input_names(self) -> List[str]:
    return [s.name for s in self.input_signature]

  @property
  def serving_signature(self) -> List[tf.TensorSpec]:
    return [tf.TensorSpec(None, s.dtype, name=s.name) for s in self.input_signature]

  @property
  def serving_fn(self) -> Callable:
    specs = self.input_signature

    def checked(*args):
      return self.fn(*[check_shape(x, spec) for x, spec in zip(args, specs)])

    return checked


def check_shape(x: tf.Tensor, spec: tf.TensorSpec) -> tf.Tensor:
  """`x` with `spec`'s static shape, checked at run time before any op reads it.

  Raises (at run time):
    InvalidArgumentError: "Shape of tensor <input name> [1,32,32,1] is not compatible with
      expected shape [?,28,28,1]." (the input's name, its shape and the expected one).
  """
  return tf.ensure_shape(x, spec.shape)


class ServingFunctions:
  """The serving functions of a trained InfoGAN: each signature checks its inputs and its work
  budget, then asks the model (`InfoGAN.encode`, `generate_from`, `invert`): pixels, the input
  packing and the encode outputs are the model's, made once there.

  Args:
    model: The trained `infogan_tf.InfoGAN` (its inference discriminator encodes).
  """

  def __init__(self, model):
    self.model = model
    self.generator = model.generator
    self.discriminator = model.encoder
    self.spec = model.spec
    self.image_shape = model.image_shape
    self.class_outputs = model.class_outputs
    self.budgets = budgets_lib.of_models(model.generator, model.encoder,
                                         inversion.DEFAULT_STEPS, inversion.DEFAULT_RESTARTS)

  # ---- shared pieces ------------------------------------------------------------------------

  @property
  def has_noise(self) -> bool:
    return self.spec.noise_dim > 0

  @property
  def has_categorical(self) -> bool:
    return len(self.spec.categorical) > 0

  @property
  def has_continuous(self) -> bool:
    return self.spec.num_continuous > 0

  def _check_categorical(self, categorical: tf.Tensor, allow_random: bool = False) -> list:
    """Asserts every column i lies in [0, k_i) (or == -1 when allow_random)."""
    checks = []
    low = -1 if allow_random else 0
    for i, k in enumerate(self.spec.categorical):
      column = categorical[..., i]
      checks.append(tf.debugging.assert_greater_equal(
          column, low, message=f"categorical code {i} must be in [{low}, {k})"))
      checks.append(tf.debugging.assert_less(
          column, k, message=f"categorical code {i} must be in [{low}, {k})"))
    return checks

  def _check_batch(self, tensors: Dict[str, tf.Tensor]) -> list:
    sizes = [tf.shape(t)[0] for t in tensors.values()]
    return [tf.debugging.assert_equal(
        s, sizes[0], message=f"inputs {sorted(tensors)} must have the same batch size")
        for s in sizes[1:]]

  def _check_latent(self, name: str, values: tf.Tensor, nan_draws: bool = False) -> list:
    """Asserts `values` are finite (or NaN where `nan_draws`) and within +-LATENT_LIMIT."""
    finite = tf.math.is_finite(values)
    if nan_draws:
      ok = tf.reduce_all(finite | tf.math.is_nan(values))
      message = [f"{name} codes must be finite (NaN = draw), got", values]
      checks = [tf.debugging.Assert(ok, message)]
    else:
      checks = [tf.debugging.assert_all_finite(values, f"{name} must be finite")]
    inside = tf.reduce_all(~finite | (tf.abs(values) <= LATENT_LIMIT))
    checks.append(tf.debugging.Assert(
        inside, [f"{name} must lie in [-{LATENT_LIMIT:g}, {LATENT_LIMIT:g}] (the priors draw "
                 "within a few units), got a largest magnitude of",
                 tf.reduce_max(tf.where(finite, tf.abs(values), 0.0))]))
    return checks

  def _generate_images(self, sample: LatentSample) -> tf.Tensor:
    images = self.model.generate_from(sample)  # [B, H, W, ch] in [0, 1]
    # Inputs are bounded, but a model's weights are not: never answer with a NaN image.
    return tf.debugging.assert_all_finite(
        images, "the generator produced non-finite pixels for these inputs")

  def _nonempty(self, images: tf.Tensor) -> tf.Tensor:
    """`images`, or one blank image when the batch is empty: the CPU convolution kernels refuse
    batch 0, so an empty request runs the nets on one blank image and the caller slices its
    results to the request's size."""
    return tf.cond(tf.shape(images)[0] > 0, lambda: images,
                   lambda: tf.zeros([1, *self.image_shape], images.dtype))

  def _encode_unit(self, images: tf.Tensor) -> Dict[str, tf.Tensor]:
    count = tf.shape(images)[0]  # an empty batch answers with empty outputs
    result = self.model.encode(self._nonempty(images))
    return {k: v[:count] for k, v in result.items()}

  # ---- signatures ---------------------------------------------------------------------------

  def _latent_specs(self, batched: bool) -> List[tf.TensorSpec]:
    lead = [None] if batched else []
    specs = []
    if batched and self.has_noise:
      specs.append(tf.TensorSpec([None, self.spec.noise_dim], tf.float32, name="noise"))
    if self.has_categorical:
      specs.append(tf.TensorSpec(lead + [len(self.spec.categorical)], tf.int32,
                                 name="categorical"))
    if self.has_continuous:
      specs.append(tf.TensorSpec(lead + [self.spec.num_continuous], tf.float32,
                                 name="continuous"))
    return specs

  def generate(self, *args) -> Dict[str, tf.Tensor]:
    """Images for given noise and codes (inputs as in `_latent_specs(batched=True)`)."""
    named = dict(zip([s.name for s in self._latent_specs(True)], args))
    checks = self._check_batch(named)
    batch = tf.shape(next(iter(named.values())))[0]
    checks.append(self._check_rows(batch, "generate", "rows", self.budgets.generate))
    noise = named.get("noise", tf.zeros([batch, 0]))
    continuous = named.get("continuous", tf.zeros([batch, 0]))
    categorical = named.get("categorical", tf.zeros([batch, 0], tf.int32))
    checks += self._check_categorical(categorical)
    checks += self._check_latent("noise", noise)
    checks += self._check_latent("continuous", continuous)
    with tf.control_dependencies(checks):
      sample = LatentSample(tf.identity(noise),
                            [categorical[:, i] for i in range(len(self.spec.categorical))],
                            tf.identity(continuous))
      return {"images": self._generate_images(sample)}

  def _draw(self, count: tf.Tensor, seed: tf.Tensor) -> LatentSample:
    """Stateless draws from the priors: the same (count, seed) gives the same codes."""
    return self.spec.stateless_sample(count, seed)

  def _sample_outputs(self, sample: LatentSample) -> Dict[str, tf.Tensor]:
    return {"images": self._generate_images(sample), **self.model.sample_codes(sample)}

  @staticmethod
  def _after(tensor: tf.Tensor, check: tf.Operation) -> tf.Tensor:
    """`tensor`, read only once `check` passed: a request over its cap is refused before any
    op (a pixel check's copy included) touches its inputs."""
    with tf.control_dependencies([check]):
      return tf.identity(tensor)

  @staticmethod
  def _check_rows(count: tf.Tensor, what: str, unit: str, cap: int) -> tf.Operation:
    """Asserts a request's batch is within its signature's cap (`serving.budgets`); the line
    names the cap as `serving.client.predict_in_parts` reads it."""
    return tf.debugging.Assert(
        count <= cap, [f"{what} takes at most {cap} {unit} per request (its work budget: "
                       "split larger jobs); got", count])

  def _check_count(self, count):
    return [tf.debugging.assert_greater_equal(count, 1, message="count must be >= 1"),
            self._check_rows(count, "count must be <= "
                             f"{self.budgets.generate}: sample", "rows", self.budgets.generate)]

  def sample(self, count: tf.Tensor, seed: tf.Tensor) -> Dict[str, tf.Tensor]:
    """`count` images from the priors, deterministic for a given `seed`."""
    with tf.control_dependencies(self._check_count(count)):
      return self._sample_outputs(self._draw(count, seed))

  def sample_with_codes(self, count, seed, *codes) -> Dict[str, tf.Tensor]:
    """Like `sample`, with codes fixed where given (-1 / NaN entries are drawn).

    Every input is checked (count, categorical range, continuous finite or NaN) before anything
    of `count`'s size is allocated: a huge count is refused, not attempted.
    """
    named = dict(zip([s.name for s in self._latent_specs(False)], codes))
    checks = self._check_count(count)
    if "categorical" in named:
      checks += self._check_categorical(named["categorical"], allow_random=True)
    if "continuous" in named:
      checks += self._check_latent("continuous", named["continuous"], nan_draws=True)
    with tf.control_dependencies(checks):
      drawn = self._draw(tf.identity(count), seed)
      categorical = list(drawn.categorical)
      if "categorical" in named:
        fixed = named["categorical"]  # [n_cat]
        categorical = [tf.where(fixed[i] >= 0, tf.fill([count], fixed[i]), c)
                       for i, c in enumerate(categorical)]
      continuous = drawn.continuous
      if "continuous" in named:
        fixed = named["continuous"]  # [C]
        continuous = tf.where(tf.math.is_nan(fixed)[None, :], continuous, fixed[None, :])
      return self._sample_outputs(LatentSample(drawn.noise, categorical, continuous))

  def generate_class(self, classes: tf.Tensor, seed: tf.Tensor) -> Dict[str, tf.Tensor]:
    """Images of the given classes (the first ss code), everything else drawn from the priors.

    The class input is checked (size and range) before anything of its size is allocated.
    """
    code = next(iter(self.class_outputs))
    k = self.spec.categorical[code]
    count = tf.shape(classes)[0]
    checks = [
        self._check_rows(count, "generate_class", "rows", self.budgets.generate),
        tf.debugging.assert_greater_equal(classes, 0, message=f"classes must be in [0, {k})"),
        tf.debugging.assert_less(classes, k, message=f"classes must be in [0, {k})"),
    ]
    with tf.control_dependencies(checks):
      drawn = self._draw(tf.identity(count), seed)
    categorical = list(drawn.categorical)
    categorical[code] = classes
    return self._sample_outputs(LatentSample(drawn.noise, categorical, drawn.continuous))

  def encode(self, images: tf.Tensor) -> Dict[str, tf.Tensor]:
    """Q's code posterior and trunk features for float images in [0, 1]."""
    images = self._after(images, self._check_rows(tf.shape(images)[0], "encode", "images",
                                                  self.budgets.encode))
    with tf.control_dependencies(self._check_unit_images(images, "encode")):
      return self._encode_unit(tf.clip_by_value(images, 0.0, 1.0))

  def encode_image_bytes(self, image_bytes: tf.Tensor) -> Dict[str, tf.Tensor]:
    """`encode` for encoded image files (PNG/JPEG/BMP/GIF) of exactly the model's size, and
    the decoded pixels (what the model saw)."""
    h, w, ch = self.image_shape

    def decode(data):
      # Every size the decoder will use is checked before any pixel is decoded; the decoded
      # size again.
      image = image_files.decode_checked(
          data, ch, size=(h, w), what="image_bytes",
          max_bytes=image_files.MAX_IMAGE_FILE_BYTES)  # [h', w', ch]
      ok = tf.reduce_all(tf.equal(tf.shape(image)[:2], [h, w]))
      check = tf.debugging.Assert(
          ok, [f"image_bytes must decode to {h}x{w} images, got", tf.shape(image)])
      with tf.control_dependencies([check]):
        image = tf.identity(image)
      return tf.reshape(tf.cast(image, tf.float32) / 255.0, [h, w, ch])  # [h, w, ch]

    image_bytes = self._after(image_bytes, self._check_rows(
        tf.shape(image_bytes)[0], "encode_image_bytes", "images", self.budgets.encode))
    images = tf.map_fn(decode, image_bytes,
                       fn_output_signature=tf.TensorSpec([h, w, ch], tf.float32))
    return {**self._encode_unit(images), "images": images}

  def _check_unit_images(self, images: tf.Tensor, what: str) -> list:
    """Asserts float pixels in [0, 1], finite."""
    message = f"{what} expects float pixels in [0, 1] (uint8 values / 255)"
    return [tf.debugging.assert_all_finite(images, "images must be finite"),
            tf.debugging.assert_greater_equal(tf.reduce_min(images), -PIXEL_TOLERANCE,
                                              message=message),
            tf.debugging.assert_less_equal(tf.reduce_max(images), 1.0 + PIXEL_TOLERANCE,
                                           message=message)]

  def invert_with_settings(self, images: tf.Tensor, steps: tf.Tensor, restarts: tf.Tensor,
                           seed: tf.Tensor) -> Dict[str, tf.Tensor]:
    """The noise and codes whose generated image is closest to each image in [0, 1]
    (`infogan_tf.inversion`): Q's codes, z from the best of `restarts` draws, then `steps` Adam
    steps on z and the continuous codes. Every input is checked before any work, and the work
    they multiply to against the signature's budget (`serving.budgets`)."""
    count = tf.shape(images)[0]
    settings = [tf.debugging.assert_greater_equal(steps, 0, message="steps must be >= 0"),
                tf.debugging.assert_greater_equal(restarts, 1, message="restarts must be >= 1")]
    with tf.control_dependencies(settings):  # the work first: nothing reads the pixels before
      images = self._after(images, self._check_invert_work(count, steps, restarts))
    with tf.control_dependencies(self._check_unit_images(images, "invert")):
      unit = tf.clip_by_value(images, 0.0, 1.0)
    out = self.model.invert(self._nonempty(unit), steps, restarts, seed)
    reconstruction = tf.debugging.assert_all_finite(
        out["images"], "the generator produced non-finite pixels for these inputs")
    result = {"images": reconstruction, "error": out["error"]}  # [B, H, W, ch], [B]
    if self.has_noise:
      result["noise"] = out["noise"]  # [B, Z]
    if self.has_categorical:
      result["categorical"] = out["categorical"]  # [B, n_cat]
    if self.has_continuous:
      result["continuous"] = out["continuous"]  # [B, C]
    return {k: v[:count] for k, v in result.items()}

  def _check_invert_work(self, count, steps, restarts) -> tf.Operation:
    """Asserts `count` images at `steps` and `restarts` are within the inversion budget (time
    and memory, `budgets.max_invert_images`), naming the most images these settings allow."""
    g = float(self.budgets.generator_activations)
    s = tf.cast(steps, tf.float64)
    r = tf.cast(restarts, tf.float64)
    scale = g / budgets_lib.REFERENCE_GENERATOR_ACTIVATIONS
    by_time = ((budgets_lib.INVERT_WORK_BUDGET - (s + 1.0) * budgets_lib.INVERT_STEP_OVERHEAD)
               / (scale * (r + (s + 1.0) * budgets_lib.INVERT_STEP_COST)))
    by_memory = budgets_lib.ACTIVATION_BUDGET / (
        g * tf.maximum(r, float(budgets_lib.INVERT_STEP_MEMORY)))
    most = tf.cast(tf.maximum(tf.floor(tf.minimum(by_time, by_memory)), 0.0), tf.int64)
    return tf.debugging.Assert(
        tf.cast(count, tf.int64) <= most,
        ["invert_with_settings takes at most", most, "images per request at these steps and "
         "restarts (its work budget: split larger jobs, or use fewer steps or restarts); got",
         count], summarize=4)

  def invert(self, images: tf.Tensor) -> Dict[str, tf.Tensor]:
    """`invert_with_settings` at the default steps and restarts, seed 0, at most
    `budgets.invert` images per request."""
    images = self._after(images, self._check_rows(tf.shape(images)[0], "invert", "images",
                                                  self.budgets.invert))
    return self.invert_with_settings(images, tf.constant(inversion.DEFAULT_STEPS),
                                     tf.constant(inversion.DEFAULT_RESTARTS),
                                     tf.constant(0, tf.int64))

  def endpoints(self) -> List[Endpoint]:
    """All signatures, `DEFAULT_SIGNATURE` first (the first becomes serving_default)."""
    h, w, ch = self.image_shape
    count_seed = [tf.TensorSpec([], tf.int32, name="count"),
                  tf.TensorSpec([], tf.int64, name="seed")]
    eps = [
        Endpoint(ENCODE, self.encode, [tf.TensorSpec([None, h, w, ch], tf.float32,
                                                     name="images")]),
        Endpoint(ENCODE_IMAGE_BYTES, self.encode_image_bytes,
                 [tf.TensorSpec([None], tf.string, name="image_bytes")]),
        Endpoint(GENERATE, self.generate, self._latent_specs(batched=True)),
        Endpoint(SAMPLE, self.sample, count_seed),
    ]
    if self.has_categorical or self.has_continuous:
      eps.append(Endpoint(SAMPLE_WITH_CODES, self.sample_with_codes,
                          count_seed + self._latent_specs(batched=False)))
    images = tf.TensorSpec([None, h, w, ch], tf.float32, name="images")
    eps.append(Endpoint(INVERT, self.invert, [images]))
    eps.append(Endpoint(INVERT_WITH_SETTINGS, self.invert_with_settings,
                        [images, tf.TensorSpec([], tf.int32, name="steps"),
                         tf.TensorSpec([], tf.int32, name="restarts"), count_seed[1]]))
    if self.class_outputs:
      eps.append(Endpoint(GENERATE_CLASS, self.generate_class,
                          [tf.TensorSpec([None], tf.int32, name="classes"), count_seed[1]]))
    order = {DEFAULT_SIGNATURE: 0}
    return sorted(eps, key=lambda e: order.get(e.name, 1))


# The encode output naming an ss code's class (the model's rule).
class_output_name = model_lib.class_output_name
