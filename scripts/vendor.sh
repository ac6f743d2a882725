#!/usr/bin/env bash
# Copy the pinned front-end packages from node_modules into app/static/vendor (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=app/static/vendor
rm -rf "$dest"
mkdir -p "$dest/utrecht" "$dest/htmx" "$dest/axe"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/@utrecht/component-library-css/dist/index.css "$dest/utrecht/components.css"
cp node_modules/@utrecht/design-tokens/dist/index.css "$dest/utrecht/tokens.css"
cp node_modules/axe-core/axe.min.js "$dest/axe/"
# The design tokens use a variable font; ship the font files the token sheet refers to.
for font in node_modules/@fontsource-variable/*; do
  [ -d "$font" ] || continue
  name=$(basename "$font")
  mkdir -p "$dest/fonts/$name"
  cp -r "$font/files" "$dest/fonts/$name/" 2>/dev/null || true
  cp "$font/index.css" "$dest/fonts/$name/" 2>/dev/null || true
done
