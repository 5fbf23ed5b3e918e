r"""How well `inversion.invert` reproduces held-out images, against two baselines, over steps.

  python -m benchmarks.inversion --workdir=/work/runs/fashion/seed_0 \
      --label="Fashion-MNIST seed 0" [--images=256] [--steps=0,25,50,100,200] [--restarts=16]

On the first --images evaluation images of the run's data: the mean squared pixel error (in
[0, 1] units) and SSIM (`tf.image.ssim`, on [0, 1] images) of
  - G(random z, Q(x)): Q's codes with one draw of z;
  - G(best of 64 z, Q(x)): the draw of 64 closest to the image (what `invert` starts from with
    --restarts=64 and no steps);
  - invert at each of --steps (z and the continuous codes optimised, the categorical codes Q's),
the edits' faithfulness at the default steps (each image's categorical code 0 set to every k: how
often Q reads k back from G(z*, c'); each continuous code moved by +-0.5: how far it and the
other continuous codes read back by Q move), and the seconds per call for one image and for a
batch of 64 (p50 and p95 over --timing_calls calls, after a warm-up call), each with the
function traced once. Writes
benchmarks/results/inversion_<label>.json and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def invert_variant(model, images, steps, restarts, seed, categorical: str = "fixed",
                   feature_weight: float = 0.0) -> dict:
  """The inversion variants measured against `inversion.invert` (and not adopted:
  docs/inversion.md), on the library's `start` and `optimise`:

  categorical='relaxed' also optimises each categorical code's logits (from Q's), feeding G
  their softmax, and answers with their arg-max (the answer's error is that of the hard code;
  where hardening loses to the start, the start is kept). `feature_weight` adds that weight
  times the squared distance of D's trunk features of G(z, c) and of the image, relative to the
  image's mean squared feature, to the pixel error minimised ('error' stays the pixel error).
  Returns `inversion.invert`'s dict.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf import inversion  # pylint: disable=g-import-not-at-top
  from infogan_tf.latent import CONTINUOUS_PRIOR_HIGH, CONTINUOUS_PRIOR_LOW  # noqa: E501  pylint: disable=g-import-not-at-top

  if categorical not in ("fixed", "relaxed"):
    raise ValueError(f"categorical must be 'fixed' or 'relaxed', got {categorical!r}")
  spec, pixel_range, discriminator = model.spec, model.pixel_range, model.encoder
  images = tf.convert_to_tensor(images, tf.float32)
  first = inversion.start(model, images, restarts, seed)
  batch = tf.shape(images)[0]
  relaxed = categorical == "relaxed" and bool(spec.categorical)
  z_end = spec.noise_dim
  c_end = z_end + spec.num_continuous
  z_bound = inversion.noise_bound(spec)
  target = discriminator.features(images, training=False) if feature_weight else None
  scale = (tf.reduce_mean(tf.square(target), axis=-1) + 1e-6) if feature_weight else None

  def codes(latent, harden):  # [B, sum k]: the fixed one-hots, or the relaxed ones
    if not relaxed:
      return first.codes
    blocks = tf.split(latent[:, c_end:], list(spec.categorical), axis=-1)
    return tf.concat([tf.zeros([batch, 0])] + [
        tf.one_hot(tf.argmax(p, axis=-1), k) if harden else tf.nn.softmax(p, axis=-1)
        for p, k in zip(blocks, spec.categorical)], axis=-1)

  def generate(latent, harden=False):
    return model.generator(tf.concat([latent[:, :z_end], codes(latent, harden),
                                      latent[:, z_end:c_end]], axis=-1), training=False)

  def objective(latent, harden=False):
    generated = generate(latent, harden)
    value = inversion.squared_error(generated, images, pixel_range)
    if feature_weight:
      features = discriminator.features(generated, training=False)  # [B, F]
      value += feature_weight * tf.reduce_mean(tf.square(features - target), axis=-1) / scale
    return value

  def clip(latent):
    return tf.concat([tf.clip_by_value(latent[:, :z_end], -z_bound, z_bound),
                      tf.clip_by_value(latent[:, z_end:c_end], CONTINUOUS_PRIOR_LOW,
                                       CONTINUOUS_PRIOR_HIGH), latent[:, c_end:]], axis=-1)

  logits = (tf.concat(list(first.out.categorical_logits), axis=-1) if relaxed
            else tf.zeros([batch, 0]))
  latent0 = tf.concat([first.noise, first.continuous, logits], axis=-1)
  latent = inversion.optimise(objective, latent0, steps, clip)
  if relaxed:  # the answer is a hard code: keep the start where hardening lost to it
    latent = tf.where((objective(latent, True) < objective(latent0, True))[:, None], latent,
                      latent0)
    categories = tf.stack([tf.argmax(p, axis=-1, output_type=tf.int32) for p in tf.split(
        latent[:, c_end:], list(spec.categorical), axis=-1)], axis=-1)
  else:
    categories = first.categorical
  generated = generate(latent, harden=True)
  return {"noise": latent[:, :z_end], "categorical": categories,
          "continuous": latent[:, z_end:c_end], "images": generated,
          "error": inversion.squared_error(generated, images, pixel_range),
          "start_error": inversion.squared_error(generate(latent0, True), images, pixel_range)}


