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


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def classifier_dir(tmp_path_factory):
  """One Fréchet/classification feature-classifier cache for the whole session: every test of
  the procedural data reuses the classifier the first one trained."""
  return str(tmp_path_factory.mktemp("classifiers"))
