// A map of France's régions coloured by a number column of the answer (SPASER coverage by
// région, first): an SVG drawn from the régions' shapes that the build extracts from
// @gouvfr/dsfr-chart (web/regions.mjs). Each région is a labelled image a keyboard reaches,
// with its value, and the legend says what each colour means: the table says the same.
import { LOCALE, t } from "./i18n.js";
import { display } from "./terms.js";

const SVG = "http://www.w3.org/2000/svg";
/** A région's IRI in the territory referential: its INSEE code is the last two digits. */
export const REGION = /\/territoire\/region-(\d{2})$/;
/** Five classes, light to dark; a région without a value is grey. */
const COLOURS = ["#dbe8f4", "#a9c8e6", "#6b9fcf", "#2f6ea8", "#163f66"];
const NONE = "#e5e5e5";
/** The overseas régions, drawn as insets in a column left of the metropolitan map. */
const INSET_SCALE = 2.6;
const INSET_STEP = 170;

let shapes = null;

async function regionShapes() {
  if (!shapes) {
    const response = await fetch(new URL("./regions.json", import.meta.url));
    shapes = await response.json();
  }
  return shapes;
}

function element(name, attributes = {}) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

/** Equal-width classes between the smallest and the largest value. */
function classes(values) {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const step = (high - low) / COLOURS.length || 1;
  const index = (v) => Math.min(COLOURS.length - 1, Math.floor((v - low) / step));
  const bounds = COLOURS.map((_, i) => [low + i * step, i === COLOURS.length - 1 ? high : low + (i + 1) * step]);
  return { index, bounds: high === low ? [[low, high]] : bounds };
}

export async function drawMap(box, answer, spec, prefixes) {
  const regions = await regionShapes();
  const percent = /share|percent|rate|taux|part/i.test(spec.value);
  const number = (v) => v.toLocaleString(LOCALE, { maximumFractionDigits: 1 }) + (percent ? " %" : "");
  const rows = new Map();
  for (const row of answer.results.bindings) {
    const code = row[spec.region] && REGION.exec(row[spec.region].value);
    if (code && row[spec.value]) rows.set(code[1], row);
  }
  const values = [...rows.values()].map((r) => Number(r[spec.value].value));
  const scale = values.length ? classes(values) : { index: () => 0, bounds: [] };

  const svg = element("svg", { role: "group", "aria-label": t.mapOf(spec.value), class: "region-map" });
  const metro = element("g");
  const insets = element("g");
  svg.append(insets, metro);
  let inset = 0;
  for (const [code, shape] of Object.entries(regions)) {
    const row = rows.get(code);
    const name = row && spec.label && row[spec.label] ? display(row[spec.label], prefixes) : t.region(code);
    const value = row ? Number(row[spec.value].value) : null;
    const path = element("path", {
      d: shape.path,
      fill: value === null ? NONE : COLOURS[scale.index(value)],
      stroke: "#ffffff",
      "stroke-width": shape.overseas ? 0.4 : 1.5,
      role: "img",
      tabindex: "0",
      "aria-label": t.valued(name, value === null ? t.noValue : number(value)),
      "data-region": code,
    });
    const title = element("title");
    title.textContent = path.getAttribute("aria-label");
    path.append(title);
    if (shape.overseas) {
      const group = element("g", { transform: `translate(0 ${inset * INSET_STEP}) scale(${INSET_SCALE})` });
      group.append(path);
      insets.append(group);
      inset += 1;
    } else {
      metro.append(path);
    }
  }
  metro.setAttribute("transform", `translate(${INSET_STEP} 0)`);

  const legend = document.createElement("ul");
  legend.className = "legend";
  legend.setAttribute("aria-label", t.legend);
  const entries = scale.bounds.map(([low, high], i) => [COLOURS[i], `${number(low)} – ${number(high)}`]);
  if (rows.size < Object.keys(regions).length) entries.push([NONE, t.noValue]);
  for (const [colour, text] of entries) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colour;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, text);
    legend.append(item);
  }
  box.replaceChildren(svg, legend);
  const bounds = svg.getBBox();
  svg.setAttribute("viewBox", `${bounds.x - 4} ${bounds.y - 4} ${bounds.width + 8} ${bounds.height + 8}`);
  return { regions: rows.size, svg };
}
