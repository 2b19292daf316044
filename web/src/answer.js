// One answer on a page: the table, the charts it suits, its downloads and a status line.
import { chartable } from "./shape.js";
import { t } from "./i18n.js";
import { download, excelCsv, renderTable } from "./results.js";

export class AnswerView {
  constructor(section, config) {
    this.section = section;
    this.config = config;
    this.status = section.querySelector("[data-status]");
    this.table = section.querySelector("table");
    this.tableBox = section.querySelector("[data-view-box=table]");
    this.chartBox = section.querySelector("[data-view-box=chart]");
    this.mapBox = section.querySelector("[data-view-box=map]");
    this.rdfBox = section.querySelector("[data-view-box=rdf]");
    this.canvas = section.querySelector("canvas");
    this.buttons = [...section.querySelectorAll("[data-view]")];
    this.downloads = Object.fromEntries(
      [...section.querySelectorAll("[data-download]")].map((b) => [b.dataset.download, b]),
    );
    this.answer = null;
    this.chart = null;
    this.raw = "";
    this.view = "table";
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.show(button.dataset.view));
    }
    this.downloads.csv?.addEventListener("click", () =>
      download(excelCsv(this.answer), "text/csv;charset=utf-8", "esskg.csv"));
    this.downloads.json?.addEventListener("click", () =>
      download(this.raw, "application/sparql-results+json", "esskg.srj"));
    this.downloads.turtle?.addEventListener("click", () =>
      download(this.raw, "text/turtle;charset=utf-8", "esskg.ttl"));
  }

  say(text, alert = false) {
    this.status.textContent = text;
    this.status.setAttribute("role", alert ? "alert" : "status");
  }

  busy() {
    this.section.hidden = false;
    this.section.setAttribute("aria-busy", "true");
    this.say(t.running);
  }

  /** Show a fetch Response: SPARQL JSON, Turtle, or a problem+json refusal. */
  async take(response, wanted = this.view) {
    this.section.hidden = false;
    this.section.removeAttribute("aria-busy");
    const type = response.headers.get("content-type") || "";
    this.raw = await response.text();
    this.answer = null;
    const json = type.includes("json") ? JSON.parse(this.raw) : null;
    if (!response.ok) {
      const detail = json ? [json.title, json.detail].filter(Boolean).join(" — ") : this.raw;
      this.say(`${t.error} ${response.status} : ${detail}`, true);
      this.setKind("none");
      return;
    }
    if (json && "boolean" in json) {
      this.say(json.boolean ? t.askTrue : t.askFalse);
      this.setKind("none");
      return;
    }
    if (!json) {
      this.say(t.triples);
      this.rdfBox.textContent = this.raw;
      this.setKind("rdf");
      return;
    }
    this.answer = json;
    const n = json.results.bindings.length;
    const cut = response.headers.get("esskg-result-truncated") === "true";
    this.say(
      (n ? t.rows(n) : t.noResult) +
        (cut ? " " + t.truncated(response.headers.get("esskg-result-limit")) : ""),
    );
    renderTable(this.table, json, this.config);
    this.charts = chartable(json);
    this.setKind("rows");
    this.show(this.charts[wanted] ? wanted : "table");
  }

  setKind(kind) {
    const rows = kind === "rows";
    this.tableBox.hidden = !rows;
    this.chartBox.hidden = true;
    if (this.mapBox) this.mapBox.hidden = true;
    this.rdfBox.hidden = kind !== "rdf";
    for (const button of this.buttons) {
      const possible = rows && (button.dataset.view === "table" || !!this.charts[button.dataset.view]);
      button.disabled = !possible;
      const why = { bar: t.noChart, timeline: t.noTimeline, map: t.noMap };
      button.title = possible ? "" : why[button.dataset.view] || "";
    }
    if (this.downloads.csv) this.downloads.csv.disabled = !rows;
    if (this.downloads.json) this.downloads.json.disabled = !rows;
    if (this.downloads.turtle) this.downloads.turtle.disabled = kind !== "rdf";
  }

  async show(view) {
    this.view = view;
    for (const button of this.buttons) {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    }
    this.tableBox.hidden = view !== "table";
    this.chartBox.hidden = view !== "bar" && view !== "timeline";
    if (this.mapBox) this.mapBox.hidden = view !== "map";
    if (view === "map") {
      // the régions' shapes and the map's code are fetched the first time a map is shown
      const { drawMap } = await import("./map.js");
      this.map = await drawMap(this.mapBox, this.answer, this.charts.map, this.config.prefixes);
    } else if (view !== "table") {
      // Chart.js is fetched the first time a chart is shown (a chunk served by the app).
      const charts = await import("./charts.js");
      const draw = view === "bar" ? charts.drawBar : charts.drawTimeline;
      // kept so that the browser tests can count what Chart.js drew, not what we asked for
      this.chart = draw(this.canvas, this.answer, this.charts[view], this.config.prefixes);
    }
    this.section.dispatchEvent(new CustomEvent("esskg:view", { detail: view }));
  }
}
