// The shapes of France's 18 régions, as JSON keyed by INSEE région code, for the map view.
// They are read from @gouvfr/dsfr-chart (pinned exactly, MIT: the State's design system
// charts), whose region map draws them as SVG paths; we keep the paths only, not its Vue
// components. The package is pinned, so the text read here does not change under us; the
// script fails if it does not find all 18, rather than drawing a map with holes.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, "node_modules/@gouvfr/dsfr-chart/dist/MapChartReg/MapChartReg.js");

// The package's path classes (ISO 3166-2 where it has one) and the INSEE région codes.
const CODES = {
  "FR-971": "01", "FR-972": "02", "FR-973": "03", "FR-974": "04", "FR-976": "06",
  "FR-IDF": "11", "FR-CVL": "24", "FR-BFC": "27", "FR-NOR": "28", "FR-HDF": "32",
  "FR-GES": "44", "FR-PDL": "52", "FR-BRE": "53", "FR-NAQ": "75", "FR-OCC": "76",
  "FR-ARA": "84", "FR-PAC": "93", "FR-20R": "94",
};
const OVERSEAS = new Set(["01", "02", "03", "04", "06"]);

const text = readFileSync(SOURCE, "utf8");
const regions = {};
for (const match of text.matchAll(/class: "(FR-[0-9A-Z]+)",(?:\s*style: [^\n]*,)?\s*d: "([^"]+)"/g)) {
  const code = CODES[match[1]];
  if (code && !regions[code]) regions[code] = { path: match[2], overseas: OVERSEAS.has(code) };
}
const missing = Object.values(CODES).filter((code) => !regions[code]);
if (missing.length) {
  console.error(`regions.mjs: no shape for région(s) ${missing.join(", ")} in ${SOURCE}`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(regions));
