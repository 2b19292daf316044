"""Apache Jena 4.5 (Debian): ``rsparql``, ``rupdate`` and the Java API (``RDFConnection``).

Jena answers a 401 by reading the first challenge of ``WWW-Authenticate``: Basic first, so
that ``rupdate`` with the key in the service URL (``http://admin:KEY@host/sparql``) and
``AuthEnv`` in the API both write. The JDK's HTTP client offers an ``h2c`` upgrade on every
request, which the server declines (``service.api.server``). A JVM takes seconds to start:
the API program does all its steps in one.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from rdflib import Graph

from tests.interop.conftest import TOKEN
from tests.interop.jvm import classpath, java, missing
from tests.interop.oracle import (
    ASK_TRUE,
    CONSTRUCT,
    SELECT,
    WRITES,
    Oracle,
    json_rows,
    same_graph,
)

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

DRIVE = Path(__file__).parent / "jena" / "Drive.java"


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> str:
    return classpath(tmp_path_factory.mktemp("jena-fix"))


def test_rsparql_select_as_json(cp: str, endpoint: str, oracle: Oracle) -> None:
    done = java(cp, "arq.rsparql", "--service", endpoint, "--results=json", SELECT)
    assert done.returncode == 0, done.stderr
    assert json_rows(json.loads(done.stdout)) == oracle.rows(SELECT)


def test_rsparql_construct_as_turtle(cp: str, endpoint: str, oracle: Oracle) -> None:
    done = java(cp, "arq.rsparql", "--service", endpoint, CONSTRUCT)
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format="turtle")
    assert same_graph(graph, oracle.graph(CONSTRUCT))


def test_rupdate_writes_with_the_key_in_the_service_url(cp: str, base: str) -> None:
    graph = f"{WRITES}jena-rupdate"
    host = urlsplit(base).netloc
    service = f"http://admin:{TOKEN}@{host}/sparql"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#it> <{graph}#says> "rupdate" }} }}'
    done = java(cp, "arq.rupdate", "--service", service, update)
    assert done.returncode == 0, done.stderr
    written = httpx.get(
        base + "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert written.text == f'<{graph}#it> <{graph}#says> "rupdate" .\n'


def test_rupdate_without_a_key_reports_the_401(cp: str, endpoint: str) -> None:
    """The challenge is read, not a crash: Jena says the request needs authentication."""
    done = java(cp, "arq.rupdate", "--service", endpoint, f"CLEAR SILENT GRAPH <{WRITES}x>")
    assert done.returncode != 0
    assert "401" in done.stderr and "Exception in thread" not in done.stderr


def test_the_java_api_reads_updates_and_keeps_graphs(
    cp: str, base: str, oracle: Oracle, tmp_path: Path
) -> None:
    graph = f"{WRITES}jena-api"
    update = f'INSERT DATA {{ GRAPH <{graph}-update> {{ <{graph}#u> <{graph}#p> "api" }} }}'
    done = java(
        cp, str(DRIVE), base, TOKEN, SELECT, ASK_TRUE, CONSTRUCT, update, graph, str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "done.txt").read_text() == "done"
    assert json_rows(json.loads((tmp_path / "select.json").read_text("utf-8"))) == oracle.rows(
        SELECT
    )
    assert (tmp_path / "ask.txt").read_text() == "true"
    constructed = Graph().parse(tmp_path / "construct.nt", format="nt")
    assert same_graph(constructed, oracle.graph(CONSTRUCT))
    fetched = (tmp_path / "fetched.nt").read_text("utf-8")
    assert (
        fetched
        == f'<{graph}#it> <http://www.w3.org/2000/01/rdf-schema#label> "écrit par Jena"@fr .\n'
    )
    assert httpx.get(base + "/graphs", params={"graph": graph}).status_code == 404  # deleted
    updated = httpx.get(
        base + "/graphs",
        params={"graph": f"{graph}-update"},
        headers={"Accept": "application/n-triples"},
    )
    assert updated.text == f'<{graph}#u> <{graph}#p> "api" .\n'
