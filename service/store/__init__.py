"""Stores behind one small interface; the service picks one at start-up."""

from service.store.base import DEFAULT_GRAPH, QueryKind, QueryResult, Row, Store, Term
from service.store.delta import Delta
from service.store.oxigraph import OxigraphStore

__all__ = [
    "DEFAULT_GRAPH",
    "Delta",
    "OxigraphStore",
    "QueryKind",
    "QueryResult",
    "Row",
    "Store",
    "Term",
]
