"""The referential's graph describes itself: which package, which version, under which
licence, derived from which official sources, for which COG year, retrieved when.

Everything is read from the pin and from the package's own README (its "Sources" and
"Licence" sections and its table of years), so the description says what the package says.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, XSD

from service.graph.referential.package import CachedPackage
from service.namespaces import DEF

#: SPDX licence IRIs for the licence names npm packages declare.
SPDX = "https://spdx.org/licenses/"


def _section(readme: str, title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", readme, re.M | re.S)
    return found.group(1).strip() if found else ""


def _plain(markdown: str) -> str:
    """Markdown links and line-break backslashes reduced to their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return re.sub(r"\s*\\\s*", " ; ", text).strip()


def sources(readme: str) -> list[tuple[str, str]]:
    """``(text, url)`` for each bullet of the README's "Sources" section, first link only."""
    found = []
    for line in _section(readme, "Sources").splitlines():
        link = re.search(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", line)
        if line.lstrip().startswith(("*", "-")) and link:
            found.append((_plain(line.lstrip("*- ").strip()), link.group(2)))
    return found


def describe(
    graph: ox.NamedNode, package: CachedPackage, readme: str, vintage: str | None
) -> list[ox.Quad]:
    """The dataset node (the graph's own IRI) and the retrieval that produced it."""
    pin = package.pin
    quads: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(p), o, graph))

    title_fr = f"Code officiel géographique, paquet {pin.spec}"
    title_en = f"Official geographic code, package {pin.spec}"
    for cls in (str(DCAT) + "Dataset", str(PROV) + "Entity"):
        add(graph, str(RDF) + "type", ox.NamedNode(cls))
    for text, lang in ((title_fr, "fr"), (title_en, "en")):
        add(graph, str(RDFS) + "label", ox.Literal(text, language=lang))
        add(graph, str(DCTERMS) + "title", ox.Literal(text, language=lang))
    add(graph, str(DCAT) + "version", ox.Literal(pin.version))
    add(graph, str(DCTERMS) + "identifier", ox.Literal(pin.spec))
    add(graph, str(DCTERMS) + "identifier", ox.Literal(pin.integrity))
    add(graph, str(DCTERMS) + "license", ox.NamedNode(SPDX + pin.licence))
    rights = _plain(_section(readme, "Licence"))
    if rights:
        add(graph, str(DCTERMS) + "rights", ox.Literal(rights, language="fr"))
    if vintage is not None:
        year = ox.Literal(vintage, datatype=ox.NamedNode(str(XSD) + "gYear"))
        add(graph, DEF + "referenceDate", year)
    for text, url in sources(readme):
        add(graph, str(PROV) + "wasDerivedFrom", ox.NamedNode(url))
        add(graph, str(DCTERMS) + "source", ox.Literal(text, language="fr"))
        if "Code Officiel Géographique" in text:
            add(graph, str(PROV) + "hadPrimarySource", ox.NamedNode(url))
    retrieval = ox.NamedNode(graph.value + "/retrieval")
    add(graph, str(PROV) + "wasGeneratedBy", retrieval)
    add(retrieval, str(RDF) + "type", ox.NamedNode(str(PROV) + "Activity"))
    add(retrieval, str(RDFS) + "label", ox.Literal(f"npm pack {pin.spec}", language="fr"))
    stamp = datetime.fromtimestamp(package.path.stat().st_mtime, UTC)
    # written as the store keeps it ("Z", not "+00:00"): the build's counts are then exact
    lexical = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    add(
        retrieval,
        str(PROV) + "endedAtTime",
        ox.Literal(lexical, datatype=ox.NamedNode(str(XSD) + "dateTime")),
    )
    return quads
