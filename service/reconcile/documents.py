"""The JSON documents of the protocol: manifest, results, suggestions, extension, preview."""

from __future__ import annotations

import html
from typing import Any

from rapidfuzz import fuzz, process

from service.french_names import core
from service.namespaces import DEF, ID
from service.reconcile.index import TYPES, Entity, Index
from service.reconcile.matching import Candidate, Query, reconcile

#: property id → (French name, English name), for queries and for data extension.
PROPERTIES: dict[str, tuple[str, str]] = {
    "siren": ("SIREN", "SIREN"),
    "insee": ("code INSEE", "INSEE code"),
    "commune": ("commune", "municipality"),
    "departement": ("département", "département"),
    "population": ("population", "population"),
    "epci": ("EPCI", "EPCI"),
    "spaser": ("SPASER", "SPASER"),
}
QUERY_PROPERTIES = ("siren", "insee", "commune", "departement")
EXTEND_PROPERTIES = ("siren", "insee", "population", "epci", "spaser")


def _name(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def manifest(base: str, lang: str) -> dict[str, Any]:
    """The service manifest; ``base`` is the absolute URL of ``/reconcile``."""
    return {
        "versions": ["0.2"],
        "name": "esskg — ESS et politiques publiques"
        if lang == "fr"
        else "esskg — SSE public policy",
        "identifierSpace": ID,
        "schemaSpace": DEF,
        "view": {"url": "{{id}}"},
        "preview": {"url": base + "/preview?id={{id}}", "width": 400, "height": 160},
        "defaultTypes": [{"id": t, "name": _name(n, lang)} for t, n in TYPES.items()],
        "suggest": {
            "entity": {"service_url": base, "service_path": "/suggest/entity"},
            "type": {"service_url": base, "service_path": "/suggest/type"},
            "property": {"service_url": base, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": base, "service_path": "/extend/propose"},
            "property_settings": [],
        },
    }


def decode_query(raw: dict[str, Any]) -> Query:
    """A query of a validated batch, with its properties picked out."""
    kind = raw.get("type")
    types = tuple(kind) if isinstance(kind, list) else ((kind,) if kind else ())
    values: dict[str, str] = {}
    for pair in raw.get("properties", []):
        value = pair.get("v")
        if isinstance(value, dict):
            value = value.get("id") or value.get("name")
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None and str(value).strip():
            values[str(pair.get("pid"))] = str(value).strip()
    return Query(
        str(raw.get("query", "")),
        tuple(str(t) for t in types),
        int(raw.get("limit") or 5),
        siren=values.get("siren"),
        code=values.get("insee"),
        commune=values.get("commune"),
        departement=values.get("departement"),
    )


def _types(entity: Entity, lang: str) -> list[dict[str, str]]:
    return [{"id": t, "name": _name(TYPES[t], lang)} for t in sorted(entity.types) if t in TYPES]


def _description(entity: Entity) -> str:
    parts = [
        p
        for p in (
            entity.place,
            entity.code and f"INSEE {entity.code}",
            entity.siren and f"SIREN {entity.siren}",
        )
        if p
    ]
    return " · ".join(parts)


def candidate(found: Candidate, lang: str) -> dict[str, Any]:
    return {
        "id": found.entity.id,
        "name": found.entity.name,
        "description": _description(found.entity),
        "score": found.score,
        "match": found.match,
        "type": _types(found.entity, lang),
    }


def results(index: Index, batch: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        key: {"result": [candidate(c, lang) for c in reconcile(index, decode_query(raw))]}
        for key, raw in batch.items()
    }


def suggest_entities(index: Index, prefix: str, lang: str, limit: int = 10) -> dict[str, Any]:
    wanted = core(prefix)
    hits = process.extract(wanted, index.names, scorer=fuzz.WRatio, limit=limit * 3)
    seen: list[Entity] = []
    for name, _, _ in hits:
        for key in index.by_name[name]:
            entity = index.entities[key]
            if entity not in seen:
                seen.append(entity)
    return {
        "result": [
            {"id": e.id, "name": e.name, "description": _description(e), "notable": _types(e, lang)}
            for e in seen[:limit]
        ]
    }


def suggest_types(prefix: str, lang: str) -> dict[str, Any]:
    wanted = core(prefix)
    return {
        "result": [
            {"id": t, "name": _name(n, lang)}
            for t, n in TYPES.items()
            if not wanted or wanted in core(n[0]) or wanted in core(n[1])
        ]
    }


def suggest_properties(prefix: str, lang: str) -> dict[str, Any]:
    wanted = core(prefix)
    return {
        "result": [
            {"id": p, "name": _name(PROPERTIES[p], lang)}
            for p in PROPERTIES
            if not wanted or wanted in core(PROPERTIES[p][0]) or wanted in core(PROPERTIES[p][1])
        ]
    }


def propose_properties(type_id: str, lang: str, limit: int | None) -> dict[str, Any]:
    chosen = EXTEND_PROPERTIES[: limit or None]
    return {
        "type": type_id,
        "properties": [{"id": p, "name": _name(PROPERTIES[p], lang)} for p in chosen],
        **({"limit": limit} if limit else {}),
    }


def preview(entity: Entity | None, lang: str) -> str:
    if entity is None:
        return "<p>—</p>"
    types = ", ".join(_name(TYPES[t], lang) for t in sorted(entity.types) if t in TYPES)
    return (
        f'<div lang="{lang}" style="font-family:sans-serif;font-size:14px">'
        f'<p><a href="{html.escape(entity.id)}" target="_blank"><strong>'
        f"{html.escape(entity.name)}</strong></a></p><p>{html.escape(types)}</p>"
        f"<p>{html.escape(_description(entity))}</p></div>"
    )