def edits(generator, discriminator, spec, config, inverted, tf) -> dict:
  """Edit faithfulness of inverted latents (see the module docstring)."""
  from infogan_tf import posterior  # pylint: disable=g-import-not-at-top
  z, cats, cont = inverted["noise"], inverted["categorical"].numpy(), inverted["continuous"]
  n = int(z.shape[0])

  def read(categorical, continuous):
    sample_input = [z] + [tf.one_hot(categorical[:, i], k) for i, k in
                          enumerate(spec.categorical)] + [continuous]
    images = generator(tf.concat(sample_input, axis=-1), training=False)
    return posterior.decode(discriminator(images, training=False), config.loss.continuous_std)

  out = {}
  if spec.categorical:
    hits = 0
    for k in range(spec.categorical[0]):
      changed = cats.copy()
      changed[:, 0] = k
      hits += int(np.sum(read(changed, cont).categorical[0].numpy() == k))
    out["categorical_accuracy_after_setting_cat0"] = hits / (n * spec.categorical[0])
  base = read(cats, cont).continuous_mean.numpy()  # [N, C]
  for j in range(spec.num_continuous):
    moved_self, moved_others = [], []
    for delta in (-0.5, 0.5):
      shifted = cont.numpy().copy()
      shifted[:, j] = np.clip(shifted[:, j] + delta, -1.0, 1.0)
      now = read(cats, tf.constant(shifted)).continuous_mean.numpy()
      moved_self.append(np.mean(np.abs(now[:, j] - base[:, j])))
      others = [i for i in range(spec.num_continuous) if i != j]
      if others:
        moved_others.append(np.mean(np.abs(now[:, others] - base[:, others])))
    out[f"cont{j}"] = {"mean_change_of_itself": float(np.mean(moved_self)),
                       "mean_change_of_the_others": float(np.mean(moved_others))
                       if moved_others else None}
  return out


