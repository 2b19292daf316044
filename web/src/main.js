// The browser side of esskg, one bundle: each page says what it is with <body data-page>.
import { AnswerView } from "./answer.js";
import { createEditor, withPrefixes } from "./editor.js";
import { t } from "./i18n.js";

function config() {
  const node = document.getElementById("esskg-config");
  return node ? JSON.parse(node.textContent) : { prefixes: {}, terms: {}, examples: [] };
}

const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

function workbench() {
  const settings = config();
  const form = document.getElementById("editor-form");
  const textarea = document.getElementById("query");
  const examples = document.getElementById("examples");
  const answer = new AnswerView(document.getElementById("answer"), settings);
  window.esskg.answer = answer;
  const params = new URLSearchParams(location.search);
  let view = params.get("view") || "table";

  async function run() {
    const text = withPrefixes(editor.get(), settings.prefixes);
    if (text !== editor.get()) editor.set(text);
    const url = new URL(location.href);
    url.searchParams.set("query", text);
    url.searchParams.delete("example");
    history.replaceState(null, "", url);
    answer.busy();
    const response = await fetch("/sparql", {
      method: "POST",
      headers: { Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: text }),
    });
    await answer.take(response, view);
  }

  const editor = createEditor(textarea, settings, run);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  answer.section.addEventListener("esskg:view", (event) => {
    view = event.detail;
    const url = new URL(location.href);
    if (view === "table") url.searchParams.delete("view");
    else url.searchParams.set("view", view);
    history.replaceState(null, "", url);
  });
  examples.addEventListener("change", () => {
    const chosen = settings.examples.find((e) => e.id === examples.value);
    if (chosen) editor.set(chosen.text);
  });
  document.getElementById("share").addEventListener("click", async () => {
    const url = new URL(location.href);
    url.searchParams.set("query", editor.get());
    history.replaceState(null, "", url);
    try {
      await navigator.clipboard.writeText(url.href);
      answer.say(t.copied);
    } catch {
      answer.say(t.copyFailed);
    }
  });
  if (params.has("query") || params.has("example")) run();
}

function question() {
  const settings = config();
  const section = document.getElementById("answer");
  const answer = new AnswerView(section, settings);
  window.esskg.answer = answer;
  const source = section.dataset.source;
  if (!source) return;
  answer.busy();
  fetch(source, { headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } })
    .then((response) => answer.take(response, section.dataset.view || "table"));
}

// The page's answer view is reachable from outside (the browser tests read the chart
// Chart.js drew from it); `ready` says the bundle ran.
window.esskg = { ready: false, answer: null };
const PAGES = { workbench, question };
const page = PAGES[document.body.dataset.page];
if (page) page();
window.esskg.ready = true;
