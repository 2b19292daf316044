"""The benchmark: esskg against the engines a researcher would otherwise pick, in one run.

For each size it generates the data (:mod:`bench.generate`), builds it with ``esskg build``
(timed, with its peak memory), then serves the very same quads in each of these ways:

* **esskg** — ``esskg serve``, queried over HTTP at ``/sparql`` (the real endpoint), as
  clients use it (repeated answers come from its answer cache);
* **esskg-cold** — the same server, every request sent with ``Cache-Control: no-cache``, so
  each answer is evaluated afresh: the honest figure for a query asked the first time;
* **oxigraph** — the Oxigraph server in its default persistent mode (RocksDB on disk);
* **rdflib** — rdflib-endpoint over an in-memory rdflib graph;
* **pyoxigraph** — an in-memory pyoxigraph store queried in this process, with the result
  serialised to JSON like a server would: the floor any Python service sits on.

Before timing, every query runs once on every system and the row counts must agree; a
query whose counts differ is reported and left out of the ratios. Each query then runs up
to ``--repeat`` times (p50/p95 at one client), a lookup of one IRI is hammered by eight
concurrent clients (requests/s), and everything lands in ``bench/results/<stamp>.json``.

With ``--writes`` (on by default) the write benchmark of :mod:`bench.writes` follows, on the
same servers, then a partner's 1,000-row spreadsheet committed in process
(:mod:`bench.partner_upload`). The servers listen on 127.0.0.1 only; every process the
harness starts is stopped with it, however it ends (:mod:`bench.processes`). Run through
``make bench``, which installs the Oxigraph server and rdflib-endpoint into ``.venv-bench/``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench import partner_upload, processes, writes
from bench.generate import write_project

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
WORK = REPO / "var" / "bench"
JSON_RESULTS = "application/sparql-results+json"
WRITE_TOKEN = "bench-write-token"
OXIGRAPH_STORE = "oxigraph-server"  # the Oxigraph server's store, in the size's folder
# ``python -m`` from the repository: immune to a stale editable install of the package
ESSKG = [str(REPO / ".venv" / "bin" / "python"), "-m", "service.cli"]

PREFIXES = """PREFIX ess: <https://w3id.org/esskg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
# The heavy shapes of the issue, written against the generated data.
GENERIC: dict[str, str] = {
    "filter-order-limit": PREFIXES
    + """SELECT ?obs ?entity ?value WHERE {
  ?obs a ess:StatisticalObservation ; ess:aboutEntity ?entity ; ess:observedValue ?value .
  FILTER(?value > 1000000)
} ORDER BY DESC(?value) LIMIT 20""",
    "group-by-aggregate": PREFIXES
    + """SELECT ?type (COUNT(?obs) AS ?n) (SUM(?value) AS ?total) WHERE {
  ?obs ess:aboutEntity ?authority ; ess:observedValue ?value .
  ?authority a ?type .
} GROUP BY ?type ORDER BY ?type""",
    "three-hop-join": PREFIXES
    + """SELECT ?plan ?authority ?territory ?departement WHERE {
  ?plan ess:adoptedBy ?authority .
  ?authority ess:hasTerritory ?territory .
  ?territory igeo:subdivisionDirecteDe ?departement .
  ?departement igeo:codeINSEE "75"^^xsd:token .
}""",
    "transitive-rollup": PREFIXES
    + """SELECT ?region (COUNT(?obs) AS ?n) (SUM(?value) AS ?total) WHERE {
  ?obs ess:aboutEntity ?authority ; ess:observedValue ?value .
  ?authority ess:hasTerritory ?territory .
  ?territory igeo:subdivisionDirecteDe+ ?region .
  ?region a igeo:Region .
} GROUP BY ?region ORDER BY ?region""",
    "text-match": PREFIXES
    + """SELECT ?resource ?label WHERE {
  ?resource rdfs:label ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "fontaine"))
}""",
}
LOOKUP = "SELECT ?p ?o WHERE { <%s> ?p ?o }"


