"""Parse each SPARQL text once: the fix that makes SHACL-SPARQL constraints scale.

pyshacl evaluates an ``sh:sparql`` constraint by calling ``Graph.query(text,
initBindings={"this": focus})`` once per focus node, and rdflib parses and translates the
text again on every call (pyparsing: tens of milliseconds). With one constraint over the
35,000 SIREN holders of the territory, that is most of a 100k-triple build's time, and
hours at 1M. rdflib supports prepared queries (``prepareQuery``) precisely so that one
translation serves many bindings, so caching the translation by (text, base, namespaces)
changes nothing but the time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

_installed = False


@lru_cache(maxsize=512)
def _prepared(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces) or None)


def install() -> None:
    """Make rdflib's SPARQL processor reuse translations of texts it has seen (idempotent)."""
    global _installed
    if _installed:
        return
    original: Callable[..., Mapping[str, Any]] = processor.SPARQLProcessor.query

    def query(
        self: processor.SPARQLProcessor,
        strOrQuery: str | Query,  # noqa: N803 - rdflib's own keyword
        initBindings: Mapping[str, Any] | None = None,  # noqa: N803
        initNs: Mapping[str, Any] | None = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Mapping[str, Any]:
        prepared = strOrQuery
        if isinstance(strOrQuery, str):
            try:
                key = tuple(sorted((initNs or {}).items()))
                prepared = _prepared(strOrQuery, base, key)
            except TypeError:  # unhashable namespace values: no caching
                pass
        return original(self, prepared, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    _installed = True
