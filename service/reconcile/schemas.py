"""The specification's JSON schemas (copied unchanged into ``schemas/``; see its SOURCE.md),
resolved against each other locally: checking a document never reaches the network."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

FOLDER = Path(__file__).with_name("schemas")
BASE = "https://reconciliation-api.github.io/specs/0.2/schemas/"


@cache
def _registry() -> Registry:
    resources = []
    for path in FOLDER.glob("*.json"):
        document = json.loads(path.read_text("utf-8"))
        resource = Resource.from_contents(document, default_specification=DRAFT7)
        resources.append((BASE + path.name, resource))
        if "$id" in document:
            resources.append((document["$id"], resource))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft7Validator:
    """The validator of ``<name>.json`` (e.g. ``reconciliation-query-batch``)."""
    schema = json.loads((FOLDER / f"{name}.json").read_text("utf-8"))
    return Draft7Validator(schema, registry=_registry())


def errors(name: str, document: Any) -> list[str]:
    """Why ``document`` breaks the schema (empty when it validates)."""
    return [
        f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}"
        for e in validator(name).iter_errors(document)
    ]
