"""Values computed once per data version (labels, the vocabulary, the home page counts).

A page reads the ontology's labels and the graph's statistics on every request; both only
change with a write, so they are kept beside the data version and recomputed after one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.applications import Starlette

from service.api.runtime import AppState

T = TypeVar("T")
_lock = threading.Lock()


def per_version(app: Starlette, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached on the app until the data version changes."""
    state: AppState = app.state.runtime
    tag = state.version.tag
    with _lock:
        memo: dict[str, tuple[str, Any]] | None = getattr(app.state, "web_memo", None)
        if memo is None:
            memo = app.state.web_memo = {}
        found = memo.get(key)
        if found is not None and found[0] == tag:
            return found[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        memo[key] = (tag, value)
    return value
