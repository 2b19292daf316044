// An answer as a table, and as the files a researcher takes away (CSV for French Excel, JSON).
import { t } from "./i18n.js";
import { display, href, isNumeric } from "./terms.js";

/** Fill `table` (an empty <table>) with the solutions of a SPARQL JSON answer. */
export function renderTable(table, answer, config) {
  table.replaceChildren();
  const vars = answer.head.vars || [];
  const caption = document.createElement("caption");
  caption.className = "visually-hidden";
  caption.textContent = t.rows(answer.results.bindings.length);
  table.append(caption);
  const head = table.createTHead().insertRow();
  for (const name of vars) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of answer.results.bindings) {
    const tr = body.insertRow();
    for (const name of vars) {
      const cell = tr.insertCell();
      const term = row[name];
      if (!term) continue;
      if (term.type === "uri") {
        const a = document.createElement("a");
        a.href = href(term.value, config.base);
        a.textContent = display(term, config.prefixes);
        cell.append(a);
      } else {
        const span = document.createElement("span");
        span.textContent = display(term, config.prefixes);
        if (term["xml:lang"]) span.lang = term["xml:lang"];
        cell.append(span);
        if (isNumeric(term)) cell.className = "num";
      }
    }
  }
}

function csvCell(text) {
  return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * CSV as French Excel opens it: a byte-order mark so it reads UTF-8, `;` between cells
 * (the comma is the decimal separator there), CRLF line ends; values are the raw RDF values.
 */
export function excelCsv(answer) {
  const vars = answer.head.vars || [];
  const lines = [vars.map(csvCell).join(";")];
  for (const row of answer.results.bindings) {
    lines.push(vars.map((v) => csvCell(row[v] ? row[v].value : "")).join(";"));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

/** Offer `text` as a file to save, without leaving the page. */
export function download(text, type, name) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
