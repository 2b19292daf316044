// Comunica's JavaScript API against esskg, as an application uses it: one Node process runs
// every step (Node starts slowly) and prints one JSON document for the Python side.
//
// node drive.mjs ENDPOINT KEY SELECT ASK CONSTRUCT UPDATE
import { QueryEngine } from '@comunica/query-sparql';

const [endpoint, key, select, ask, construct, update] = process.argv.slice(2);
const engine = new QueryEngine();
const declared = { sources: [{ type: 'sparql', value: endpoint }] };
// A bare URL: Comunica probes it (Accept: application/n-quads first) and finds the
// SPARQL endpoint in the service description.
const detected = { sources: [endpoint] };

function literal(value) {
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r') + '"';
}

function nt(term) {
  if (term.termType === 'NamedNode') return `<${term.value}>`;
  if (term.termType === 'BlankNode') return '_:';
  if (term.language) return `${literal(term.value)}@${term.language}`;
  const datatype = term.datatype.value;
  if (datatype === 'http://www.w3.org/2001/XMLSchema#string') return literal(term.value);
  return `${literal(term.value)}^^<${datatype}>`;
}

async function rows(context) {
  const bindings = await (await engine.queryBindings(select, context)).toArray();
  return bindings.map((b) => Object.fromEntries([...b].map(([name, term]) => [name.value, nt(term)])));
}

const out = {};
out.select = await rows(declared);
out.detected = await rows(detected);
out.ask = await engine.queryBoolean(ask, declared);
const quads = await (await engine.queryQuads(construct, declared)).toArray();
out.construct = quads.map((q) => `${nt(q.subject)} ${nt(q.predicate)} ${nt(q.object)} .`);
await engine.queryVoid(update, { ...declared, httpAuth: `admin:${key}` });
out.updated = true;
console.log(JSON.stringify(out));
