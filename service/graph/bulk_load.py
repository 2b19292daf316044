"""Fill a build's on-disk store from N-Quads files, in a process of its own.

Why a process: writing a million quads into the on-disk store is the build's largest single
cost (about 20 s of CPU for the territory's two million quads), and a thread would not run
it beside the validation and the reasoning, which hold the interpreter. The build writes
the asserted quads to a file as soon as they are parsed and hands it to this loader, so the
store fills on the machine's second core while the reasoning runs on the first; the
inferred quads follow while the validation runs. A failed check kills the loader and
deletes the folder, so nothing half-built is ever published.

``python -m service.graph.bulk_load STORE``, the files' paths on standard input, in the
order given.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox


def write_with_union(quads: Sequence[ox.Quad], out: BinaryIO) -> None:
    """``quads`` as N-Quads, followed by each named-graph quad's triple as an N-Triples line.

    N-Triples lines are N-Quads of the default graph: the file holds exactly what the store
    keeps (the quads as written and the union default graph as a set,
    :mod:`service.store.union`); a triple stated in several graphs is written once per graph
    and stored once. The engine serialises both parts, which costs a second per million
    quads where building a copy of each quad in Python cost eight.
    """
    ox.serialize(quads, output=out, format=ox.RdfFormat.N_QUADS)
    ox.serialize(
        (q.triple for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)),
        output=out,
        format=ox.RdfFormat.N_TRIPLES,
    )


def load_files(store: ox.Store, files: Iterable[Path]) -> None:
    """Each file into the store, its blank nodes kept as labelled.

    Not the engine's ``bulk_load`` of the file: it gives each file's blank nodes fresh
    labels, which would split a blank node that both the asserted and the inferred quads
    describe (an ontology's restriction and its inferred types) into two.
    """
    for path in files:
        store.bulk_extend(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


class Loader:
    """A loader process filling one on-disk store with the files it is handed, in order.

    The files come one by one (:meth:`load`): the asserted quads' as soon as they are
    parsed, the inferred quads' once the reasoning is done, while the validation runs.
    """

    def __init__(self, store: Path) -> None:
        self.store = store
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(store)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def load(self, path: Path) -> None:
        """Queue one N-Quads file (written in full before it is handed over)."""
        assert self._process.stdin is not None
        self._process.stdin.write(f"{path}\n".encode())
        self._process.stdin.flush()

    def wait(self) -> float:
        """Block until every queued file is in the store; the loader's own seconds.

        Raises with the loader's own words if it failed.
        """
        out, err = self._process.communicate()
        if self._process.returncode != 0:
            detail = err.decode("utf-8", "replace").strip()
            raise RuntimeError(f"loading the store at {self.store} failed: {detail}")
        return sum(float(line) for line in out.split())

    def stop(self) -> None:
        """A failed build: end the loader (its folder is about to be deleted)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def main(argv: Sequence[str]) -> int:
    """Open the store, bulk-load each file named on standard input, one path per line, and
    print the seconds each took; exit once standard input is closed."""
    if len(argv) != 1:
        print("usage: python -m service.graph.bulk_load STORE  (files on stdin)", file=sys.stderr)
        return 2
    store = ox.Store(argv[0])
    for line in sys.stdin:
        started = time.perf_counter()
        load_files(store, [Path(line.rstrip("\n"))])
        print(f"{time.perf_counter() - started:.3f}", flush=True)
    store.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
