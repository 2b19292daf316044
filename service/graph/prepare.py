"""What a query engine makes ready as it loads, before it takes its first query.

The write gate's checks (``WriteCheck``) and the public dry run (``POST /validate``,
``DryRun``) both run in the query engine, on its copy of the data, with engines compiled
from the shapes and the ontology and a look over all the data: 12.7 s for the dry run at a
million triples with the territory. Done inside a request, that work counted against the
request's time limit: with a 5 s limit, every first one-triple ``/validate`` on a new engine
was killed, and forced another reload. So each engine compiles both as part of loading,
before it reports ready (``QueryEngine(prepare=...)``); queries wait for it within the
load-wait bound, never within a time limit. ``ESSKG_PREPARE_WRITES`` turns this on
(``esskg serve`` does); an app made for a test pays it only if it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from service.graph.check import Reasoner
from service.graph.dry_run import prepare_dry_run
from service.graph.incremental_consequences import prepare_write_checks
from service.graph.validate import Validator
from service.store.base import Store


def prepare_engine(store: Store, *, reason: bool, reasoner: Reasoner, validator: Validator) -> None:
    """Compile the gate's and the dry run's checks on ``store`` (a loading engine's copy)."""
    if reasoner == "rules" and validator == "sparql":  # else the server checks in full
        prepare_write_checks(store, reason)
    prepare_dry_run(store, reason=reason, reasoner=reasoner, validator=validator)


def preparation(
    enabled: bool, *, reason: bool, reasoner: Reasoner, validator: Validator
) -> Callable[[Store], None] | None:
    """What an engine runs as it loads, as the settings ask (None: nothing)."""
    if not enabled:
        return None
    return partial(prepare_engine, reason=reason, reasoner=reasoner, validator=validator)
