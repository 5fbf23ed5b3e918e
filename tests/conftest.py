"""Test setup: quiet TF, 2 logical CPU devices (multi-replica paths), unparsed absl flags."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import infogan_tf  # noqa: E402,F401  (before TF: sets its CPU kernel default)
import tensorflow as tf  # noqa: E402

from infogan_tf import distribute  # noqa: E402

NUM_TEST_REPLICAS = 2
# Must run before TF initialises devices, i.e. before any test touches TF.
distribute.configure_virtual_cpus(NUM_TEST_REPLICAS)
tf.get_logger().setLevel("ERROR")
