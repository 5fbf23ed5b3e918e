#!/usr/bin/env bash
# Sets up infogan_tf on a fresh machine: a virtualenv in .venv with the package (editable) and,
# with --test, the test extra. On Debian/Ubuntu as root it also installs the apt packages the
# project uses (dataset-fashion-mnist: offline Fashion-MNIST IDX files; with --test, chromium and
# chromium-driver for the explorer's browser tests); elsewhere it skips them (those tests skip).
#   bash scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(dataset-fashion-mnist)
PYTHON="${PYTHON:-python3}"
extras=""
if [[ "${1:-}" == "--test" ]]; then
  extras="[test]"
  APT_PACKAGES+=(chromium chromium-driver)  # the explorer's browser tests
fi

if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
  if ! dpkg -s "${APT_PACKAGES[@]}" >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${APT_PACKAGES[@]}") >/dev/null || echo "setup: apt packages not installed (optional)" >&2
  fi
fi
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
# pip's and the build backend's chatter goes to a log, shown only if the install fails.
log=.venv/setup-pip.log
if ! { .venv/bin/python -m pip install -q --upgrade pip &&
       .venv/bin/python -m pip install -q -e ".${extras}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: pip install failed (log above, also in $log)" >&2
  exit 1
fi
echo "setup: ready (.venv)" >&2
