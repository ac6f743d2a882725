#!/usr/bin/env bash
# Extract the messages from code and templates and merge them into the nl and en catalogs.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract --ignore-dirs=".* node_modules .venv" -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output --width 100 --project Samenspel .
for lang in nl en; do
  if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
    .venv/bin/pybabel update -i translations/messages.pot -d translations -l "$lang" --no-fuzzy-matching --ignore-obsolete --width 100
  else
    .venv/bin/pybabel init -i translations/messages.pot -d translations -l "$lang"
  fi
done
