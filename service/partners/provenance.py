"""The upload's own description: who sent which file, when, and how many rows it had.

One node per partner and kind, ``id/televersement/<partner>-<kind>``: a new upload of a kind
replaces the previous one, so its description is replaced with it. Each resource an upload
mints points at it with ``dcterms:source``; that link is also how the next upload of the
same kind finds the triples it replaces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from service.namespaces import DEF, ID
from service.store.base import Triple

SCHEMA_SHA256 = URIRef("https://schema.org/sha256")
ROW_COUNT = URIRef(DEF + "rowCount")
CONTRIBUTION_KIND = URIRef(DEF + "contributionKind")


def upload_node(partner: str, kind: str) -> URIRef:
    return URIRef(f"{ID}televersement/{partner}-{kind}")


def partner_agent(partner: str) -> URIRef:
    return URIRef(f"{ID}partenaire/{partner}")


@dataclass(frozen=True)
class UploadFacts:
    """What is known of an upload before it is mapped."""

    partner: str
    kind: str
    filename: str
    data: bytes
    rows: int
    who: str
    at: datetime | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def describe(facts: UploadFacts) -> list[Triple]:
    """The upload as a PROV activity associated with the partner."""
    node, agent = upload_node(facts.partner, facts.kind), partner_agent(facts.partner)
    when = (facts.at or datetime.now(UTC)).replace(microsecond=0)
    return [
        (node, RDF.type, PROV.Activity),
        (
            node,
            RDFS.label,
            Literal(f"Téléversement « {facts.kind} » de {facts.partner}", lang="fr"),
        ),
        (node, RDFS.label, Literal(f'Upload "{facts.kind}" by {facts.partner}', lang="en")),
        (node, PROV.wasAssociatedWith, agent),
        (node, PROV.endedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)),
        (node, DCTERMS.title, Literal(facts.filename)),
        (node, SCHEMA_SHA256, Literal(facts.digest)),
        (node, ROW_COUNT, Literal(facts.rows, datatype=XSD.integer)),
        (node, CONTRIBUTION_KIND, Literal(facts.kind)),
        (node, DCTERMS.creator, Literal(facts.who)),
        (agent, RDF.type, PROV.Agent),
        (agent, RDFS.label, Literal(facts.partner)),
    ]


def tags(partner: str, kind: str, subjects: set[URIRef]) -> set[Triple]:
    node = upload_node(partner, kind)
    return {(s, DCTERMS.source, node) for s in subjects}
