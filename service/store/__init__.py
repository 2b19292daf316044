"""Stores behind one small interface; the service picks one at start-up."""

from service.store.base import DEFAULT_GRAPH, Quad, QueryKind, QueryResult, Row, Store, Term, Triple
from service.store.oxigraph import OxigraphStore

__all__ = [
    "DEFAULT_GRAPH",
    "OxigraphStore",
    "Quad",
    "QueryKind",
    "QueryResult",
    "Row",
    "Store",
    "Term",
    "Triple",
]
