"""What a partner's 1,000-row spreadsheet costs to commit, on a built store.

The rows are organisations as a CRESS lists its members (name, a valid SIREN, a commune of
the store by INSEE code, the network, a role, a membership date): about 15 triples each.
Timed in this process, on the build's store read from memory with the write engines
prepared, as ``esskg serve`` holds them (``bench.writes.phases`` does the same for Graph
Store writes), in the phases a commit goes through:

* **plan**: read the file, look the communes and SIRENs up, map the rows, compare with the
  partner's graph (what ``UploadJob`` does in the query engine);
* **commit**: the gate (the delta, its consequences, the contribution file, the commit);

then the same file again (nothing changes: the re-import is a plan only), and the partner's
graph is deleted. ::

    .venv/bin/python -m bench.partner_upload var/bench/1000000   # a project bench.run built
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.writes import timed_checks

PARTNER = "bench-cress"
COMMUNE_CODES = """SELECT ?code WHERE {
  ?commune a <http://rdf.insee.fr/def/geo#Commune> ; <http://rdf.insee.fr/def/geo#codeINSEE> ?code
}"""
ROWS = 1000


def luhn_siren(stem: int) -> str:
    """A SIREN whose check digit is right: 8 digits of ``stem``, then the Luhn key."""
    digits = f"{stem % 10**8:08d}"
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to their right
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return digits + str((10 - total % 10) % 10)


def member_file(codes: list[str], rows: int = ROWS, first: int = 0) -> bytes:
    """``rows`` members, spread over ``codes``, as French Excel saves a CSV (``;``, BOM);
    ``first`` numbers them, so that each run's members are new (another partner's members
    would be found in the graph and pointed at, not minted)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["nom", "SIREN", "commune", "réseau", "fonction", "date d'adhésion"])
    for i in range(first, first + rows):
        writer.writerow(
            [
                f"Structure du banc n° {i}",
                luhn_siren(41_000_000 + i),
                codes[i % len(codes)],
                f"Réseau du banc {first}",
                "adhérent" if i % 3 else "administrateur",
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/20{10 + i % 15}",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def run(project: Path, repeat: int = 3) -> dict[str, Any]:
    """Commit the file ``repeat`` times (each a new partner's graph, so each writes) and
    re-import it once; seconds per phase."""
    from service.graph.contributions import Contributions
    from service.graph.gate import WriteGate
    from service.partners.provenance import UploadFacts
    from service.partners.upload import Checks, UploadJob, commit

    store, timed, spent = timed_checks(project)
    communes = store.query(COMMUNE_CODES).solutions()
    codes = sorted({term.value for (term,) in communes if term is not None})[:ROWS]
    if not codes:
        raise SystemExit("the store holds no commune with an INSEE code")
    plans, commits, checks, totals, reimports = [], [], [], [], []
    added = 0
    with tempfile.TemporaryDirectory() as files:
        gate = WriteGate(store, consequences=timed, contributions=Contributions(Path(files)))
        graphs = [f"https://w3id.org/esskg/graph/partner/{PARTNER}-{i}" for i in range(repeat)]
        prefix = f"https://w3id.org/esskg/graph/partner/{PARTNER}-"
        left = [g for g in store.graph_names() if g.startswith(prefix)]
        for graph in sorted(left, reverse=True):  # an interrupted run's, the later ones first
            gate.delete_graph(graph)
        for i in range(repeat):
            partner = f"{PARTNER}-{i}"
            data = member_file(codes, ROWS, i * ROWS)
            facts = UploadFacts(partner, "organisations", "membres.csv", data, ROWS, who="bench")
            job = UploadJob(facts, "text/csv", None, False, Checks())
            started = time.perf_counter()
            plan = job.answer(store)
            planned = time.perf_counter()
            spent.clear()
            done = commit(plan, gate)
            finished = time.perf_counter()
            checks.append(sum(spent))
            if done.unchanged:
                raise SystemExit(f"{partner}'s graph already held these rows: nothing to time")
            if done.errors or not done.committed:
                refused = [e.describe() for e in done.errors[:5]]
                raise SystemExit(f"the upload was refused: {refused}")
            added = len(done.added)
            plans.append(planned - started)
            commits.append(finished - planned)
            totals.append(finished - started)
            started = time.perf_counter()
            again = job.answer(store)
            reimports.append(time.perf_counter() - started)
            assert again.unchanged
        for graph in graphs:
            gate.delete_graph(graph)
    quads = store.count()
    store.close()

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    return {
        "quads": quads,
        "rows": ROWS,
        "triples_added": added,
        "plan_s": median(plans),
        "commit_s": median(commits),
        "consequences_s": median(checks),
        "total_s": median(totals),
        "reimport_s": median(reimports),
        "runs": repeat,
    }


def print_report(result: dict[str, Any]) -> None:
    verdict = "within" if result["total_s"] <= 5 else "OVER"
    print(
        f"partner upload of {result['rows']} rows ({result['triples_added']} triples) on "
        f"{result['quads']} quads: {result['total_s']} s (plan {result['plan_s']} s, commit "
        f"{result['commit_s']} s, of which the gate's consequences {result['consequences_s']} s; "
        f"median of {result['runs']}), {verdict} the 5 s line; "
        f"re-import of the same file {result['reimport_s']} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a built project (bench.run builds them)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(args.project.resolve(), args.repeat)  # the settings read a relative root apart
    print_report(result)
    return 0 if result["total_s"] <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
