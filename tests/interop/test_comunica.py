"""Comunica 4.5 (``@comunica/query-sparql``, pinned in ``tests/interop/node``): its CLI and
its JavaScript API.

Comunica probes a bare URL before querying it, asking for N-Quads first (the service
description must answer, not fail), then finds the endpoint in it; ``sparql@URL`` skips the
probe. It writes with HTTP Basic: the CLI takes the credentials in the source URL
(``sparql@http://admin:KEY@host/sparql``; Comunica 4.5 has no ``--httpAuth`` option), the
API in its ``httpAuth`` context entry. Node starts slowly: the API script does all its steps
in one process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from rdflib import Graph

from tests.interop.conftest import TOKEN
from tests.interop.oracle import (
    ASK_TRUE,
    CONSTRUCT,
    SELECT,
    WRITES,
    Oracle,
    json_rows,
    same_graph,
)

NODE = Path(__file__).parent / "node"
CLI = NODE / "node_modules" / ".bin" / "comunica-sparql"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "no node here: the Comunica tests need Node.js 18 or later"
    if not CLI.exists():
        return "Comunica is not installed: make test runs npm ci in tests/interop/node"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def node(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=NODE, capture_output=True, text=True, timeout=180, check=False)


def test_cli_select_as_json(endpoint: str, oracle: Oracle) -> None:
    done = node(str(CLI), f"sparql@{endpoint}", SELECT, "-t", "application/sparql-results+json")
    assert done.returncode == 0, done.stderr
    assert json_rows(json.loads(done.stdout)) == oracle.rows(SELECT)


def test_cli_update_with_basic_credentials_in_the_url(base: str) -> None:
    graph = f"{WRITES}comunica-cli"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#it> <{graph}#says> "comunica" }} }}'
    source = f"sparql@http://admin:{TOKEN}@{urlsplit(base).netloc}/sparql"
    done = node(str(CLI), source, update)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    written = httpx.get(
        base + "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert written.text == f'<{graph}#it> <{graph}#says> "comunica" .\n'


def test_api_declared_and_probed_endpoint_ask_construct_and_update(
    base: str, endpoint: str, oracle: Oracle
) -> None:
    graph = f"{WRITES}comunica-api"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#it> <{graph}#says> "api" }} }}'
    done = node("node", "drive.mjs", endpoint, TOKEN, SELECT, ASK_TRUE, CONSTRUCT, update)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    expected = oracle.rows(SELECT)
    assert answers["select"] == expected
    assert answers["detected"] == expected  # found through the service description
    assert answers["ask"] is True
    constructed = Graph().parse(data="\n".join(answers["construct"]), format="nt")
    assert same_graph(constructed, oracle.graph(CONSTRUCT))
    assert answers["updated"] is True
    written = httpx.get(
        base + "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert written.text == f'<{graph}#it> <{graph}#says> "api" .\n'
