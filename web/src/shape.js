// Which charts suit an answer, read from its columns (no charting library needed here).
import { isDate, isNumeric } from "./terms.js";

function every(rows, name, test) {
  const bound = rows.filter((r) => r[name]);
  return bound.length > 0 && bound.every((r) => test(r[name]));
}

/** The column naming each row: a label (a `…Label` column first), else an IRI column. */
function labelColumn(answer, skip) {
  const vars = answer.head.vars.filter((v) => v !== skip);
  const rows = answer.results.bindings;
  const literal = (term) => term.type === "literal" && !isNumeric(term) && !isDate(term);
  return (
    vars.find((v) => /label$/i.test(v) && every(rows, v, literal)) ||
    vars.find((v) => every(rows, v, literal)) ||
    vars.find((v) => every(rows, v, (term) => term.type === "uri"))
  );
}

/** Which charts suit an answer: {bar: {label, value}} and {timeline: {label, date}}. */
export function chartable(answer) {
  const found = {};
  if (!answer.results) return found;
  const rows = answer.results.bindings;
  const value = answer.head.vars.find((v) => every(rows, v, isNumeric));
  if (value) {
    const label = labelColumn(answer, value);
    if (label) found.bar = { label, value };
  }
  const date = answer.head.vars.find((v) => every(rows, v, isDate));
  if (date) found.timeline = { date, label: labelColumn(answer, date) };
  return found;
}

