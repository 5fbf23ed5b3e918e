r"""Calls a served InfoGAN over REST or gRPC and writes/prints the result.

  # 16 samples as a PNG grid (gRPC on 8500):
  python -m export.client_main --server=localhost:8500 --signature=sample --count=16 \
      --seed=0 --out=samples.png
  # classify/encode image files (REST on 8501):
  python -m export.client_main --server=http://localhost:8501 --protocol=rest \
      --signature=encode_image_bytes --images=a.png,b.png
  # invert image files (the server decodes them as encode_image_bytes does): their noise and
  # codes, and a PNG with each image above G's image of them:
  python -m export.client_main --signature=invert --images=a.png,b.png --out=inverted.png \
      [--steps=100 --restarts=32]
  # ss-InfoGAN models: images of given classes as a PNG grid:
  python -m export.client_main --signature=generate_class --classes=0,0,7,9 --out=classes.png
  # just print the REST body (for curl -d @body.json):
  python -m export.client_main --signature=sample --count=4 --print_request

A job larger than a signature's cap per request (serving.budgets: e.g. --count above it, many
--images) is sent in parts within the cap, which the server's refusal names.

Every failure is one line on stderr: exit 2 for a flag that cannot work (an unknown flag, a
missing or oversized --images file, a REST --server without http://), 1 for a failed call (an
error answer, no server, no answer within --timeout seconds, an answer that is not TF
Serving's).
"""

from __future__ import annotations

import json
import math
import sys

from absl import app
from absl import flags

from infogan_tf.cli import command
from infogan_tf.serving import signatures

PROGRAM = "export.client_main"


def define_flags(fv: flags.FlagValues = flags.FLAGS) -> None:
  """Defines the client's flags on `fv`."""
  flags.DEFINE_string("server", "localhost:8500",
                      "host:port (gRPC) or http://host:port (REST).", flag_values=fv)
  flags.DEFINE_enum("protocol", "grpc", ["grpc", "rest"], "Transport.", flag_values=fv)
  flags.DEFINE_string("model_name", signatures.DEFAULT_MODEL_NAME, "Served model name.",
                      flag_values=fv)
  flags.DEFINE_integer("version", None, "Pin a model version.", flag_values=fv)
  flags.DEFINE_enum("signature", "sample",
                    ["sample", "generate_class", "encode_image_bytes", "invert"],
                    "What to call (the library covers every signature).", flag_values=fv)
  flags.DEFINE_integer("count", 16, "sample: number of images (more than the signature's cap "
                       "per request are drawn in parts, part i with seed + i).", lower_bound=1,
                       upper_bound=2 ** 31 - 1, flag_values=fv)
  flags.DEFINE_integer("seed", 0, "sample, generate_class, invert (with --steps or --restarts): "
                       "seed.", lower_bound=0, upper_bound=2 ** 63 - 1, flag_values=fv)
  flags.DEFINE_list("classes", [], "generate_class: class indices, one image each.",
                    flag_values=fv)
  flags.DEFINE_list("images", [], "encode_image_bytes, invert: image files of the model's size.",
                    flag_values=fv)
  flags.DEFINE_integer("steps", None, "invert: Adam steps (default: the signature's).",
                       lower_bound=0, upper_bound=2 ** 31 - 1, flag_values=fv)
  flags.DEFINE_integer("restarts", None, "invert: noise draws to start from (default: the "
                       "signature's).", lower_bound=1, upper_bound=2 ** 31 - 1, flag_values=fv)
  flags.DEFINE_string("out", None, "sample, generate_class: write a PNG grid here; invert: each "
                      "image above its reconstruction.", flag_values=fv)
  flags.DEFINE_float("timeout", 30.0, "Seconds to wait for the server's answer.",
                     lower_bound=0.001, flag_values=fv)
  flags.DEFINE_bool("print_request", False, "Print the REST JSON body and exit.",
                    flag_values=fv)
  command.define_flags(fv)  # --debug and --verbose, as every command has them


class _UsageProblem(Exception):
  """A flag value that cannot work; the message says which and why (exit 2)."""


def _inputs(fv: flags.FlagValues):
  import numpy as np  # pylint: disable=g-import-not-at-top

  if fv.signature == "sample":
    return {"count": np.array(fv.count, np.int32), "seed": np.array(fv.seed, np.int64)}
  if fv.signature == "generate_class":
    try:
      classes = np.array([int(c) for c in fv.classes], np.int32)
    except ValueError:
      raise _UsageProblem(f"--classes must be integers, got {fv.classes}") from None
    if not len(classes):
      raise _UsageProblem("--classes is required for generate_class")
    return {"classes": classes, "seed": np.array(fv.seed, np.int64)}
  if not fv.images:
    raise _UsageProblem(f"--images is required for {fv.signature}")
  if any(not path.strip() for path in fv.images):
    raise _UsageProblem(f"--images has an empty name ({','.join(fv.images)!r}): a comma at "
                        "the start, the end or twice?")
  return {"image_bytes": np.array([_read_image(path) for path in fv.images], dtype=object)}