def factor_reader(image_size: int, pixel_range, seed: int = 0, examples: int = 30000):
  """A CNN that reads the procedural shapes' five factors from pixels, trained on freshly
  rendered images with the renderer's ground truth (independent of the GAN and of Q).

  Returns:
    (read: images in `pixel_range` [N, S, S, 1] -> [N, 5] factors with the shape as its
    arg-max class, info: held-out accuracy of the shape and R^2 of each continuous factor).
  """
  import keras  # pylint: disable=g-import-not-at-top
  from infogan_tf.data import procedural  # pylint: disable=g-import-not-at-top
  low, high = pixel_range
  keras.utils.set_random_seed(seed)

  def data(n, data_seed):
    factors = procedural.sample_factors(n, data_seed)  # [n, 5]
    images = procedural.render(factors, image_size).astype(np.float32) / 255.0
    return images * (high - low) + low, factors

  x, f = data(examples, 1000 + seed)
  mean, std = f[:, 1:].mean(0), f[:, 1:].std(0)  # the continuous factors, standardised
  inputs = keras.Input([image_size, image_size, 1])
  h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
  h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
  h = keras.layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(h)
  h = keras.layers.Dense(128, activation="relu")(keras.layers.Flatten()(h))
  model = keras.Model(inputs, [keras.layers.Dense(len(procedural.SHAPES))(h),
                               keras.layers.Dense(4)(h)])
  model.compile(keras.optimizers.Adam(1e-3),
                loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True), "mse"])
  model.fit(x, [f[:, 0].astype(np.int32), (f[:, 1:] - mean) / std], batch_size=128, epochs=6,
            verbose=0)

  def read(images):
    logits, continuous = model.predict(np.asarray(images, np.float32), batch_size=500, verbose=0)
    return np.concatenate([np.argmax(logits, -1)[:, None], continuous * std + mean], axis=1)

  tx, tf_ = data(2000, 2000 + seed)
  got = read(tx)
  info = {"shape_accuracy": float(np.mean(got[:, 0] == tf_[:, 0]))}
  for i, name in enumerate(procedural.FACTOR_NAMES[1:], start=1):
    info[f"{name}_r2"] = float(1 - np.mean((got[:, i] - tf_[:, i]) ** 2) / np.var(tf_[:, i]))
  info["continuous_factor_std"] = dict(zip(procedural.FACTOR_NAMES[1:], std.tolist()))
  return read, info


