"""``esskg push``: publish the current build to an external SPARQL engine.

The build is checked and reasoned over locally; the remote engine only receives the result,
graph by graph, each changed in one update (only what differs is sent) so readers never see
half a graph.
"""

from __future__ import annotations

from service.store.base import Store
from service.store.delta import replacing


def push(local: Store, remote: Store) -> dict[str, int]:
    """Make every graph of ``remote`` that ``local`` holds equal to it; triples per graph."""
    pushed: dict[str, int] = {}
    for name in local.graph_names():
        triples = [quad.triple for quad in local.quads(name)]
        remote.apply(replacing(remote, name, triples))
        pushed[name] = len(triples)
    return pushed
