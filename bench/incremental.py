"""What a write costs the incremental engines, against re-reasoning and re-validating all.

For each size, on a generated project (:mod:`bench.generate`) held in one in-memory engine
store the way the service holds it (data graphs, ontology, shapes, inferred graph), three
writes, each timed through :class:`IncrementalReasoner` (before the write is applied) and
:class:`IncrementalValidator` (after), then checked against the full path the write gate
takes today, :func:`materialise` and :func:`validate` over all the data:

* **one triple**: an authority's existing relation gets a second value, in a partner graph;
* **1,000 triples added**: a partner graph describing new SPASERs (their axes, targets,
  indicators), copied from the generated ones under new IRIs;
* **1,000 triples deleted**: that partner graph deleted again.

The figures are the engine work alone (no HTTP, no commit). Not part of ``make test``:
``.venv/bin/python -m bench.incremental --sizes 100000,1000000``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.generate import write_project
from service.graph.incremental_reasoning import IncrementalReasoner
from service.graph.incremental_validation import IncrementalValidator
from service.graph.layout import Layout
from service.graph.materialise import materialise
from service.graph.parse import parse_all
from service.graph.sources import Role, discover
from service.graph.validate import validate
from service.store.delta import in_graph
from service.store.union import union_copies

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "var" / "bench"
LAYOUT = Layout()
PARTNER = ox.NamedNode("https://w3id.org/esskg/graph/partner/bench")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEF = "https://w3id.org/esskg/def#"


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


class Bench:
    """One size: the store, the two engines, and the writes."""

    def __init__(self, size: int) -> None:
        folder = WORK / str(size)
        if not (folder / "data" / "sources").is_dir():
            write_project(size, folder, repo=REPO)
        parsed = parse_all(discover(folder))
        self.ontology, self.shapes = parsed.graphs[Role.ONTOLOGY], parsed.graphs[Role.SHAPES]
        # the full path, twice: the first run also closes the schema with owlrl (cached after)
        materialise(self.ontology, parsed.data_triples[:1])
        found, self.full_reasoning = timed(lambda: materialise(self.ontology, parsed.data_triples))
        self.store = ox.Store()
        inferred = in_graph(found.inferred, LAYOUT.inferred.value)
        self.store.bulk_extend([*parsed.quads, *inferred])
        # the union's copy in the default graph, as the service's store keeps it (the engines
        # never read it as data; the writes below leave it as built, which changes no figure)
        self.store.bulk_extend(union_copies([*parsed.quads, *inferred]))
        self.found = found.found
        self.data = parsed.data_quads
        validate(self.data[:1], self.shapes, self.ontology)
        _, self.full_validation = timed(lambda: validate(self.data, self.shapes, self.ontology))
        self.reasoner = IncrementalReasoner(self.ontology)
        _, self.reasoner_ready = timed(lambda: self.reasoner.prepare(self.store))
        self.validator, self.validator_ready = timed(lambda: IncrementalValidator(self.shapes))
        print(f"  {len(self.store):,} quads in the store ({len(found.inferred):,} inferred)")

    def write(self, removed: list[ox.Quad], added: list[ox.Quad]) -> dict[str, Any]:
        inference, reasoning = timed(
            lambda: self.reasoner.apply(self.store, removed, added, self.found)
        )
        unsaid, said = inference.quads()
        for quad in [*removed, *unsaid]:
            self.store.remove(quad)
        self.store.bulk_extend([*added, *said])
        self.found = inference.found
        validation, validating = timed(lambda: self.validator.validate(self.store, removed, added))
        return {
            "reasoning": reasoning,
            "validation": validating,
            "inferred": f"-{len(inference.removed)} +{len(inference.added)}",
            "checks": len(validation.evaluated),
            "focus": sum(len(n) for n in validation.evaluated.values() if n is not None),
            "fallback": inference.full or validation.full,
            "violations": len(validation.outcome.violations),
        }

    def one_triple(self, rng: random.Random) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """One more adopting authority for a SPASER (shapes and rules read it), in a partner
        graph."""
        candidates = [q for q in self.data if q.predicate.value == DEF + "adoptedBy"]
        quad = rng.choice(candidates)
        others = [q.object for q in candidates if q.predicate == quad.predicate]
        return [], [ox.Quad(quad.subject, quad.predicate, rng.choice(others), PARTNER)]

    def partner_graph(self, count: int) -> list[ox.Quad]:
        """``count`` triples about new SPASERs: generated ones copied under new IRIs."""
        spaser = [q for q in self.data if q.graph_name.value.endswith("gen-spaser")]  # type: ignore[union-attr]
        subjects = list(dict.fromkeys(q.subject for q in spaser if "/id/" in str(q.subject)))
        renamed = {s: ox.NamedNode(s.value + "-partner") for s in subjects}  # type: ignore[union-attr]
        chosen: list[ox.Quad] = []
        for s in subjects:
            about = [q for q in spaser if q.subject == s]
            for q in about:
                o = renamed.get(q.object, q.object)  # type: ignore[arg-type]
                chosen.append(ox.Quad(renamed[s], q.predicate, o, PARTNER))
            if len(chosen) >= count:
                break
        return chosen[:count]


def run(size: int, repeat: int) -> None:
    print(f"=== {size:,} generated triples")
    bench = Bench(size)
    print(
        f"  full path: materialise {bench.full_reasoning:.2f} s, validate "
        f"{bench.full_validation:.2f} s; engines ready in {bench.reasoner_ready:.2f} s "
        f"(reasoner: schema and one check of the store) and {bench.validator_ready:.2f} s "
        "(validator)"
    )
    rng = random.Random(size)
    rows: dict[str, list[dict[str, Any]]] = {
        "one triple": [],
        "1,000 added": [],
        "1,000 deleted": [],
    }
    for _ in range(repeat):
        removed, added = bench.one_triple(rng)
        rows["one triple"].append(bench.write(removed, added))
        bench.write(added, [])
        graph = bench.partner_graph(1_000)
        rows["1,000 added"].append(bench.write([], graph))
        rows["1,000 deleted"].append(bench.write(graph, []))
    full = bench.full_reasoning + bench.full_validation
    print(
        f"  {'write':<15}{'reasoning':>12}{'validation':>12}{'total':>10}{'vs full':>10}   detail"
    )
    for name, results in rows.items():
        reasoning = statistics.median(r["reasoning"] for r in results)
        validating = statistics.median(r["validation"] for r in results)
        last = results[-1]
        detail = (
            f"inferred {last['inferred']}, {last['checks']} checks on {last['focus']} nodes, "
            f"{last['violations']} violations"
            + (f", FULL: {last['fallback']}" if last["fallback"] else "")
        )
        total = reasoning + validating
        print(
            f"  {name:<15}{reasoning * 1000:>10.1f}ms{validating * 1000:>10.1f}ms"
            f"{total * 1000:>8.0f}ms{full / total:>9.0f}x   {detail}"
        )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--sizes", default="100000,1000000")
    cli.add_argument("--repeat", type=int, default=5, help="writes of each kind (medians)")
    args = cli.parse_args()
    for size in (int(s) for s in args.sizes.split(",") if s):
        run(size, args.repeat)


if __name__ == "__main__":
    main()