def _read_image(path: str) -> bytes:
  """An --images file, read through the size limit the servers apply to an upload
  (MAX_IMAGE_FILE_BYTES): a larger file (or /dev/zero) is refused after reading one byte past
  the limit, never read whole."""
  from infogan_tf.data import image_files  # pylint: disable=g-import-not-at-top

  limit = image_files.MAX_IMAGE_FILE_BYTES
  try:
    with open(path, "rb") as f:
      data = f.read(limit + 1)
  except OSError as e:
    raise _UsageProblem(f"cannot read --images file {path}: {e.strerror}") from None
  if len(data) > limit:
    raise _UsageProblem(f"--images file {path} is over {limit} bytes: an image of the "
                        "model's size is a few KB (resize it first)")
  return data


def _invert(served, fv: flags.FlagValues, inputs):
  """invert of image files: the server decodes them (encode_image_bytes, whose checks apply),
  then inverts the pixels it saw (invert, or invert_with_settings with --steps/--restarts)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from infogan_tf import inversion  # pylint: disable=g-import-not-at-top

  from infogan_tf.serving import client  # pylint: disable=g-import-not-at-top

  predict = served.predict
  images = client.predict_in_parts(predict, "encode_image_bytes",
                                   inputs)["images"]  # [B, H, W, C] in [0, 1]
  if fv.steps is None and fv.restarts is None:
    return images, client.predict_in_parts(predict, "invert", {"images": images})
  settings = {"images": images,
              "steps": np.array(inversion.DEFAULT_STEPS if fv.steps is None else fv.steps,
                                np.int32),
              "restarts": np.array(inversion.DEFAULT_RESTARTS if fv.restarts is None
                                   else fv.restarts, np.int32),
              "seed": np.array(fv.seed, np.int64)}
  return images, client.predict_in_parts(predict, "invert_with_settings", settings)


def _client(fv: flags.FlagValues):
  from infogan_tf.serving import client  # pylint: disable=g-import-not-at-top
  try:
    if fv.protocol == "rest":
      return client.RestClient(fv.server, fv.model_name, fv.version, fv.timeout)
    return client.GrpcClient(fv.server, fv.model_name, fv.version, fv.timeout)
  except ValueError as e:
    raise _UsageProblem(f"--server: {e} (--protocol={fv.protocol})") from None


def run(fv: flags.FlagValues) -> int:
  """The client with parsed flags `fv`: 0 done, 1 the call failed, 2 a flag cannot work.
  Every failure is one line on stderr."""
  from infogan_tf.serving import client  # pylint: disable=g-import-not-at-top

  try:
    if fv.signature != "invert" and (fv.steps is not None or fv.restarts is not None):
      raise _UsageProblem("--steps and --restarts are for --signature=invert")
    inputs = _inputs(fv)
    if fv.print_request and fv.signature == "invert":
      raise _UsageProblem("--print_request cannot show invert's body: its pixels are what the "
                          "server decodes from --images (print encode_image_bytes' instead)")
    if fv.print_request:
      print(client.dumps(client.rest_request(fv.signature, inputs, client.COLUMNAR)))
      return 0
    served = _client(fv)
  except _UsageProblem as e:
    print(f"{PROGRAM}: {e}", file=sys.stderr)
    return 2
  try:
    if fv.signature == "invert":
      originals, outputs = _invert(served, fv, inputs)
    else:
      outputs = client.predict_in_parts(served.predict, fv.signature, inputs)
  except client.ServingError as e:
    print(f"{PROGRAM}: {e}", file=sys.stderr)
    return 1
  if fv.signature in ("sample", "generate_class", "invert") and fv.out:
    import numpy as np  # pylint: disable=g-import-not-at-top
    from infogan_tf import visualize  # pylint: disable=g-import-not-at-top

    images = client.images_to_uint8(outputs["images"])
    if fv.signature == "invert":  # a column per image: the image above its reconstruction
      rows, cols = 2, len(images)
      images = np.concatenate([client.images_to_uint8(originals), images])
    else:
      cols = int(math.ceil(math.sqrt(len(images))))
      rows = int(math.ceil(len(images) / cols))
    pad = rows * cols - len(images)
    if pad:
      images = np.concatenate([images, np.zeros([pad, *images.shape[1:]], np.uint8)])
    try:
      visualize.write_png(fv.out, visualize.tile(images, rows, cols))
    except OSError as e:
      print(f"{PROGRAM}: cannot write --out {fv.out}: {e.strerror}", file=sys.stderr)
      return 1
    print(f"wrote {fv.out}")
  print(json.dumps({k: v.tolist() for k, v in outputs.items()
                    if k not in ("images", "features")}))
  return 0


if __name__ == "__main__":
  define_flags()
  # The shared prologue: unexpected arguments, --debug, anything unforeseen as one line.
  app.run(command.main_function(PROGRAM, lambda: run(flags.FLAGS), outputs="--out"),
          flags_parser=command.flags_parser(PROGRAM))
