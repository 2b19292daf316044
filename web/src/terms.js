// RDF terms of SPARQL JSON results, read and shown the way the server's pages show them.
import { LOCALE, t } from "./i18n.js";

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(
  ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"]
    .map((n) => XSD + n),
);
const DATES = new Set(["date", "dateTime", "gYear", "gYearMonth"].map((n) => XSD + n));

export function isNumeric(term) {
  return !!term && term.type !== "uri" && NUMERIC.has(term.datatype);
}

export function isDate(term) {
  return !!term && term.type !== "uri" && DATES.has(term.datatype);
}

/** Milliseconds since the epoch for a dated literal (a year is its first day). */
export function timeOf(term) {
  const v = term.value;
  const m = /^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(v);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), m[2] ? Number(m[2]) - 1 : 0, m[3] ? Number(m[3]) : 1);
}

export function compact(iri, prefixes) {
  for (const [p, ns] of Object.entries(prefixes)) {
    if (iri.startsWith(ns) && iri.length > ns.length) return `${p}:${iri.slice(ns.length)}`;
  }
  return iri;
}

/** Where a link to a resource goes: our own IRIs are served here, under /id/… */
export function href(iri, base) {
  return base && iri.startsWith(base + "id/") ? "/" + iri.slice(base.length) : iri;
}

export function formatDate(term) {
  const v = term.value;
  const ms = timeOf(term);
  if (Number.isNaN(ms)) return v;
  const d = new Date(ms);
  if (term.datatype === XSD + "gYear") return v;
  if (term.datatype === XSD + "gYearMonth") {
    return d.toLocaleDateString(LOCALE, { month: "long", year: "numeric", timeZone: "UTC" });
  }
  return d.toLocaleDateString(LOCALE, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

/** The text a person reads for a literal: numbers, dates and booleans in their language. */
export function display(term, prefixes) {
  if (term.type === "uri") return compact(term.value, prefixes);
  if (term.type === "bnode") return "_:" + term.value;
  if (isNumeric(term)) {
    const n = Number(term.value);
    return Number.isFinite(n) ? n.toLocaleString(LOCALE) : term.value;
  }
  if (isDate(term)) return formatDate(term);
  if (term.datatype === XSD + "boolean") return term.value === "true" ? t.yes : t.no;
  return term.value;
}
