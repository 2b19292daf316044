"""HTML for people: a resource's page, with every statement's source one click away.

Plain server-rendered HTML (no script), so that it works in any browser, prints well and is
read by crawlers; every value is escaped here and nowhere else.
"""

from __future__ import annotations

from html import escape

from rdflib import BNode, Literal, URIRef

from service.namespaces import GRAPH, INFERRED_GRAPH
from service.resources import Page, Statement
from service.store.base import Term

#: Prefixes shown instead of full IRIs, for the vocabularies the graph uses most.
PREFIXES = {
    "ess": "https://w3id.org/esskg/def#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "igeo": "http://rdf.insee.fr/def/geo#",
}

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .iri{color:#555;font-family:monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{text-align:left;vertical-align:top;
padding:.35rem .5rem;border-bottom:1px solid #ddd} th{width:14rem;font-weight:600}
.src{font-size:.8rem;color:#666} .inferred{font-style:italic;color:#666} nav a{margin-right:1rem}
"""


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def local_href(iri: str, public_base: str) -> str:
    """Our own resources link to this server's ``/id/…`` so browsing works on any host."""
    own = public_base + "id/"
    return "/id/" + iri[len(own) :] if iri.startswith(own) else iri


def _term(term: Term, label: str | None, public_base: str) -> str:
    if isinstance(term, URIRef):
        text = escape(label or compact(str(term)))
        return f'<a href="{escape(local_href(str(term), public_base))}">{text}</a>'
    if isinstance(term, BNode):
        return f"<span class='iri'>_:{escape(str(term))}</span>"
    assert isinstance(term, Literal)
    lang = f' lang="{escape(term.language)}"' if term.language else ""
    suffix = f" <span class='src'>@{escape(term.language)}</span>" if term.language else ""
    if term.datatype is not None:
        suffix = f" <span class='src'>{escape(compact(str(term.datatype)))}</span>"
    return f"<span{lang}>{escape(str(term))}</span>{suffix}"


def _source(graph: str) -> str:
    if graph == INFERRED_GRAPH:
        return "<span class='src inferred'>inféré · inferred</span>"
    name = graph[len(GRAPH) :] if graph.startswith(GRAPH) else graph
    return f"<span class='src'>{escape(name)}</span>"


def _rows(groups: dict[URIRef, list[Statement]], public_base: str, inverse: bool) -> str:
    out = []
    for predicate, statements in groups.items():
        name = escape(compact(str(predicate)))
        head = f"<th>{'← ' if inverse else ''}{name}</th>"
        cells = "<br>".join(
            f"<span class='{'inferred' if s.inferred else ''}'>"
            f"{_term(s.value, s.value_label, public_base)}</span> {_source(s.graph)}"
            for s in statements
        )
        out.append(f"<tr>{head}<td>{cells}</td></tr>")
    return "\n".join(out)


def resource_page(page: Page, public_base: str, data_path: str) -> str:
    """The page of one resource; ``data_path`` is where its RDF lives, without extension."""
    title = escape(page.title())
    formats = " ".join(
        f'<a href="{escape(data_path)}.{ext}">{label}</a>'
        for ext, label in (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
    )
    others = "".join(
        f"<p lang='{escape(lang)}'>{escape(text)} <span class='src'>@{escape(lang)}</span></p>"
        for lang, text in sorted(page.labels.items())
        if text != page.title()
    )
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — esskg</title>
<link rel="alternate" type="text/turtle" href="{escape(data_path)}.ttl">
<link rel="alternate" type="application/ld+json" href="{escape(data_path)}.jsonld">
<style>{_STYLE}</style></head>
<body>
<nav><a href="/sparql">SPARQL</a><a href="/queries">Requêtes · Queries</a></nav>
<h1>{title}</h1>{others}
<p class="iri">{escape(str(page.iri))}</p>
<p>Données · Data: {formats}</p>
<table>{_rows(page.outgoing, public_base, inverse=False)}</table>
<h2>Liens entrants · Incoming links</h2>
<table>{_rows(page.incoming, public_base, inverse=True)}</table>
</body></html>
"""
