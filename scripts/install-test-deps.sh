#!/usr/bin/env bash
# What the tests need beyond the Python packages: Debian's Chromium for the browser
# tests, pdftotext (poppler-utils) to read generated PDFs, PostgreSQL 15 server binaries,
# Java for the Nu HTML checker (vnu-jar, tests/test_html_valid.py) and clamd (clamav-daemon),
# which the virus-scan tests start with a database of their own; installed with apt-get
# where missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql-15)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || need+=(clamav-daemon)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Missing ${need[*]} and no apt-get to install it; install it by hand." >&2
  [ -n "${CI:-}" ] && exit 1
fi
