// Which charts suit an answer, read from its columns (no charting library needed here).
import { isDate, isNumeric } from "./terms.js";

/** A région's IRI in the territory referential (the map view's shapes are keyed by code). */
const REGION = /\/territoire\/region-\d{2}$/;
/** A number column that reads as a share: the map prefers it to a count. */
const SHARE = /share|percent|rate|taux|part/i;

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

/** Which charts suit an answer: {bar: {label, value}}, {timeline: {label, date}} and
 * {map: {region, value, label}} (a région column and a number column). */
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
  const region = answer.head.vars.find((v) =>
    every(rows, v, (term) => term.type === "uri" && REGION.test(term.value)));
  const numbers = answer.head.vars.filter((v) => every(rows, v, isNumeric));
  if (region && numbers.length) {
    const shown = numbers.find((v) => SHARE.test(v)) || numbers[0];
    found.map = { region, value: shown, label: labelColumn(answer, shown) };
  }
  return found;
}

