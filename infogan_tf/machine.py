"""What machine this is, for the records a run and an export leave (config.json's history, the
model card) and the benchmarks' results files.

`describe()` reads /proc/cpuinfo (Linux; "unknown" elsewhere) and the library versions. The ISA
is the widest vector/matrix extension, which decides TensorFlow's CPU kernels (oneDNN's AMX and
AVX-512 paths, Eigen's AVX2 one) and roughly the attainable FLOP rate: figures from machines of
different ISAs are not comparable.
"""

from __future__ import annotations

import os
import platform
from typing import Dict

_ISAS = (("AMX", "amx_tile"), ("AVX512_BF16", "avx512_bf16"), ("AVX512", "avx512f"),
         ("AVX2", "avx2"))


def describe() -> Dict[str, object]:
  """{'cpu', 'isa', 'cores', 'python', 'tensorflow', 'keras', 'platform', 'onednn'}."""
  import keras  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  cpu, isa = "unknown", "unknown"
  if os.path.exists("/proc/cpuinfo"):
    with open("/proc/cpuinfo") as f:
      lines = f.readlines()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = names[0] if names else cpu
    flags = next((set(line.split(":", 1)[1].split()) for line in lines
                  if line.startswith("flags")), set())
    isa = next((name for name, flag in _ISAS if flag in flags), "older")
  return {"cpu": cpu, "isa": isa, "cores": os.cpu_count(),
          "python": platform.python_version(), "tensorflow": tf.__version__,
          "keras": keras.__version__, "platform": platform.platform(),
          "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1 (infogan_tf default)")}


def line(m: Dict[str, object]) -> str:
  """'<cpu> (<isa>), <n> cores, TF <version>'."""
  return f"{m['cpu']} ({m.get('isa', '?')}), {m['cores']} cores, TF {m['tensorflow']}"
