"""infogan_tf: InfoGAN (Chen et al., 2016) in TensorFlow 2 / Keras 3."""

import os

# TensorFlow turns its oneDNN CPU kernels on by default only on CPUs with AVX512/AMX
# features; on AVX2-only CPUs it falls back to Eigen, which trains these nets 2.1x slower
# (124 vs 263 images/s, MNIST nets, batch 64, 2-core AVX2 AMD EPYC; docs/throughput_avx2.md and
# docs/throughput_avx2_eigen.md, from benchmarks/throughput.py).
# setdefault: an explicit TF_ENABLE_ONEDNN_OPTS=0 still wins. Read when TensorFlow is first
# imported, so this takes effect when infogan_tf is imported before TensorFlow (as in every
# entry point of this project).
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"
