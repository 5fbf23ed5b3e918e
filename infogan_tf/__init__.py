"""infogan_tf: InfoGAN (Chen et al., 2016) in TensorFlow 2 / Keras 3."""

import os

# TensorFlow turns its oneDNN CPU kernels on by default only on CPUs with AVX512/AMX
# features; on AVX2-only CPUs it falls back to Eigen, which trains these nets 2.3x slower
# (275 vs 120 images/s, MNIST nets, batch 64, 2-core AMD EPYC Zen 3; docs/throughput.md).
# setdefault: an explicit TF_ENABLE_ONEDNN_OPTS=0 still wins. Read when TensorFlow is first
# imported, so this takes effect when infogan_tf is imported before TensorFlow (as in every
# entry point of this project).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"
