// Bar charts and timelines drawn with Chart.js (bundled, served by the app itself). Loaded
// only when a chart is asked for, so the editor's first paint does not wait for it.
import {
  BarController, BarElement, CategoryScale, Chart, LinearScale, PointElement,
  ScatterController, Tooltip,
} from "chart.js";
import { LOCALE, t } from "./i18n.js";
import { compact, display, formatDate, timeOf } from "./terms.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, PointElement,
  ScatterController, Tooltip);

function name(row, column, prefixes) {
  const term = row[column];
  if (!term) return "—";
  return term.type === "uri" ? compact(term.value, prefixes).replace(/^[^:]*:/, "") : display(term, prefixes);
}

/** Axis labels cut to a readable length; the tooltip and the table keep the whole text. */
function shortLabel(value) {
  const label = this.getLabelForValue(value);
  return label.length > 48 ? label.slice(0, 47) + "…" : label;
}

let current = null;

function reset(canvas) {
  if (current) current.destroy();
  current = null;
}

const COLOUR = "#1f5f8b";

export function drawBar(canvas, answer, spec, prefixes) {
  reset(canvas);
  const rows = answer.results.bindings.filter((r) => r[spec.value]);
  const labels = rows.map((r) => name(r, spec.label, prefixes));
  const values = rows.map((r) => Number(r[spec.value].value));
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", t.barOf(spec.value, spec.label));
  canvas.parentElement.style.height = `${Math.max(12, 2.2 * values.length + 4)}rem`;
  current = new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label: spec.value, data: values, backgroundColor: COLOUR }] },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      locale: LOCALE,
      scales: {
        x: {
          beginAtZero: true,
          title: { display: true, text: spec.value },
          ticks: { precision: values.every(Number.isInteger) ? 0 : undefined },
        },
        y: { ticks: { callback: shortLabel } },
      },
    },
  });
  return current;
}

export function drawTimeline(canvas, answer, spec, prefixes) {
  reset(canvas);
  const rows = answer.results.bindings.filter((r) => r[spec.date]);
  const labels = [];
  const points = rows.map((r) => {
    const label = spec.label ? name(r, spec.label, prefixes) : formatDate(r[spec.date]);
    if (!labels.includes(label)) labels.push(label);
    return { x: timeOf(r[spec.date]), y: label, when: formatDate(r[spec.date]) };
  });
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", t.timelineOf(spec.date));
  canvas.parentElement.style.height = `${Math.max(12, 2.2 * labels.length + 4)}rem`;
  const day = (ms) => new Date(ms).toLocaleDateString(LOCALE, { year: "numeric", month: "short", timeZone: "UTC" });
  current = new Chart(canvas, {
    type: "scatter",
    data: { datasets: [{ label: spec.date, data: points, backgroundColor: COLOUR, pointRadius: 6 }] },
    options: {
      maintainAspectRatio: false,
      animation: false,
      locale: LOCALE,
      scales: {
        x: { type: "linear", ticks: { callback: day } },
        y: { type: "category", labels, offset: true, ticks: { callback: shortLabel } },
      },
      plugins: {
        tooltip: { callbacks: { label: (c) => `${c.raw.y} — ${c.raw.when}` } },
      },
    },
  });
  return current;
}
