"""Registering one handler under several HTTP methods, each its own OpenAPI operation.

FastAPI gives a multi-method route a single operationId, which OpenAPI forbids for
distinct operations; one route per method keeps the document valid and the handler single.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter


def add_method_routes(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Any],
    summaries: Mapping[str, str],
    *,
    name: str,
) -> None:
    """Route ``path`` to ``endpoint`` for each method of ``summaries``; HEAD stays unlisted."""
    for method, summary in summaries.items():
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            summary=summary,
            operation_id=f"{name}_{method.lower()}",
            include_in_schema=method != "HEAD",
        )
