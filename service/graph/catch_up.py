"""Contributions the served build does not hold, written through the gate at start-up.

``esskg build`` reads the contribution files (``service.graph.contributions``) when it
starts and swaps its store in when it ends. A write acknowledged in between, or later by a
server still serving the previous build, is in its file but not in the new store: without
this, the restart onto the new build would lose it. So the build records each file's digest
as it read it (``BuildManifest.contributions``), and the server, before it answers anyone,
writes through its gate every contribution whose file the build did not read as it is now,
or that was written again after the build ended, and whose content is not the store's
graph. The same pass applies a write a crash cut after its files were written but before
the store committed (it had passed every check).

A contribution the gate now refuses (the new build's shapes or ontology reject it) is logged
with why and stays in its file: the next build reads it and fails naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from service.errors import EsskgError
from service.graph.contributions import Contribution, Contributions
from service.graph.gate import WriteGate
from service.store.base import Store, digest_lines
from service.store.delta import GraphName

logger = logging.getLogger("esskg.contributions")


@dataclass(frozen=True)
class CaughtUp:
    """One contribution applied at start-up (or refused, with why)."""

    graph: GraphName
    file: str
    triples: int
    refused: str | None = None


def unread(
    carried: list[Contribution], read: Mapping[str, str], built_ns: int
) -> list[Contribution]:
    """The contributions whose file is not the one the build read (or that it never saw),
    or was written again after the build ended (``built_ns``), even with the same bytes: a
    write that put back what the build read may have been cut before the store committed."""
    return [c for c in carried if read.get(c.path.name) != c.digest or c.modified_ns > built_ns]


def engine_digest(triples: list[ox.Triple]) -> str | None:
    """What :meth:`Store.graph_digest` gives for a graph of these triples: the engine keeps
    some literals by value (``"01"`` is ``"1"``), so they go through one first."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return digest_lines(str(quad.triple) for quad in scratch)


def catch_up(
    gate: WriteGate,
    store: Store,
    contributions: Contributions,
    read: Mapping[str, str],
    built_ns: int,
) -> list[CaughtUp]:
    """Write through ``gate`` each contribution ``store`` lacks that is not as the build
    read it (``read``: file name → SHA-256) or was written after it ended (``built_ns``:
    when its manifest was written); what was applied, or refused."""
    done = []
    for contribution in unread(contributions.load(), read, built_ns):
        graph, triples = contribution.graph, contribution.content()
        if engine_digest(triples) == store.graph_digest(graph):
            continue  # the build read it after all, or an earlier start applied it
        try:
            if triples or graph is None:
                gate.put_graph(graph, triples)
            elif store.has_graph(graph):
                gate.delete_graph(graph)
        except EsskgError as refusal:
            logger.error(
                "the contribution %s (graph <%s>), written after the build read it, is refused "
                "by this build's checks and is not served; it stays in its file, and the next "
                "'esskg build' names it: %s",
                contribution.path.name,
                graph or "default",
                refusal,
            )
            done.append(CaughtUp(graph, contribution.path.name, len(triples), str(refusal)))
            continue
        done.append(CaughtUp(graph, contribution.path.name, len(triples)))
    if done:
        logger.warning(
            "applied %d contribution(s) written after the build read them: %s",
            sum(c.refused is None for c in done),
            ", ".join(c.file for c in done if c.refused is None),
        )
    return done
