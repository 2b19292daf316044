"""The write benchmark: what a contribution costs, and what readers notice meanwhile.

Run by :mod:`bench.run` on the servers it started (esskg with a write token, the Oxigraph
server on the same data), for each size:

* **put-1**: a one-triple PUT into a partner graph (a new label each time);
* **post-1000**: a 1,000-triple POST into a new partner graph (250 partner networks);
* **delete-1000**: the DELETE of one of those graphs;
* **update-100**: a SPARQL Update ``DELETE/INSERT … WHERE`` relabelling 100 nodes.

Each runs ``repeat`` times: p50/p95 of the whole request, and the server's memory growth
(server plus its query engine and the parser it forks, as PSS: pages a forked process shares
with the server count once; sampled every 20 ms, against what it held before the series).
The Oxigraph server does the same Graph Store writes (it validates nothing): the ratio is
printed. Then lookups of one IRI at 8 clients, each asking a fresh evaluation
(``Cache-Control: no-cache``, so the answer cache does not hide the engine), without writes
and during a stream of one-triple PUTs: requests per second, and how many were answered
``503`` (none may be: a write never makes the engine reload). The bench leaves the data as
it found it: every graph it writes is deleted at the end, on both servers.

:func:`phases` then times the same writes inside one process, on the build's store, to say
where the time goes: the full consequences (validation and reasoning over all the data,
until the incremental engines take over) and everything else (the delta, the contribution
file, the commit).
"""

from __future__ import annotations

import http.client
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the harness imports the service lazily, inside each measurement
    from service.graph.consequences import Consequences, ConsequencesOf
    from service.store.base import Store
    from service.store.delta import Delta
    from service.store.oxigraph import OxigraphStore

ESS = "https://w3id.org/esskg/def#"
RES = "https://w3id.org/esskg/id/"
PARTNER = "https://w3id.org/esskg/graph/partner/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NT = "application/n-triples"
KINDS = ("put-1", "post-1000", "delete-1000", "update-100")
UPDATE_NODES = 100


def networks(prefix: str, count: int, region: str) -> bytes:
    """``count`` partner networks, four triples each, as a partner would upload them."""
    lines = []
    for k in range(count):
        org = f"<{RES}organisation/bench-{prefix}-{k}>"
        lines += [
            f"{org} <{RDF_TYPE}> <{ESS}Network> .",
            f'{org} <{LABEL}> "Réseau {prefix} {k}"@fr .',
            f'{org} <{LABEL}> "Network {prefix} {k}"@en .',
            f"{org} <{ESS}basedIn> <{region}> .",
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def one_label(i: int) -> bytes:
    return f'<{RES}organisation/bench-one> <{LABEL}> "Réseau banc {i}"@fr .\n'.encode()


RELABEL = (
    f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    f"DELETE {{ GRAPH <{PARTNER}bench-update> {{ ?o rdfs:label ?l }} }}\n"
    f"INSERT {{ GRAPH <{PARTNER}bench-update> {{ ?o rdfs:label ?m }} }}\n"
    f"WHERE {{ GRAPH <{PARTNER}bench-update> {{ ?o a <{ESS}Network> ; rdfs:label ?l "
    'FILTER(lang(?l) = "fr") } BIND(STRLANG(CONCAT(STR(?l), "+"), "fr") AS ?m) }'
)


class Target:
    """Graph Store and SPARQL Update requests to one server."""

    def __init__(self, base: str, store: str, update: str, token: str | None) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.store, self.update_path = store, update
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}
        #: each thread's connection, kept alive between its writes as the readers' are
        self._local = threading.local()

    def request(self, method: str, path: str, body: bytes, media: str | None) -> int:
        headers = {**self.auth, **({"Content-Type": media} if media else {})}
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                return self._exchange(conn, method, path, body, headers)
            except (http.client.RemoteDisconnected, ConnectionError):
                pass  # the server closed it while idle, before reading this request
        conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=3600)
        return self._exchange(conn, method, path, body, headers)

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> int:
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except BaseException:
            conn.close()
            self._local.conn = None
            raise
        if response.will_close:
            conn.close()
            self._local.conn = None
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return response.status

    def graph(self, method: str, name: str, body: bytes = b"") -> int:
        query = urllib.parse.urlencode({"graph": PARTNER + name})
        return self.request(method, f"{self.store}?{query}", body, NT if body else None)

    def sparql_update(self, text: str) -> int:
        return self.request("POST", self.update_path, text.encode(), "application/sparql-update")


class Memory:
    """The peak of ``measure()`` while a series runs, sampled every 20 ms."""

    def __init__(self, measure: Callable[[], float]) -> None:
        self.measure = measure
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.measure())

    def __enter__(self) -> Memory:
        self.before = self.measure()
        self.peak = self.before
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> float:
        return round(self.peak - self.before, 1)


