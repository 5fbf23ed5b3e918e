"""Shared test helpers: tiny configs and strategies."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shutil
import struct
import subprocess
import zlib

import numpy as np
import tensorflow as tf

from infogan_tf import config as config_lib

ROOT = __import__("os").path.dirname(__import__("os").path.dirname(__file__))


# Two graphs of one float32 network on the same inputs (a SavedModel signature and the Keras
# model, a batch of 1 and of 3, oneDNN or Eigen kernels, fused or not) may add each dot product's
# terms in a different order. The round-off of a sum of n terms in some order is about sqrt(n) u
# of its terms' scale (u = 2^-24 ~ 6e-8); the paper nets chain at most 4 such layers with fan-ins
# up to 6272 (D's 7x7x128 -> 1024 layer), so outputs may differ by about 4 sqrt(6272) u ~ 1.9e-5
# of their scale. Tests allow 10x that: a real difference (a wrong weight, a missing BatchNorm
# statistic, another input) moves outputs by far more.
NETWORK_TOLERANCE = 2e-4


def assert_same_network_output(actual, desired, err_msg: str = "") -> None:
  """`actual` and `desired` are one float32 network's outputs, up to summation order.

  The bound is NETWORK_TOLERANCE times the outputs' scale (their largest magnitude, at least 1:
  probabilities and [0, 1] images have scale 1).
  """
  desired = np.asarray(desired)
  scale = max(1.0, float(np.max(np.abs(desired)))) if desired.size else 1.0
  np.testing.assert_allclose(actual, desired, rtol=0, atol=NETWORK_TOLERANCE * scale,
                             err_msg=err_msg)


def tiny_config(workdir: str = "/tmp/unused", **train_overrides) -> config_lib.ExperimentConfig:
  """A small procedural-data config: Cat(4) + 2 continuous codes, MNIST nets, batch 16."""
  train = dict(workdir=workdir, steps=4, batch_size=16, seed=0, strategy="one_device",
               log_every=2, checkpoint_every=2, image_every=4, steps_per_loop=2)
  train.update(train_overrides)
  return config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=8, noise_prior="uniform", categorical=(4,),
                                     continuous=2),
      model=config_lib.ModelConfig("mnist", (28, 28, 1)),
      data=config_lib.DataConfig(name="procedural", image_size=28, num_examples=512,
                                 shuffle_buffer=512),
      train=config_lib.TrainConfig(**train),
  )


def with_parts(config, **parts):
  """Replaces fields of sub-configs: with_parts(c, loss=dict(lambda_continuous=1.0))."""
  return config.replace(**{k: dataclasses.replace(getattr(config, k), **v)
                           for k, v in parts.items()})


@functools.lru_cache(maxsize=None)
def mirrored_strategy() -> tf.distribute.MirroredStrategy:
  """The process's one MirroredStrategy over the 2 logical CPU devices set up in conftest.

  Shared because separate MirroredStrategy objects in one process reuse collective instance
  keys, and the second one's collectives then clash with the first's.
  """
  devices = [d.name for d in tf.config.list_logical_devices("CPU")]
  assert len(devices) >= 2, devices
  return tf.distribute.MirroredStrategy(devices[:2])


@functools.lru_cache(maxsize=None)
def one_device_strategy() -> tf.distribute.OneDeviceStrategy:
  return tf.distribute.OneDeviceStrategy("/cpu:0")


def train_tiny_workdir(workdir: str, **train_overrides) -> str:
  """Trains `tiny_config(workdir, steps=4, ...)` on one device, quietly; returns workdir."""
  import io  # pylint: disable=g-import-not-at-top
  from infogan_tf import training  # pylint: disable=g-import-not-at-top
  train_overrides.setdefault("steps", 4)
  training.train(tiny_config(workdir, **train_overrides), stream=io.StringIO(),
                 strategy=one_device_strategy())
  return workdir


def tiny_ss_config(workdir: str = "/tmp/unused", **train_overrides) -> config_lib.ExperimentConfig:
  """`tiny_config` as ss-InfoGAN: Cat(4) tied to the procedural shape, 2 labels per shape,
  pseudo-labels on RandAugmented strong views."""
  config = tiny_config(workdir, **train_overrides)
  return config.replace(semi_supervised=config_lib.SemiSupervisedConfig(
      codes=(0,), label_columns=("shape",), labels_per_class=2, labelled_batch_size=8,
      augment_flip=True, consistency_weight=1.0, consistency_threshold=0.3, cutout=6,
      strong_randaugment_ops=2))


@contextlib.contextmanager
def tmpfs(path, options: str, fill_from: str = None, prepare=None):
  """Mounts a tmpfs at `path` (pytest-skips without root); with `fill_from`, copies that folder
  into it first, calls `prepare(path)` if given, and then remounts it with `options` (e.g. a
  read-only copy of a workdir)."""
  import pytest  # pylint: disable=g-import-not-at-top
  path.mkdir()
  first = "size=1g" if fill_from else options
  if subprocess.run(["mount", "-t", "tmpfs", "-o", first, "tmpfs", str(path)],
                    capture_output=True).returncode:
    pytest.skip("cannot mount a tmpfs here (needs root)")
  try:
    if fill_from:
      shutil.copytree(fill_from, path, dirs_exist_ok=True)
      if prepare:
        prepare(path)
      subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)
    yield path
  finally:
    subprocess.run(["umount", str(path)], capture_output=True)


@contextlib.contextmanager
def peak_memory_growth():
  """Yields a dict whose 'mib' is, on exit, how far the process's peak RSS rose above its RSS
  at entry. The peak is reset first (Linux /proc/self/clear_refs), so an earlier, higher
  peak of the test process cannot hide an allocation."""
  def status(field):
    with open("/proc/self/status") as f:
      for line in f:
        if line.startswith(field + ":"):
          return int(line.split()[1]) / 1024  # KiB -> MiB
    raise KeyError(field)
  try:
    with open("/proc/self/clear_refs", "w") as f:
      f.write("5")  # resets VmHWM to the current RSS
  except OSError:
    import pytest  # pylint: disable=g-import-not-at-top
    pytest.skip("cannot reset the peak RSS here (/proc/self/clear_refs)")
  result = {}
  start = status("VmRSS")
  yield result
  result["mib"] = status("VmHWM") - start


def _chunk(kind, data):
  return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=None)
def huge_png(side: int = 20000) -> bytes:
  """A valid grey PNG of side x side black pixels, compressed to ~0.4 MB; decoding it takes
  side^2 bytes (400 MB at 20000). Written row by row, so making it costs no such memory."""
  packer = zlib.compressobj(9)
  row = b"\0" * (side + 1)  # filter byte + pixels
  data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
  header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
  return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data)
          + _chunk(b"IEND", b""))