def factor_edits(generator, spec, inverted, tied, read, tf, true_factors, image_size: int,
                 pixel_range, delta: float = 0.5) -> dict:
  """What moving each continuous code of inverted images does to the factors the reader sees.

  Args:
    tied: {code name: factor name} the evaluator tied each continuous code to (MIG's largest
      mutual information in the run's evaluation report).
    read: images -> [N, 5] factors (`factor_reader`).

  Returns:
    {code: {"tied_to": factor, "shape_changed": fraction of images whose shape reading changed,
    "<factor>": mean |change| in units of the factor's std over the data, "control": the same
    readings of the images' own renders before and after moving the tied factor alone (in the
    renderer) by as much as the code moved it: the reader's floor for the other factors}} for
    moves of +-delta.
  """
  from infogan_tf.data import procedural  # pylint: disable=g-import-not-at-top
  z, cats, cont = inverted["noise"], inverted["categorical"].numpy(), inverted["continuous"]
  cat_input = [tf.one_hot(cats[:, i], k) for i, k in enumerate(spec.categorical)]
  generate = lambda c: generator(tf.concat([z] + cat_input + [tf.constant(c, tf.float32)],
                                           axis=-1), training=False).numpy()
  base = read(generate(cont.numpy()))  # [N, 5]
  spread = np.array([procedural.SCALE_RANGE, procedural.ROTATION_RANGE,
                     procedural.POSITION_RANGE, procedural.POSITION_RANGE])
  factor_std = (spread[:, 1] - spread[:, 0]) / np.sqrt(12.0)  # uniform factors
  names = procedural.FACTOR_NAMES[1:]
  low, high = pixel_range
  render = lambda f: procedural.render(f.astype(np.float32), image_size) / 255.0 * (
      high - low) + low
  rendered = read(render(true_factors))  # [N, 5] the reader on the images' own renders

  def change(before, after_move):
    """Means over moves of -1 and +1 x the step: how often the shape reading changes, and each
    continuous factor's |change| in units of its std. `after_move(sign)`: [N, 5] readings."""
    afters = [after_move(sign) for sign in (-1.0, 1.0)]
    moved = np.mean([np.abs(a[:, 1:] - before[:, 1:]) / factor_std for a in afters],
                    axis=(0, 1))  # [4]
    return {"shape_changed": float(np.mean([np.mean(a[:, 0] != before[:, 0]) for a in afters])),
            **{name: float(v) for name, v in zip(names, moved)}}

  def code_moved(j, sign):  # [N, C] the continuous codes with code j moved by sign x delta
    moved = cont.numpy().copy()
    moved[:, j] = np.clip(moved[:, j] + sign * delta, -1.0, 1.0)
    return moved

  def factor_moved(i, by, sign):  # [N, 5] the true factors with factor i moved by sign x by
    moved = true_factors.copy()
    moved[:, i] += sign * by
    return moved

  out = {}
  for j in range(spec.num_continuous):
    row = {"tied_to": tied.get(f"cont{j}"),
           **change(base, lambda sign, j=j: read(generate(code_moved(j, sign))))}
    if row["tied_to"] in names:
      i = procedural.FACTOR_NAMES.index(row["tied_to"])
      by = row[row["tied_to"]] * factor_std[i - 1]  # as far as the code moved it
      row["control"] = change(rendered,
                              lambda sign, i=i, by=by: read(render(factor_moved(i, by, sign))))
    out[f"cont{j}"] = row
  return out


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workdir", required=True)
  parser.add_argument("--label", required=True)
  parser.add_argument("--images", type=int, default=256)
  parser.add_argument("--steps", default="0,25,50,100,200")
  parser.add_argument("--restarts", type=int, default=16)
  parser.add_argument("--timing_calls", type=int, default=50)
  parser.add_argument("--parts", default="reconstruction,variants,factors,timing",
                      help="What to measure; the results file keeps the other parts' last "
                      "results.")
  parser.add_argument("--variants", default="relaxed,features=0.1,features=1",
                      help="At the default steps, besides the default (fixed categorical codes, "
                      "pixels only): 'relaxed' categorical codes, 'features=W' (D-trunk features "
                      "at weight W), or both joined by '+'.")
  args = parser.parse_args()
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from benchmarks import throughput  # pylint: disable=g-import-not-at-top
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import evaluation, inversion  # pylint: disable=g-import-not-at-top

  model = ig.InfoGAN.from_workdir(args.workdir)
  config, checkpoint = model.config, model.checkpoint_path
  generator, discriminator = model.generator, model.encoder
  pixel_range, spec = model.pixel_range, model.spec
  source = data_lib.load_source(config.data, split=evaluation.EVAL_SPLIT, seed=0)
  images = evaluation.load_arrays(source, pixel_range, args.images)[0]  # [N, H, W, C]
  low, high = pixel_range
  unit = lambda x: (np.asarray(x) - low) / (high - low)

  def scores(generated):
    g, x = unit(generated), unit(images)
    return {"mse": float(np.mean((g - x) ** 2)),
            "ssim": float(tf.reduce_mean(tf.image.ssim(tf.constant(g, tf.float32),
                                                       tf.constant(x, tf.float32), 1.0)))}

  def traced_invert(**variant):
    traced = tf.function(lambda x, steps, restarts, seed: (
        invert_variant(model, x, steps, restarts, seed, **variant) if variant
        else inversion.invert(model, x, steps, restarts, seed)))
    # Tensors, not Python numbers: one trace serves every call.
    return lambda x, steps, restarts, seed: traced(
        tf.constant(x, tf.float32), tf.constant(steps, tf.int32),
        tf.constant(restarts, tf.int32), tf.constant(seed, tf.int64))

  run = traced_invert()
  results = {"label": args.label, "workdir": args.workdir, "checkpoint": checkpoint,
             "date": time.strftime("%Y-%m-%d"),
             "machine": throughput.machine_line(throughput.machine()),
             "command": "python -m benchmarks.inversion " + " ".join(
                 f"'{a}'" if " " in a else a for a in sys.argv[1:]),
             "images": int(len(images)), "restarts": args.restarts, "rows": {}}
  parts = set(args.parts.split(","))
  slug = re.sub(r"[^a-z0-9]+", "_", args.label.lower()).strip("_")
  path = os.path.join(ROOT, "benchmarks", "results", f"inversion_{slug}.json")
  if parts != {"reconstruction", "variants", "factors", "timing"} and os.path.exists(path):
    with open(path) as f:
      earlier = json.load(f)
    earlier.setdefault("updated_by", []).append(
        {"parts": sorted(parts), "command": results["command"], "date": results["date"],
         "checkpoint": checkpoint})
    results = earlier
  if "reconstruction" in parts:
    results["rows"]["G(random z, Q(x))"] = scores(run(images, 0, 1, 0)["images"])
    results["rows"]["G(best of 64 z, Q(x))"] = scores(run(images, 0, 64, 0)["images"])
    for steps in [int(s) for s in args.steps.split(",")]:
      out = run(images, steps, args.restarts, 0)
      results["rows"][f"invert, {steps} steps"] = scores(out["images"])
  default = run(images, inversion.DEFAULT_STEPS, args.restarts, 0)
  if "reconstruction" in parts:
    results["edits"] = edits(generator, discriminator, spec, config, default, tf)
  if "variants" in parts:
    results["variants"] = {}
  for name in [v for v in args.variants.split(",") if v and "variants" in parts]:
    variant = {}
    for part in name.split("+"):
      if part == "relaxed":
        variant["categorical"] = "relaxed"
      else:
        variant["feature_weight"] = float(part.split("=")[1])
    invert_variant = traced_invert(**variant)
    out = invert_variant(images, inversion.DEFAULT_STEPS, args.restarts, 0)
    row = scores(out["images"])
    row["edits"] = edits(generator, discriminator, spec, config, out, tf)
    invert_variant(images[:64], inversion.DEFAULT_STEPS, args.restarts, 0)  # traced: time it
    t0 = time.perf_counter()
    for i in range(3):
      invert_variant(images[:64], inversion.DEFAULT_STEPS, args.restarts, i)["images"].numpy()
    row["seconds_batch_64"] = (time.perf_counter() - t0) / 3
    if spec.categorical:
      row["categories_changed_from_q"] = float(np.mean(
          out["categorical"].numpy() != default["categorical"].numpy()))
    results["variants"][name] = row
  if config.data.name == "procedural" and "factors" in parts:
    report_path = os.path.join(args.workdir, "eval", "report.json")
    with open(report_path) as f:
      mig = json.load(f)["mig"]
    names = source.factor_names
    tied = {code: names[int(np.argmax(row))] for code, row in zip(mig["codes"], mig["mi"])}
    read, reader = factor_reader(images.shape[1], pixel_range)
    results["factor_reader"] = reader
    true_factors = evaluation.load_arrays(source, pixel_range, args.images)[2]  # [N, 5]
    results["factor_edits"] = factor_edits(generator, spec, default, tied, read, tf,
                                           true_factors, images.shape[1], pixel_range)
  timing = {}
  for batch in (1, 64) if "timing" in parts else ():
    x = images[:batch]
    run(x, inversion.DEFAULT_STEPS, args.restarts, 0)  # warm-up (tracing)
    seconds = []
    for i in range(args.timing_calls if batch == 1 else max(5, args.timing_calls // 5)):
      t0 = time.perf_counter()
      run(x, inversion.DEFAULT_STEPS, args.restarts, i)["images"].numpy()
      seconds.append(time.perf_counter() - t0)
    timing[f"batch {batch}"] = {"p50": float(np.percentile(seconds, 50)),
                                "p95": float(np.percentile(seconds, 95)), "calls": len(seconds)}
  if timing:
    results["seconds_at_default_steps"] = timing
  with open(path, "w") as f:
    json.dump(results, f, indent=1)
  print(f"{args.label}: {len(images)} evaluation images, restarts {args.restarts}")
  print("| reconstruction | MSE | SSIM |\n|---|---|---|")
  for name, s in results["rows"].items():
    print(f"| {name} | {s['mse']:.4f} | {s['ssim']:.3f} |")
  if "edits" in results:  # a --parts run without 'reconstruction' on a new label has none
    print("edits:", json.dumps(results["edits"]))
  for name, row in results.get("variants", {}).items():
    print(f"variant {name}: MSE {row['mse']:.4f} SSIM {row['ssim']:.3f} "
          f"{row['seconds_batch_64']:.1f} s per 64; edits {json.dumps(row['edits'])}")
  if "factor_edits" in results:
    print("factor reader:", json.dumps(results["factor_reader"]))
    for code, row in results["factor_edits"].items():
      print(code, json.dumps(row))
  for name, t in results.get("seconds_at_default_steps", {}).items():
    print(f"{name} at {inversion.DEFAULT_STEPS} steps: p50 {t['p50']:.3f} s, p95 {t['p95']:.3f} s")
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