def _summary(runs: list[float]) -> dict[str, Any]:
    ordered = sorted(runs)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "runs": len(ordered),
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(p95, 4),
    }


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def write_series(
    target: Target, region: str, repeat: int, memory: Callable[[], float] | None, gsp_only: bool
) -> dict[str, dict[str, Any]]:
    """Every kind of write ``repeat`` times; the graphs written are deleted afterwards."""
    out: dict[str, dict[str, Any]] = {}

    def series(kind: str, step: Callable[[int], object]) -> None:
        with Memory(memory or (lambda: 0.0)) as watched:
            runs = [_timed(lambda i=i: step(i)) for i in range(repeat)]  # type: ignore[misc]
        out[kind] = _summary(runs)
        if memory is not None:
            out[kind]["memory_growth_mb"] = watched.growth

    series("put-1", lambda i: target.graph("PUT", "bench-one", one_label(i)))
    series(
        "post-1000",
        lambda i: target.graph("POST", f"bench-post-{i}", networks(str(i), 250, region)),
    )
    series("delete-1000", lambda i: target.graph("DELETE", f"bench-post-{i}"))
    target.graph("DELETE", "bench-one")
    if not gsp_only:
        target.graph("PUT", "bench-update", networks("u", UPDATE_NODES, region))
        series("update-100", lambda _: target.sparql_update(RELABEL))
        target.graph("DELETE", "bench-update")
    return out


def lookups(
    base: str,
    iris: list[str],
    clients: int,
    seconds: float,
    during: Callable[[], None] | None,
    path: str = "/sparql",
) -> dict[str, Any]:
    """Lookups per second at ``clients`` threads (fresh evaluations) on the query endpoint
    ``path``, with ``during`` running in a loop meanwhile when given; 503 answers are
    counted, not retried."""
    parts = urllib.parse.urlsplit(base)
    stop = time.perf_counter() + seconds
    done, unavailable, writes = [0] * clients, [0] * clients, [0]

    def reader(k: int) -> None:
        # each reader from its own loopback address, as 8 clients would be: the server
        # shares its query engine by address (``ESSKG_CLIENT_QUERIES``)
        source = (f"127.0.0.{k + 2}", 0)
        host = parts.hostname or "127.0.0.1"
        conn = http.client.HTTPConnection(host, parts.port, timeout=120, source_address=source)
        n = k
        while time.perf_counter() < stop:
            n += 7
            text = f"SELECT ?p ?o WHERE {{ <{iris[n % len(iris)]}> ?p ?o }}"
            query = urllib.parse.urlencode({"query": text})
            conn.request("GET", f"{path}?{query}", headers={"Cache-Control": "no-cache"})
            response = conn.getresponse()
            response.read()
            if response.status == 503:
                unavailable[k] += 1
            else:
                done[k] += 1
        conn.close()

    def writer() -> None:
        while time.perf_counter() < stop:
            assert during is not None
            during()
            writes[0] += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(clients)]
    if during is not None:
        threads.append(threading.Thread(target=writer))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "rps": round(sum(done) / elapsed, 1),
        "503": sum(unavailable),
        "writes": writes[0],
        "seconds": round(elapsed, 1),
    }


#: Alternating rounds of lookups without, then during, writes: on two cores shared with the
#: client, one window's rate varies by ±15 % from one to the next (the Oxigraph server's as
#: much as esskg's), so one pair says little; the median of the rounds' ratios is reported.
LOOKUP_ROUNDS = 5


def readers_during_writes(
    target: Target, base: str, iris: list[str], clients: int, window: float, path: str
) -> dict[str, Any]:
    """Lookups/s without writes and during an unbroken stream of one-triple PUTs from one
    client on one kept-alive connection (as each reader's), in alternating rounds of
    ``window`` seconds; the graph written is deleted at the end."""
    counter = iter(range(10**9))

    def one_write() -> None:
        target.graph("PUT", "bench-one", one_label(next(counter)))

    rounds = []
    for _ in range(LOOKUP_ROUNDS):
        quiet = lookups(base, iris, clients, window, None, path)
        busy = lookups(base, iris, clients, window, one_write, path)
        ratio = round(busy["rps"] / max(quiet["rps"], 1e-9), 3)
        rounds.append({"without_writes": quiet, "during_writes": busy, "ratio": ratio})
    for attempt in range(3):  # the Oxigraph server once answered 500 EAGAIN here
        try:
            target.graph("DELETE", "bench-one")
            break
        except RuntimeError:
            if attempt == 2:
                raise
            time.sleep(1)
    return {
        "rounds": rounds,
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "503": sum(r["during_writes"]["503"] for r in rounds),
        "writes": sum(r["during_writes"]["writes"] for r in rounds),
    }


