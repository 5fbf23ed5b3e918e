"""Distribution strategies: one device, N local devices (mirrored), or many workers."""

from __future__ import annotations

import json
import os
import re
import tempfile

import tensorflow as tf


def configure_virtual_cpus(n: int) -> None:
  """Splits the first physical CPU into `n` logical devices (for multi-replica runs on a CPU).

  Must run before TensorFlow initialises its devices.

  Raises:
    RuntimeError: If TF is already initialised with a different number of CPU devices.
  """
  if n <= 0:
    return
  cpu = tf.config.list_physical_devices("CPU")[0]
  current = tf.config.get_logical_device_configuration(cpu)
  if current is not None and len(current) == n:
    return
  try:
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
  except RuntimeError as e:
    have = len(tf.config.list_logical_devices("CPU"))
    raise RuntimeError(
        f"cannot split the CPU into {n} devices: TensorFlow is already initialised with "
        f"{have} CPU device(s); configure virtual CPUs before any TF op runs") from e


def make_strategy(name: str, virtual_cpus: int = 0) -> tf.distribute.Strategy:
  """Builds the distribution strategy.

  Args:
    name: 'mirrored' (all local GPUs, else all logical CPUs), 'one_device', or
      'multi_worker' (reads TF_CONFIG; set it before calling).
    virtual_cpus: If > 0, split the CPU into this many logical devices first.
  """
  configure_virtual_cpus(virtual_cpus)
  if name == "one_device":
    gpus = tf.config.list_logical_devices("GPU")
    return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
  if name == "mirrored":
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
    return tf.distribute.MirroredStrategy(devices)
  if name == "multi_worker":
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise ValueError(f"unknown strategy {name!r}")


def is_chief(strategy: tf.distribute.Strategy) -> bool:
  """True on the worker that writes summaries, images and the real checkpoints."""
  resolver = getattr(strategy, "cluster_resolver", None)
  if resolver is None or not resolver.task_type:
    return True
  if resolver.task_type == "chief":
    return True
  cluster = resolver.cluster_spec().as_dict()
  return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster


def worker_dir(workdir: str, strategy: tf.distribute.Strategy) -> str:
  """Where this worker writes checkpoints: the workdir on the chief, a temp dir elsewhere.

  Every MultiWorkerMirroredStrategy worker must take part in saving; non-chief copies are
  thrown away. Each call on a non-chief makes a new temp dir: call it once per run and remove
  the dir it returned.
  """
  if is_chief(strategy):
    return workdir
  task = strategy.cluster_resolver.task_id
  return tempfile.mkdtemp(prefix=f"infogan_worker{task}_")


def describe(strategy: tf.distribute.Strategy) -> str:
  """One line naming the strategy and its devices."""
  devices = getattr(strategy.extended, "worker_devices", ())
  tf_config = os.environ.get("TF_CONFIG")
  extra = f", TF_CONFIG task {json.loads(tf_config).get('task')}" if tf_config else ""
  name = ("MultiWorkerMirroredStrategy"
          if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
          else type(strategy).__name__)
  return (f"{name} with {strategy.num_replicas_in_sync} replica(s) "
          f"{list(devices)}{extra}")


def lost_worker(error: Exception, strategy: tf.distribute.Strategy) -> str:
  """Which other task of a multi-worker cluster a collective error names ('worker 1'),
  'another worker' when it names none, or '' when the strategy is not multi-worker."""
  resolver = getattr(strategy, "cluster_resolver", None)
  if resolver is None or not resolver.task_type:
    return ""
  own = f"/job:{resolver.task_type}/replica:0/task:{resolver.task_id}"
  for job, task in re.findall(r"/job:(\w+)/replica:\d+/task:(\d+)", str(error)):
    if f"/job:{job}/replica:0/task:{task}" != own:
      return f"{job} {task}"
  return "another worker"
