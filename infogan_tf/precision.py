"""`precision='auto'`: bfloat16 compute where the device runs it natively, float32 elsewhere.

bfloat16 matmuls and convolutions pay only where the hardware has them: CPUs with AVX512_BF16 or
AMX (the project's AVX512_BF16 EPYC: ~1.2x the float32 step), GPUs of compute capability 8.0
and later (Ampere on), TPUs. Elsewhere TensorFlow emulates them at about a tenth of float32's
speed (a 2-core AVX2-only EPYC, docs/performance.md#bfloat16-by-default). `choose` decides from a
`Devices` description, so every kind of device can be tested on any machine; `detect` reads this
machine's.
"""

from __future__ import annotations

import dataclasses
from typing import FrozenSet, Optional, Tuple

AUTO = "auto"
BFLOAT16 = "mixed_bfloat16"
FLOAT16 = "mixed_float16"  # float16 compute with dynamic loss scaling (GPUs without bfloat16)
FLOAT32 = "float32"
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo names of native bfloat16
MIN_GPU_COMPUTE_CAPABILITY = (8, 0)  # Ampere: bfloat16 tensor cores
MIN_GPU_FLOAT16_CAPABILITY = (7, 0)  # Volta, Turing (V100, T4): float16 tensor cores only


@dataclasses.dataclass(frozen=True)
class Devices:
  """What `choose` needs to know about the devices a run trains on.

  Attributes:
    cpu_flags: The CPU's feature flags (lower case, as /proc/cpuinfo names them).
    gpu_compute_capabilities: One (major, minor) per visible GPU.
    tpus: Number of TPU cores.
  """

  cpu_flags: FrozenSet[str] = frozenset()
  gpu_compute_capabilities: Tuple[Tuple[int, int], ...] = ()
  tpus: int = 0


def choose(devices: Devices) -> Tuple[str, str]:
  """(precision, reason): mixed_bfloat16 where every training device runs bfloat16 natively,
  mixed_float16 on GPUs with float16 tensor cores only (compute capability 7.x: V100, T4),
  float32 elsewhere.

  Training runs on the accelerators when there are any (TPUs, then GPUs), else on the CPU.
  """
  if devices.tpus:
    return BFLOAT16, f"{devices.tpus} TPU core(s) (bfloat16 is native)"
  if devices.gpu_compute_capabilities:
    oldest = min(devices.gpu_compute_capabilities)
    named = ", ".join(f"{a}.{b}" for a, b in devices.gpu_compute_capabilities)
    if oldest >= MIN_GPU_COMPUTE_CAPABILITY:
      return BFLOAT16, f"GPU compute capability {named} (>= 8.0: native bfloat16)"
    if oldest >= MIN_GPU_FLOAT16_CAPABILITY:
      return FLOAT16, (f"GPU compute capability {named} (7.x: float16 tensor cores, no fast "
                       "bfloat16; float16 with dynamic loss scaling)")
    return FLOAT32, (f"GPU compute capability {named} (< 7.0: no tensor cores)")
  native = [flag for flag in CPU_BF16_FLAGS if flag in devices.cpu_flags]
  if native:
    return BFLOAT16, f"CPU with {', '.join(f.upper() for f in native)} (native bfloat16)"
  return FLOAT32, ("CPU without AVX512_BF16 or AMX (bfloat16 would be emulated, several times "
                   "slower than float32)")


def _cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> FrozenSet[str]:
  """The first CPU's flags from /proc/cpuinfo (empty where there is none: not Linux)."""
  try:
    with open(cpuinfo) as f:
      for line in f:
        if line.startswith("flags"):
          return frozenset(line.split(":", 1)[1].split())
  except OSError:
    pass
  return frozenset()


def detect() -> Devices:
  """This machine's devices as TensorFlow sees them (TensorFlow is initialised here)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  capabilities = []
  for gpu in tf.config.list_physical_devices("GPU"):
    details = tf.config.experimental.get_device_details(gpu)
    capabilities.append(tuple(details.get("compute_capability", (0, 0))))
  tpus = len(tf.config.list_logical_devices("TPU"))
  return Devices(_cpu_flags(), tuple(capabilities), tpus)


def resolve(requested: str, saved: Optional[str] = None,
            devices: Optional[Devices] = None) -> Tuple[str, str]:
  """The precision a run trains with, and why.

  Args:
    requested: The configured precision ('auto' or a concrete one).
    saved: The precision in the workdir's config.json when the run resumes (always concrete).
    devices: The devices (default: `detect()`), consulted only for a fresh 'auto'.

  Returns:
    (precision, reason).
  """
  if requested != AUTO:
    return requested, "configured"
  if saved is not None:
    return saved, "auto: the precision the run started with"
  precision, reason = choose(devices if devices is not None else detect())
  return precision, f"auto: {reason}"