def run(
    esskg: str,
    token: str,
    oxigraph: str | None,
    region: str,
    iris: list[str],
    memory: Callable[[], float],
    repeat: int,
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    """The whole write benchmark against running servers (base URLs without a path)."""
    mine = Target(esskg, "/graphs", "/sparql", token)
    result: dict[str, Any] = {"esskg": write_series(mine, region, repeat, memory, False)}
    if oxigraph is not None:
        theirs = Target(oxigraph, "/store", "/update", None)
        result["oxigraph"] = write_series(theirs, region, repeat, None, False)
    put = result["esskg"]["put-1"]["p50_s"]
    window = max(seconds, 3 * put)  # long enough for a few writes to land
    result["lookups"] = readers_during_writes(mine, esskg, iris, clients, window, "/sparql")
    if oxigraph is not None:
        result["oxigraph_lookups"] = readers_during_writes(
            theirs, oxigraph, iris, clients, window, "/query"
        )
    return result


def timed_checks(project: Path) -> tuple[OxigraphStore, ConsequencesOf, list[float]]:
    """The build's store, read from memory, and the write checks prepared on it, as
    ``esskg serve`` holds them (no server may hold the store meanwhile); each check's
    seconds go to the returned list."""
    from service.graph.build import ENGINE_DIR, current_build
    from service.graph.incremental_consequences import IncrementalConsequences
    from service.settings import Settings
    from service.store.oxigraph import OxigraphStore

    settings = Settings(root=project, store_path=project / "var" / "store")
    folder = current_build(settings)
    if folder is None:
        raise SystemExit(f"no build under {project}: run esskg build (or bench.run) first")
    store = OxigraphStore.open(folder / ENGINE_DIR)
    check = IncrementalConsequences()
    check.prepare(store)  # as the service does at start-up, before the first write
    spent: list[float] = []

    def timed(on: Store, delta: Delta) -> Consequences:
        started = time.perf_counter()
        found = check(on, delta)
        spent.append(time.perf_counter() - started)
        return found

    return store, timed, spent


def phases(project: Path, region: str, repeat: int) -> dict[str, Any]:
    """The same Graph Store writes in this process, on the build's store (no server may
    hold it): the time of the consequences, and of everything else."""
    import pyoxigraph as ox

    from service.graph.contributions import Contributions
    from service.graph.gate import WriteGate

    store, timed, spent = timed_checks(project)

    def parsed(body: bytes) -> list[ox.Triple]:
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as files:
        gate = WriteGate(store, consequences=timed, contributions=Contributions(Path(files)))
        steps: dict[str, Callable[[int], object]] = {
            "put-1": lambda i: gate.put_graph(PARTNER + "bench-one", parsed(one_label(i))),
            "post-1000": lambda i: gate.post_graph(
                PARTNER + f"bench-post-{i}", parsed(networks(str(i), 250, region))
            ),
            "delete-1000": lambda i: gate.delete_graph(PARTNER + f"bench-post-{i}"),
        }
        for kind, step in steps.items():
            totals = []
            spent.clear()
            for i in range(repeat):
                totals.append(_timed(lambda i=i, step=step: step(i)))  # type: ignore[misc]
            rest = [total - check_time for total, check_time in zip(totals, spent, strict=True)]
            out[kind] = {
                "total": _summary(totals),
                "consequences": _summary(spent),
                "everything_else": _summary(rest),
            }
        gate.delete_graph(PARTNER + "bench-one")
    store.close()
    return out


def print_report(size: int, result: dict[str, Any]) -> None:
    print(f"--- writes at {size} ---")
    mine, theirs = result["esskg"], result.get("oxigraph", {})
    for kind in KINDS:
        if kind not in mine:
            continue
        m = mine[kind]
        line = (
            f"  {kind:12} esskg p50 {m['p50_s'] * 1000:9.1f} ms  p95 {m['p95_s'] * 1000:9.1f} ms"
            f"  memory +{m['memory_growth_mb']} MB"
        )
        if kind in theirs:
            t = theirs[kind]
            ratio = m["p50_s"] / max(t["p50_s"], 1e-9)
            line += f"  | oxigraph p50 {t['p50_s'] * 1000:8.1f} ms  esskg/oxigraph {ratio:.1f}x"
        print(line)
    for system, key in (("esskg", "lookups"), ("oxigraph", "oxigraph_lookups")):
        if key not in result:
            continue
        looked = result[key]
        pairs = ", ".join(
            f"{r['without_writes']['rps']:.0f} -> {r['during_writes']['rps']:.0f}"
            for r in looked["rounds"]
        )
        print(
            f"  {system} lookups/s at 8 clients (fresh), without -> during writes: {pairs}; "
            f"median ratio {looked['ratio'] * 100:.0f} % ({looked['writes']} writes, "
            f"{looked['503']} x 503)"
        )
    for kind, split in result.get("phases", {}).items():
        print(
            f"  in-process {kind:12} total p50 {split['total']['p50_s'] * 1000:9.1f} ms = "
            f"consequences {split['consequences']['p50_s'] * 1000:9.1f} ms + "
            f"delta, file and commit {split['everything_else']['p50_s'] * 1000:7.1f} ms"
        )
