#!/usr/bin/env bash
# What `make bench` needs beyond the Python packages: Debian's wrk, the load generator;
# installed with apt-get where missing.
set -euo pipefail

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
