"""Test setup: quiet TF, 2 logical CPU devices (multi-replica paths), unparsed absl flags."""

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow's C++ start-up lines (cuInit, oneDNN) off each test process's stderr, as the CLIs do.
os.environ.setdefault("INFOGAN_TF_QUIET_STARTUP", "1")

import infogan_tf  # noqa: E402,F401  (before TF: sets its CPU kernel default)
import tensorflow as tf  # noqa: E402

from infogan_tf.training import distribute  # noqa: E402

NUM_TEST_REPLICAS = 2
# Must run before TF initialises devices, i.e. before any test touches TF.
distribute.configure_virtual_cpus(NUM_TEST_REPLICAS)
# pytest-xdist runs several test processes at once: give each its share of the cores rather
# than letting every TensorFlow runtime spread over all of them.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
  tf.config.threading.set_intra_op_parallelism_threads(max(1, (os.cpu_count() or 1) // _WORKERS))
tf.get_logger().setLevel("ERROR")


import pytest  # noqa: E402

# The quick tier (`bash scripts/test.sh --quick`: pytest -m "not slow") is the unit tests. A test
# is slow when it is marked so, when its module is (`pytestmark = pytest.mark.slow`: commands in
# subprocesses, several processes, learning to a score), or when it needs one of these fixtures,
# which train, export or fit a model before the test can start.
SLOW_FIXTURES = frozenset({"trained_workdir", "mirrored_workdir", "classifier_dir", "exported",
                           "ss_workdir"})


def pytest_collection_modifyitems(config, items):
  del config
  for item in items:
    if SLOW_FIXTURES & set(item.fixturenames):
      item.add_marker(pytest.mark.slow)


def _run_root(tmp_path_factory):
  """The test run's own temporary folder: shared by the pytest-xdist workers."""
  root = tmp_path_factory.getbasetemp()
  return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


@contextlib.contextmanager
def _one_worker_at_a_time(tmp_path_factory, name):
  """Holds the run-wide lock `name` (one xdist worker at a time); yields the run's folder."""
  import fcntl  # pylint: disable=g-import-not-at-top
  root = _run_root(tmp_path_factory)
  with open(root / f"{name}.lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
    yield root


def _shared_workdir(tmp_path_factory, name, train):
  """The run-wide workdir `name`, made by `train(path)` once per test run (the first xdist
  worker to get here trains it, the others wait and read it)."""
  import shutil  # pylint: disable=g-import-not-at-top

  with _one_worker_at_a_time(tmp_path_factory, name) as root:
    workdir, done = root / name, root / f"{name}.done"
    if not done.exists():
      shutil.rmtree(workdir, ignore_errors=True)  # what a failed attempt left
      train(str(workdir))
      done.touch()
  return str(workdir)


@pytest.fixture(scope="session")
def trained_workdir(tmp_path_factory):
  """`helpers.train_tiny_workdir` (4 steps: ckpt-2 and ckpt-4), trained once per test run and
  shared by the pytest-xdist workers. Read it only: a test that trains on, evaluates or
  damages a workdir copies it or trains its own."""
  from tests import helpers  # pylint: disable=g-import-not-at-top
  return _shared_workdir(tmp_path_factory, "shared_workdir", helpers.train_tiny_workdir)


@pytest.fixture(scope="session")
def mirrored_workdir(tmp_path_factory):
  """`helpers.tiny_config` trained 4 steps on 2 replicas (MirroredStrategy), once per test run;
  read it only."""
  import io  # pylint: disable=g-import-not-at-top
  from infogan_tf import training  # pylint: disable=g-import-not-at-top
  from tests import helpers  # pylint: disable=g-import-not-at-top

  def train(workdir):
    return training.train(helpers.tiny_config(workdir, steps=4, strategy="mirrored"),
                          stream=io.StringIO(), strategy=helpers.mirrored_strategy())

  return _shared_workdir(tmp_path_factory, "mirrored_workdir", train)


@pytest.fixture(scope="session")
def classifier_dir(tmp_path_factory):
  """One Fréchet/classification feature-classifier cache for the whole session, shared by the
  pytest-xdist workers: the first to get here trains a small classifier of the procedural
  shapes (100 updates instead of the evaluator's 400: shapes are easy), every evaluation in
  the tests then loads it."""
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf.metrics import feature_classifier  # pylint: disable=g-import-not-at-top

  def split(name, count):
    source = data_lib.load_source(
        config_lib.DataConfig(name="procedural", num_examples=count), split=name)
    batch = next(iter(data_lib.eval_batches(source, count, (0.0, 1.0))))
    return batch["image"].numpy(), batch["label"].numpy()

  with _one_worker_at_a_time(tmp_path_factory, "classifiers") as root:
    directory = root / "classifiers"
    feature_classifier.load_or_train(str(directory), "procedural", (28, 28, 1), (0.0, 1.0), 4,
                                     lambda: split("train", 2000), lambda: split("test", 1000),
                                     min_steps=100)
  return str(directory)
