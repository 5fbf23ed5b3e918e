r"""Calls a served InfoGAN over REST or gRPC and writes/prints the result.

  # 16 samples as a PNG grid (gRPC on 8500):
  python -m export.client_main --server=localhost:8500 --signature=sample --count=16 \
      --seed=0 --out=samples.png
  # classify/encode image files (REST on 8501):
  python -m export.client_main --server=http://localhost:8501 --protocol=rest \
      --signature=encode_image_bytes --images=a.png,b.png
  # ss-InfoGAN models: images of given classes as a PNG grid:
  python -m export.client_main --signature=generate_class --classes=0,0,7,9 --out=classes.png
  # just print the REST body (for curl -d @body.json):
  python -m export.client_main --signature=sample --count=4 --print_request
"""

from __future__ import annotations

import json
import math
import os
import sys

if __name__ == "__main__":  # `import infogan_tf` then keeps TF's C++ start-up lines off stderr
  os.environ["INFOGAN_TF_QUIET_STARTUP"] = "1"

from absl import app
from absl import flags

flags.DEFINE_string("server", "localhost:8500", "host:port (gRPC) or http://host:port (REST).")
flags.DEFINE_enum("protocol", "grpc", ["grpc", "rest"], "Transport.")
flags.DEFINE_string("model_name", "infogan", "Served model name.")
flags.DEFINE_integer("version", None, "Pin a model version.")
flags.DEFINE_enum("signature", "sample", ["sample", "generate_class", "encode_image_bytes"],
                  "What to call (the library covers every signature).")
flags.DEFINE_integer("count", 16, "sample: number of images.")
flags.DEFINE_integer("seed", 0, "sample, generate_class: seed.")
flags.DEFINE_list("classes", [], "generate_class: class indices, one image each.")
flags.DEFINE_list("images", [], "encode_image_bytes: image files of the model's size.")
flags.DEFINE_string("out", None, "sample: write a PNG grid here.")
flags.DEFINE_bool("print_request", False, "Print the REST JSON body and exit.")
flags.DEFINE_bool("verbose", False, "Show TensorFlow's own C++ log lines (also "
                  "INFOGAN_TF_VERBOSE=1).")
FLAGS = flags.FLAGS


def _inputs():
  import numpy as np  # pylint: disable=g-import-not-at-top

  if FLAGS.signature == "sample":
    return {"count": np.array(FLAGS.count, np.int32), "seed": np.array(FLAGS.seed, np.int64)}
  if FLAGS.signature == "generate_class":
    try:
      classes = np.array([int(c) for c in FLAGS.classes], np.int32)
    except ValueError:
      raise app.UsageError(f"--classes must be integers, got {FLAGS.classes}") from None
    if not len(classes):
      raise app.UsageError("--classes is required for generate_class")
    return {"classes": classes, "seed": np.array(FLAGS.seed, np.int64)}
  if not FLAGS.images:
    raise app.UsageError("--images is required for encode_image_bytes")
  return {"image_bytes": np.array([open(p, "rb").read() for p in FLAGS.images], dtype=object)}


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  from infogan_tf.serving import client  # pylint: disable=g-import-not-at-top

  inputs = _inputs()
  if FLAGS.print_request:
    print(client.dumps(client.rest_request(FLAGS.signature, inputs, client.COLUMNAR)))
    return 0
  try:
    if FLAGS.protocol == "rest":
      outputs = client.RestClient(FLAGS.server, FLAGS.model_name, FLAGS.version).predict(
          FLAGS.signature, inputs)
    else:
      outputs = client.GrpcClient(FLAGS.server, FLAGS.model_name, FLAGS.version).predict(
          FLAGS.signature, inputs)
  except (client.ServingError, OSError) as e:
    print(f"export.client_main: {e}", file=sys.stderr)
    return 1
  if FLAGS.signature in ("sample", "generate_class"):
    from infogan_tf import visualize  # pylint: disable=g-import-not-at-top

    images = client.images_to_uint8(outputs["images"])
    cols = int(math.ceil(math.sqrt(len(images))))
    rows = int(math.ceil(len(images) / cols))
    pad = rows * cols - len(images)
    if pad:
      import numpy as np  # pylint: disable=g-import-not-at-top
      images = np.concatenate([images, np.zeros([pad, *images.shape[1:]], np.uint8)])
    if FLAGS.out:
      visualize.write_png(FLAGS.out, visualize.tile(images, rows, cols))
      print(f"wrote {FLAGS.out}")
    print(json.dumps({k: v.tolist() for k, v in outputs.items() if k != "images"}))
  else:
    print(json.dumps({k: v.tolist() for k, v in outputs.items() if k != "features"}))
  return 0


if __name__ == "__main__":
  app.run(main)
