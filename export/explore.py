r"""Serves the explorer page over an exported model: category buttons and code sliders with a
grid that follows them, traversals, and Q's codes of an image you drop in.

  python -m export.explore --model_dir=/tmp/models/infogan/1 [--port=8080] [--host=127.0.0.1]
  python -m export.explore --server=http://localhost:8501 --model_name=infogan \
      [--model_dir=/tmp/models/infogan]   # only for the export's class names

The page talks only to this process (one origin); with --server, this process calls TF
Serving's REST API. Only requests naming this machine's local host names (or --allowed_hosts)
and coming from the page itself are answered. Prints the URL; Ctrl-C stops it.
"""

from __future__ import annotations

import logging
import os
import sys

if __name__ == "__main__":
  os.environ["INFOGAN_TF_QUIET_STARTUP"] = "1"

from absl import flags

from infogan_tf.cli import command
from infogan_tf.serving import signatures

flags.DEFINE_string("model_dir", None, "An exported version (DIR/<version>) or its DIR (the "
                    "highest version is served); with --server, read only for class names.")
flags.DEFINE_string("server", None, "A TF Serving REST endpoint, e.g. http://localhost:8501, "
                    "instead of loading the model here.")
flags.DEFINE_string("model_name", signatures.DEFAULT_MODEL_NAME,
                    "The served model's name (with --server).")
flags.DEFINE_string("host", "127.0.0.1", "Address to listen on (0.0.0.0: every interface).")
flags.DEFINE_integer("port", 8080, "Port to listen on (0: any free port).")
flags.DEFINE_list("allowed_hosts", [], "Host names the page may be reached by besides "
                  "localhost, 127.0.0.1, [::1] and --host (e.g. this machine's name when "
                  "--host=0.0.0.0); '*' accepts any (turns off the DNS-rebinding guard).")
command.define_flags()
flags.adopt_module_key_flags(command)
FLAGS = flags.FLAGS
PROGRAM = "export.explore"


def work() -> int:
  from infogan_tf import explorer  # pylint: disable=g-import-not-at-top
  from infogan_tf.explorer import server as server_lib  # pylint: disable=g-import-not-at-top

  if not FLAGS.model_dir and not FLAGS.server:
    print(f"{PROGRAM}: give --model_dir (an export) or --server (TF Serving's REST URL)",
          file=sys.stderr)
    return 2
  if not 0 <= FLAGS.port <= 65535:
    print(f"{PROGRAM}: --port must be in [0, 65535], got {FLAGS.port}", file=sys.stderr)
    return 2
  handler = logging.StreamHandler(sys.stderr)  # one line per refused request
  handler.setFormatter(logging.Formatter(f"{PROGRAM}: %(message)s"))
  log = logging.getLogger(server_lib.log.name)
  log.addHandler(handler)
  log.setLevel(logging.DEBUG if FLAGS.verbose else logging.WARNING)
  log.propagate = False
  try:  # the port first: a port in use fails before the model loads
    httpd = server_lib.make_server(None, FLAGS.host, FLAGS.port, FLAGS.allowed_hosts)
  except OSError as e:
    message = server_lib.port_in_use_message(e, FLAGS.host, FLAGS.port)
    if message is None:
      raise
    print(f"{PROGRAM}: {message}", file=sys.stderr)
    return 1
  try:
    backend = (explorer.ServingBackend(FLAGS.server, FLAGS.model_name, FLAGS.model_dir)
               if FLAGS.server else explorer.LocalBackend(FLAGS.model_dir))
    httpd.explorer = app = explorer.Explorer(backend)
  except explorer.BackendError as e:  # TF Serving down, or not TF Serving
    print(f"{PROGRAM}: {e}", file=sys.stderr)
    httpd.server_close()
    return 1
  except ValueError as e:  # a --model_dir that is no export, a --server that is no URL
    print(f"{PROGRAM}: {e}", file=sys.stderr)
    httpd.server_close()
    return 2
  print(f"{PROGRAM}: serving {app.model.source} at {httpd.url} (Ctrl-C stops)", flush=True)
  try:
    httpd.serve_forever()
  except KeyboardInterrupt:
    print(f"{PROGRAM}: stopped", flush=True)
  finally:
    httpd.server_close()
  return 0


if __name__ == "__main__":
  command.run(PROGRAM, work, outputs="--model_dir")