def canned_queries() -> dict[str, str]:
    """Every SELECT/ASK of ``queries/`` (run with its parameters unbound)."""
    found = {}
    for path in sorted((REPO / "queries").rglob("*.rq")):
        text = path.read_text("utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        if "CONSTRUCT" in body.upper().split("WHERE")[0] or "DESCRIBE" in body.upper():
            continue
        found[f"{path.parent.name}/{path.stem}"] = text
    return found


# ---------------------------------------------------------------- processes and memory
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size: pages shared with forked children count once in the sum."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                stat = (child / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(child.name))
    return found


def tree_rss_mb(pid: int) -> float:
    """RSS of a server and of the processes it forked (esskg answers queries in its engine).

    Shared copy-on-write pages are counted once per process here; see :func:`tree_pss_mb`.
    """
    return rss_mb(pid) + sum(rss_mb(child) for child in children(pid))


def tree_pss_mb(pid: int) -> float:
    """The memory the server and its children really take together (shared pages once)."""
    return pss_mb(pid) + sum(pss_mb(child) for child in children(pid))


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    startup: float
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    peak_main_rss: float = 0.0

    def sample_rss(self) -> None:
        self.peak_rss = max(self.peak_rss, tree_rss_mb(self.process.pid))
        self.peak_pss = max(self.peak_pss, tree_pss_mb(self.process.pid))
        self.peak_main_rss = max(self.peak_main_rss, rss_mb(self.process.pid))

    def stop(self) -> None:
        processes.stop(self.process)


def start(
    name: str,
    argv: list[str],
    url: str,
    probe: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    ready_timeout: float = 600,
) -> Server:
    """Spawn a server and wait (bounded) until ``probe`` answers 200."""
    out = open(log or os.devnull, "wb")  # noqa: SIM115 - lives as long as the server
    started = time.perf_counter()
    process = processes.spawn(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    parsed = urllib.parse.urlsplit(probe)
    deadline = started + ready_timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            conn = http.client.HTTPConnection(
                parsed.hostname or "127.0.0.1", parsed.port, timeout=2
            )
            conn.request("GET", parsed.path + ("?" + parsed.query if parsed.query else ""))
            if conn.getresponse().status == 200:
                conn.close()
                return Server(name, process, url, time.perf_counter() - started)
        except OSError:
            pass
        time.sleep(0.05)
    processes.stop(process)
    raise RuntimeError(f"{name} did not answer within {ready_timeout}s")


# ---------------------------------------------------------------- clients
#: esskg as measured with its answer cache bypassed (``Cache-Control: no-cache``).
COLD = "esskg-cold"
NO_CACHE = {"Cache-Control": "no-cache"}


class Timeout(Exception):
    pass


class HttpClient:
    """SPARQL over one kept-alive connection: POST form, JSON results, rows counted."""

    def __init__(self, url: str, timeout: float, extra: dict[str, str] | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "", parts.port or 80, parts.path
        self.timeout = timeout
        self.extra = extra or {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def query(self, text: str) -> int:
        body = urllib.parse.urlencode({"query": text})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": JSON_RESULTS,
            **self.extra,
        }
        try:
            conn = self._connection()
            conn.request("POST", self.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except TimeoutError as exc:
            self.close()
            raise Timeout from exc
        except (http.client.HTTPException, ConnectionError):
            self.close()
            raise
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
        return count_rows(payload)

    def get(self, text: str) -> int:
        """The lookup path: GET with the query in the URL, as applications do."""
        conn = self._connection()
        conn.request(
            "GET",
            self.path + "?" + urllib.parse.urlencode({"query": text}),
            headers={"Accept": JSON_RESULTS, **self.extra},
        )
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
        return len(payload)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def count_rows(payload: bytes) -> int:
    document = json.loads(payload)
    if "boolean" in document:
        return 1
    return len(document["results"]["bindings"])


def _as_json(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> bytes:
    """A query's answer serialised as a server would send it: JSON results, N-Triples."""
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


class InProcess:
    """The floor: pyoxigraph in memory, in this process, result serialised to JSON."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, text: str) -> int:
        return count_rows(_as_json(self.store.query(text)))

    def get(self, text: str) -> int:
        return len(_as_json(self.store.query(text)))

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- measurements
@dataclass
class Timing:
    rows: int | None = None
    runs: list[float] = field(default_factory=list)
    timed_out: bool = False
    error: str | None = None

    def summary(self, timeout: float) -> dict[str, Any]:
        if self.timed_out:
            return {"rows": self.rows, "timeout": True, "p50_ms": timeout * 1000}
        if self.error:
            return {"rows": None, "error": self.error}
        runs = sorted(self.runs)
        p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
        return {
            "rows": self.rows,
            "runs": len(runs),
            "p50_ms": round(statistics.median(runs) * 1000, 3),
            "p95_ms": round(p95 * 1000, 3),
        }


def time_query(client: Any, text: str, repeat: int, budget: float) -> Timing:
    """One warm-up run (its row count is kept), then up to ``repeat`` timed runs."""
    timing = Timing()
    try:
        timing.rows = client.query(text)
        spent = 0.0
        for _ in range(repeat):
            started = time.perf_counter()
            client.query(text)
            elapsed = time.perf_counter() - started
            timing.runs.append(elapsed)
            spent += elapsed
            if spent > budget:
                break
    except Timeout:
        timing.timed_out = True
    except Exception as exc:  # a failing system is reported, not fatal to the run
        timing.error = f"{type(exc).__name__}: {exc}"[:300]
    return timing


def throughput(
    make_client: Callable[[], Any], iris: list[str], clients: int, seconds: float
) -> float:
    """Requests per second of ``clients`` threads each looking up random IRIs."""
    done = [0] * clients
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def worker(k: int) -> None:
        client = make_client()
        rng = random.Random(k)
        try:
            while time.perf_counter() < stop:
                client.get(LOOKUP % rng.choice(iris))
                done[k] += 1
        except Exception as exc:
            errors.append(str(exc))
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - started
    if errors and not sum(done):
        raise RuntimeError(errors[0])
    return sum(done) / elapsed


# ---------------------------------------------------------------- one size
def build(size: int, project: Path, env: dict[str, str]) -> dict[str, Any]:
    """``esskg build`` in a child; its own peak RSS comes from wait4."""
    started = time.perf_counter()
    process = processes.spawn(
        [*ESSKG, "build"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    processes.forget(process)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"esskg build failed:\n{output[-3000:]}")
    manifest = json.loads((project / "var" / "store" / "build.json").read_text())
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "timings_s": manifest["timings"],
        "triples": manifest["triples"],
    }


def dump(project: Path, target: Path) -> Path:
    """The built quads as N-Quads: every system loads exactly the same dataset.

    It holds the union default graph esskg keeps as a set (its real default graph), so the
    other systems are queried over their real default graph too: same answers, same work.
    Made afresh from each build, and so is the Oxigraph server's store loaded from it: a
    dump left by an earlier run (or a store the write benchmark wrote to) would serve other
    data than esskg does.
    """
    nq = target / "all.nq"
    nq.unlink(missing_ok=True)
    shutil.rmtree(target / OXIGRAPH_STORE, ignore_errors=True)
    store = ox.Store.read_only(str(project / "var" / "store" / "oxigraph"))
    store.dump(str(nq), format=ox.RdfFormat.N_QUADS)
    return nq


def lookup_iris(store: ox.Store, count: int = 500) -> list[str]:
    rows = store.query(
        "SELECT DISTINCT ?a WHERE { ?a <https://w3id.org/esskg/def#hasTerritory> ?t }",
    )
    assert isinstance(rows, ox.QuerySolutions)
    iris = sorted(row["a"].value for row in rows)
    return random.Random(6).sample(iris, min(count, len(iris)))


def a_region(store: ox.Store) -> str:
    """A place partner networks can say they are based in (the writes' data)."""
    rows = store.query(
        "SELECT ?r WHERE { ?o <https://w3id.org/esskg/def#basedIn> ?r } ORDER BY ?r LIMIT 1",
        use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    (row,) = list(rows)
    return str(row["r"].value)


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    project = WORK / str(size)
    if not (project / "data").exists():
        print(f"[{size}] generating", flush=True)
        write_project(size, project)
    env = dict(os.environ, ESSKG_ROOT=str(project), ESSKG_STORE_PATH=str(project / "var/store"))
    print(f"[{size}] building", flush=True)
    built = build(size, project, env)
    print(
        f"[{size}] built {built['triples']} triples in {built['wall_s']} s, "
        f"peak RSS {built['peak_rss_mb']} MB: {built['timings_s']}",
        flush=True,
    )
    bench_bin = REPO / ".venv-bench" / "bin"
    nq = dump(project, project)
    logs = project / "logs"
    logs.mkdir(exist_ok=True)

    memory = ox.Store()
    memory.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    iris = lookup_iris(memory)

    servers: dict[str, Server] = {}
    systems: dict[str, Callable[[], Any]] = {}

    # the write benchmark's contributions go aside, so the project's data stays as generated
    contributions = project / "var" / "bench-contributions"
    shutil.rmtree(contributions, ignore_errors=True)
    serve_env = dict(
        env, ESSKG_WRITE_TOKEN=WRITE_TOKEN, ESSKG_CONTRIBUTIONS_PATH=str(contributions)
    )

    def launch_esskg() -> Server:
        port = free_port()
        return start(
            "esskg",
            [*ESSKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
            f"http://127.0.0.1:{port}/sparql",
            f"http://127.0.0.1:{port}/health",
            serve_env,
            logs / "esskg.log",
        )

    def launch_oxigraph() -> Server:
        location = project / OXIGRAPH_STORE
        if not location.exists():
            loader = str(bench_bin / "oxigraph")
            processes.run([loader, "load", "--location", str(location), "--file", str(nq)])
        port = free_port()
        return start(
            "oxigraph",
            [
                str(bench_bin / "oxigraph"),
                "serve",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            f"http://127.0.0.1:{port}/query",
            f"http://127.0.0.1:{port}/query?query=ASK%7B%7D",
            None,
            logs / "oxigraph.log",
        )

    def launch_rdflib() -> Server:
        port = free_port()
        # rdflib-endpoint parses N-Quads into a Dataset whose default graph is the union
        return start(
            "rdflib",
            [
                str(bench_bin / "rdflib-endpoint"),
                "serve",
                str(nq),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            f"http://127.0.0.1:{port}/",
            f"http://127.0.0.1:{port}/?query=ASK%7B%7D",
            None,
            logs / "rdflib.log",
            ready_timeout=1200,
        )

    launchers = {"esskg": launch_esskg, "oxigraph": launch_oxigraph, "rdflib": launch_rdflib}
    startup: dict[str, float] = {}
    for name in args.systems:
        if name == "pyoxigraph":
            systems[name] = lambda: InProcess(memory)
            continue
        if name == COLD:
            # The same esskg server, every request asking for a fresh evaluation: what a
            # query costs the first time, with the answer cache out of the way.
            url = servers["esskg"].url
            systems[name] = partial(HttpClient, url, args.timeout, NO_CACHE)
            continue
        print(f"[{size}] starting {name}", flush=True)
        servers[name] = launchers[name]()
        startup[name] = round(servers[name].startup, 3)
        url = servers[name].url
        systems[name] = partial(HttpClient, url, args.timeout)

    queries = dict(GENERIC)
    if not args.no_canned:
        queries.update({f"canned:{k}": v for k, v in canned_queries().items()})
    results: dict[str, dict[str, Any]] = {}
    for qname, text in queries.items():
        results[qname] = {}
        for name in args.systems:
            client = systems[name]()
            timing = time_query(client, text, args.repeat, args.budget)
            client.close()
            if timing.timed_out and name in servers:
                # the server may still be busy with the abandoned query: start afresh
                servers[name].sample_rss()
                servers[name].stop()
                servers[name] = launchers[name]()
                url = servers[name].url
                systems[name] = partial(HttpClient, url, args.timeout)
            if name in servers:
                servers[name].sample_rss()
            results[qname][name] = timing.summary(args.timeout)
        counts = {n: r.get("rows") for n, r in results[qname].items() if not r.get("timeout")}
        results[qname]["parity"] = len({c for c in counts.values() if c is not None}) <= 1 and (
            None not in counts.values()
        )
        print(
            f"[{size}] {qname}: "
            + ", ".join(f"{n} {fmt(results[qname][n])}" for n in args.systems),
            flush=True,
        )

    lookups: dict[str, float] = {}
    for name in args.systems:
        try:
            lookups[name] = round(throughput(systems[name], iris, args.clients, args.seconds), 1)
        except Exception as exc:
            print(f"[{size}] lookup on {name} failed: {exc}", flush=True)
            lookups[name] = 0.0
        if name in servers:
            servers[name].sample_rss()
    print(f"[{size}] lookup req/s at {args.clients} clients: {lookups}", flush=True)

    rss = {name: round(server.peak_rss, 1) for name, server in servers.items()}
    pss = {name: round(server.peak_pss, 1) for name, server in servers.items()}
    main_rss = {name: round(server.peak_main_rss, 1) for name, server in servers.items()}
    written: dict[str, Any] | None = None
    region = a_region(memory)
    if args.writes and "esskg" in servers:
        print(f"[{size}] writes", flush=True)
        esskg_pid = servers["esskg"].process.pid
        written = writes.run(
            servers["esskg"].url.removesuffix("/sparql"),
            WRITE_TOKEN,
            servers["oxigraph"].url.removesuffix("/query") if "oxigraph" in servers else None,
            region,
            iris,
            lambda: tree_pss_mb(esskg_pid),  # a forked parser shares the server's pages
            args.write_repeat,
            args.clients,
            args.seconds,
        )
    for server in servers.values():
        server.stop()
    if written is not None:
        print(f"[{size}] writes in process, by phase", flush=True)
        written["phases"] = writes.phases(project, region, args.write_repeat)
        print(f"[{size}] a partner's 1,000-row upload, in process", flush=True)
        written["partner_upload"] = partner_upload.run(project, args.write_repeat)
    return {
        "writes": written,
        "size": size,
        "build": built,
        "startup_s": startup,
        "serving_peak_rss_mb": rss,
        "serving_peak_pss_mb": pss,
        "serving_peak_main_rss_mb": main_rss,
        "queries": results,
        "lookup_rps": lookups,
    }


def fmt(summary: dict[str, Any]) -> str:
    if summary.get("timeout"):
        return "> timeout"
    if summary.get("error"):
        return "error"
    return f"{summary['p50_ms']:.1f}ms({summary['rows']})"


# ---------------------------------------------------------------- report
def ratios(result: dict[str, Any], timeout: float) -> dict[str, dict[str, str]]:
    """esskg p50 (as served, and cold) against each alternative; a timed-out alternative
    gives a lower bound."""
    table: dict[str, dict[str, str]] = {}
    for qname, per in result["queries"].items():
        row = {}
        for me in ("esskg", COLD):
            mine = per.get(me, {})
            if "p50_ms" not in mine or mine.get("timeout"):
                continue
            for other in ("pyoxigraph", "oxigraph", "rdflib"):
                theirs = per.get(other)
                if not theirs or "p50_ms" not in theirs:
                    continue
                if other == "pyoxigraph":
                    ratio = mine["p50_ms"] / max(theirs["p50_ms"], 1e-6)
                    row[f"{me}/pyoxigraph"] = f"{ratio:.2f}x"
                else:
                    speedup = theirs["p50_ms"] / max(mine["p50_ms"], 1e-6)
                    bound = ">" if theirs.get("timeout") else ""
                    row[f"{other}/{me}"] = f"{bound}{speedup:.1f}x"
        if not row:
            continue
        row["parity"] = "ok" if per.get("parity") else "ROW COUNTS DIFFER"
        table[qname] = row
    return table


def print_report(result: dict[str, Any], timeout: float) -> None:
    size = result["size"]
    build = result["build"]
    print(f"\n=== {size} triples (built: {build['triples']}) ===")
    print(
        f"build wall {build['wall_s']} s, peak RSS {build['peak_rss_mb']} MB, "
        f"steps {build['timings_s']}"
    )
    print(f"start-up s: {result['startup_s']}")
    print(f"serving peak RSS MB (server + its query engine): {result['serving_peak_rss_mb']}")
    print(f"serving peak RSS MB (server process alone): {result.get('serving_peak_main_rss_mb')}")
    print(f"serving peak PSS MB (shared pages once): {result.get('serving_peak_pss_mb')}")
    systems = [
        s
        for s in ("esskg", COLD, "pyoxigraph", "oxigraph", "rdflib")
        if any(s in per for per in result["queries"].values())
    ]
    head = f"{'query':44}" + "".join(f"{s + ' p50/p95 ms':>24}" for s in systems)
    print(head)
    for qname, per in result["queries"].items():
        cells = []
        for s in systems:
            r = per.get(s, {})
            if r.get("timeout"):
                cells.append(f"{'> ' + str(int(timeout)) + ' s':>24}")
            elif "p50_ms" in r:
                cells.append(f"{r['p50_ms']:>11.1f}/{r['p95_ms']:<8.1f}({r['rows']})".rjust(24))
            else:
                cells.append(f"{'error':>24}")
        print(f"{qname[:44]:44}" + "".join(cells))
    print(f"lookup of one IRI, req/s at 8 clients: {result['lookup_rps']}")
    print("ratios (esskg/pyoxigraph: lower is better, ≤ 1.10 wanted; others/esskg: speed-up):")
    for qname, row in ratios(result, timeout).items():
        print(f"  {qname[:44]:44} " + "  ".join(f"{k} {v}" for k, v in row.items()))
    if result.get("writes"):
        writes.print_report(size, result["writes"])
        if result["writes"].get("partner_upload"):
            partner_upload.print_report(result["writes"]["partner_upload"])


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--sizes", default="10000,100000,1000000")
    cli.add_argument("--systems", default=f"esskg,{COLD},pyoxigraph,oxigraph,rdflib")
    cli.add_argument("--repeat", type=int, default=9, help="timed runs per query and system")
    cli.add_argument("--budget", type=float, default=20.0, help="seconds of timed runs, at most")
    cli.add_argument("--timeout", type=float, default=60.0, help="seconds before a query fails")
    cli.add_argument("--clients", type=int, default=8)
    cli.add_argument("--seconds", type=float, default=10.0, help="length of the lookup test")
    cli.add_argument("--no-canned", action="store_true", help="only the generic shapes")
    cli.add_argument(
        "--writes", action=argparse.BooleanOptionalAction, default=True, help="the write benchmark"
    )
    cli.add_argument("--write-repeat", type=int, default=3, help="runs of each kind of write")
    args = cli.parse_args()
    processes.install()
    args.systems = [s for s in args.systems.split(",") if s]
    sizes = [int(s) for s in args.sizes.replace(" ", "").split(",") if s]
    RESULTS.mkdir(parents=True, exist_ok=True)
    run: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "load": os.getloadavg(),
        },
        "settings": {k: v for k, v in vars(args).items()},
        "sizes": [],
    }
    out = RESULTS / f"bench-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    for size in sizes:
        result = run_size(size, args)
        result["ratios"] = ratios(result, args.timeout)
        run["sizes"].append(result)
        print_report(result, args.timeout)
        out.write_text(json.dumps(run, indent=2, ensure_ascii=False))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
