"""Command-line tools over `infogan_tf.serving` (nothing imports this package).

  python -m export.main         a trained workdir -> a TF Serving SavedModel version
  python -m export.client_main  requests to a running TF Serving (gRPC or REST)
"""

import os
import sys

# Before anything imports TensorFlow: TF's C++ INFO and WARNING lines off (a user's own setting
# wins), and under `python -m export.<command>` (runpy sets sys.argv[0] to "-m" while it imports
# this package) `import infogan_tf` also keeps TF's start-up lines off stderr. One place for every
# command of the package; a program that imports a module of it is left alone.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if sys.argv[:1] == ["-m"]:
  os.environ["INFOGAN_TF_QUIET_STARTUP"] = "1"
