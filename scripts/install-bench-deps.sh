#!/usr/bin/env bash
# What `make bench` and `make bench-mixed` need beyond the app's packages: the bench extras
# of pyproject.toml, and Debian's wrk, the load generator, installed with apt-get where missing.
set -euo pipefail

# The Python extras of `make bench-mixed` (locust, pyinstrument), pinned in pyproject.toml.
"$(dirname "$0")/../.venv/bin/pip" install --quiet -e "$(dirname "$0")/..[bench]"

command -v wrk >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing wrk with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wrk >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
else
  echo "Missing wrk and no apt-get to install it; install it by hand." >&2
  exit 1
fi
