"""The checks shared by ``esskg build``, ``esskg validate`` and every write: parse,
validate against the shapes, reason, and refuse anything inconsistent."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph as ox
from rdflib import Graph

from service.errors import BuildFailed
from service.graph.materialise import Unsupported, materialise
from service.graph.parse import ParsedSources, parse_all
from service.graph.reason import Inference, infer
from service.graph.referential import Referentials
from service.graph.report import (
    inconsistency_report,
    shacl_report,
    summary_line,
    syntax_report,
)
from service.graph.sources import Role, SourceFile
from service.graph.validate import Problem, Validator, validate

#: ``rules`` scales (owlrl on the schema, set rules on the instances); ``owlrl`` is the
#: reference it is tested against, kept for audits (setting ``ESSKG_REASONER=owlrl``).
Reasoner = Literal["rules", "owlrl"]


@dataclass
class Checked:
    """Everything a passing check produced, ready to load."""

    parsed: ParsedSources
    inference: Inference
    warnings: list[Problem]
    timings: dict[str, float] = field(default_factory=dict)


def check_sources(
    sources: Sequence[SourceFile],
    *,
    reason: bool = True,
    reasoner: Reasoner = "rules",
    validator: Validator = "sparql",
    referentials: Referentials | None = None,
    asserted: Callable[[ParsedSources], None] | None = None,
    inferred: Callable[[Inference], None] | None = None,
) -> Checked:
    """Parse, validate and reason; raise :class:`BuildFailed` with a readable report.

    ``referentials``: the official referentials to convert and check with the sources.
    ``asserted`` and ``inferred``: called as soon as the asserted quads are final (parsed and
    converted), and as soon as a consistent inference is found, so that the build writes
    its store beside the checks (:mod:`service.graph.bulk_load`). With ``inferred``, the
    reasoning runs before the validation, which then overlaps the store's second half; the
    two are independent (only asserted triples are validated), and the report is the same
    either way: SHACL violations first, then a reasoning failure.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if referentials is not None:
        sources = [*sources, *referentials.shape_files()]
    parsed = parse_all(sources)
    timings["parse"] = time.perf_counter() - started
    if parsed.errors:
        report = "syntax errors:\n" + syntax_report(parsed.errors)
        raise BuildFailed(report, [str(e) for e in parsed.errors])
    if referentials is not None:
        started = time.perf_counter()
        for generated in referentials.generate(parsed.data_quads):
            parsed.add_generated(generated.source, generated.quads)
        timings["referentials"] = time.perf_counter() - started
    if asserted is not None:
        asserted(parsed)

    inference = Inference(inferred=Graph())
    failure: Exception | None = None
    if reason and inferred is not None:
        try:
            inference = _reason(parsed, reasoner, timings)
        except Exception as exc:  # reported after the SHACL violations, as without ``inferred``
            failure = exc
        else:
            if not inference.inconsistencies:
                inferred(inference)

    started = time.perf_counter()
    # The engine quads as they are: the compiled shapes run on them directly, and only a
    # pyshacl fallback converts them (pyshacl validates a clone it mixes the ontology into,
    # so no copy is needed either way; a million triples would cost seconds and gigabytes).
    outcome = validate(
        parsed.data_quads,
        copy_graph(parsed.graphs[Role.SHAPES]),
        copy_graph(parsed.graphs[Role.ONTOLOGY]),
        validator=validator,
    )
    timings["shacl"] = time.perf_counter() - started
    if outcome.violations:
        counts = summary_line(len(outcome.violations), len(outcome.warnings))
        report = f"SHACL validation failed: {counts}\n" + shacl_report(
            outcome.problems, parsed.subject_files
        )
        raise BuildFailed(report, [p.describe() for p in outcome.violations])
    if failure is not None:
        raise failure

    if reason and inferred is None:
        inference = _reason(parsed, reasoner, timings)
    if inference.inconsistencies:
        report = "the OWL 2 RL closure is inconsistent:\n" + inconsistency_report(
            inference.inconsistencies, parsed.subject_files
        )
        raise BuildFailed(report, inference.inconsistencies)
    return Checked(parsed, inference, outcome.warnings, timings)


def _reason(parsed: ParsedSources, reasoner: Reasoner, timings: dict[str, float]) -> Inference:
    started = time.perf_counter()
    inference = run_reasoner(
        reasoner,
        parsed.graphs[Role.ONTOLOGY],
        parsed.data_triples,
        lambda: parsed.graphs[Role.DATA],
    )
    timings["reasoning"] = time.perf_counter() - started
    return inference


def run_reasoner(
    reasoner: Reasoner,
    ontology: Graph,
    data: Iterable[ox.Triple],
    data_graph: Callable[[], Graph],
) -> Inference:
    """The scalable rules unless asked for owlrl, or unless the schema needs owlrl.

    Shared by the build and the write gate, so a write is reasoned over exactly as a build
    would be; ``data_graph`` is only built when owlrl has to run.
    """
    if reasoner == "rules":
        try:
            found = materialise(ontology, data)
        except Unsupported:
            pass
        else:
            return Inference(Graph(), found.inconsistencies, engine_triples=found.inferred)
    return infer(ontology, data_graph())


def copy_graph(graph: Graph) -> Graph:
    """pyshacl may add to the graphs it receives; the build keeps its own intact."""
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy
