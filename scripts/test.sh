#!/usr/bin/env bash
# The project's tests (what .ci/run runs): sets up .venv with the test extra, lints with ruff, runs
# the whole suite on two pytest-xdist workers, then the numerics tests again on Eigen's kernels
# (TF_ENABLE_ONEDNN_OPTS=0: what AVX2-only CPUs run, where TensorFlow leaves oneDNN off).
#   bash scripts/test.sh [extra pytest arguments for the whole-suite run]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .  # the linter (pyproject.toml's settings), in seconds
.venv/bin/python -m pytest -q -n 2 --dist=loadscope --durations=15 "$@"
echo "numerics tests with oneDNN off (Eigen's kernels):" >&2
TF_ENABLE_ONEDNN_OPTS=0 .venv/bin/python -m pytest -q -n 2 --dist=loadscope -m numerics
