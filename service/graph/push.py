"""``esskg push``: publish the current build to an external SPARQL engine.

The build is checked and reasoned over locally; the remote engine only receives the result,
graph by graph, each replaced in one update so readers never see half a graph.
"""

from __future__ import annotations

from service.store.base import Store


def push(local: Store, remote: Store) -> dict[str, int]:
    """Replace every graph of ``remote`` that ``local`` holds; returns triples per graph."""
    pushed: dict[str, int] = {}
    for name in local.graph_names():
        graph = local.get_graph(name)
        remote.put_graph(name, graph)  # type: ignore[arg-type]
        pushed[name] = len(graph)
    return pushed
