#!/usr/bin/env bash
# Bundle web/src (our code, CodeMirror, Chart.js) into an ES module and its chunks, and copy Swagger UI as it
# ships, into the package's static folder given as $1. Run by `make assets` after `npm ci`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
rm -rf "$out"
mkdir -p "$out/swagger"
# ES modules split in chunks: the charting library is a chunk fetched on first use.
"$here/node_modules/.bin/esbuild" "$here/src/main.js" --bundle --minify --format=esm --splitting \
  --target=es2020 --legal-comments=external --log-level=warning --entry-names=app \
  --chunk-names=chunk-[hash] --outdir="$out"
# The régions' shapes for the map view, read from the pinned @gouvfr/dsfr-chart.
node "$here/regions.mjs" > "$out/regions.json"
cp "$here/node_modules/swagger-ui-dist/swagger-ui-bundle.js" \
   "$here/node_modules/swagger-ui-dist/swagger-ui.css" "$out/swagger/"
# The source-map comment would make a browser's developer tools ask for a file we do not ship.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/swagger/swagger-ui-bundle.js"
