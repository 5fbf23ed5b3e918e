#!/usr/bin/env bash
# The project's tests (what .ci/run runs): sets up .venv with the test extra, lints with ruff, runs
# the whole suite on two pytest-xdist workers, then the numerics tests again on Eigen's kernels
# (TF_ENABLE_ONEDNN_OPTS=0: what AVX2-only CPUs run, where TensorFlow leaves oneDNN off).
#   bash scripts/test.sh [extra pytest arguments for the whole-suite run]
#   bash scripts/test.sh --quick [extra pytest arguments]   # the unit tests only (-m "not slow"),
#                                                            # under 2 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ "${1:-}" == "--quick" ]]; then
  quick=1
  shift
fi
bash scripts/setup.sh --test
.venv/bin/ruff check .  # the linter (pyproject.toml's settings), in seconds
if (( quick )); then
  exec .venv/bin/python -m pytest -q -n 2 --dist=loadscope -m "not slow" "$@"
fi
.venv/bin/python -m pytest -q -n 2 --dist=loadscope --durations=15 "$@"
echo "numerics tests with oneDNN off (Eigen's kernels):" >&2
TF_ENABLE_ONEDNN_OPTS=0 .venv/bin/python -m pytest -q -n 2 --dist=loadscope -m numerics
