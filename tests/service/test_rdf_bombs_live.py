"""Hostile RDF against a real ``esskg serve``: the process stays up, answers ``/health``,
keeps its memory, and its data, while innocent queries go on being answered.

The server runs with no nesting limit to speak of, so that the documents that crash the
engine's parser, exhaust its memory or run for minutes reach the parser process.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.graph.build import build
from tests.conftest import FIXTURES, settings_for
from tests.service.api.test_graph_store_edges import BOUNDARY, multipart
from tests.service.rdf_bombs import (
    CRASHES,
    ENTITY_BOMBS,
    EXHAUSTS_MEMORY,
    RDFXML,
    RUNS_FOR_MINUTES,
)
from tests.service.server import server_process

TOKEN = "live-bomb-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
GRAPH = "http://e/g"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    root = tmp_path_factory.mktemp("bombs") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    build(settings_for(root))
    with server_process(
        root,
        ESSKG_WRITE_TOKEN=TOKEN,
        ESSKG_PARSE_TIMEOUT="5",
        ESSKG_MAX_NESTING="1000000",
        ESSKG_PARSE_MEMORY_BYTES="100000000",
        ESSKG_INFER_ON_WRITE="false",
    ) as running:
        yield running


def _peak_memory_mb(process: subprocess.Popen[bytes]) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc")


def _dump(base: str) -> bytes:
    return httpx.get(f"{base}/dump", timeout=10).content


def _alive(base: str, process: subprocess.Popen[bytes]) -> None:
    assert process.poll() is None
    assert httpx.get(f"{base}/health", timeout=5).status_code == 200


def test_entity_bombs_leave_a_real_server_up_small_and_unchanged(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = server
    before, peak = _dump(base), _peak_memory_mb(process)
    for name, bomb in ENTITY_BOMBS.items():
        requests = [
            ("/validate", {"content-type": RDFXML}, bomb),
            ("/graphs", {**AUTH, "content-type": RDFXML}, bomb),
            (
                "/graphs",
                {**AUTH, "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
                multipart(("text/turtle", b"<http://e/s> <http://e/p> 1 ."), (RDFXML, bomb)),
            ),
        ]
        for path, headers, body in requests:
            started = time.monotonic()
            response = httpx.post(
                f"{base}{path}", params={"graph": GRAPH}, content=body, headers=headers, timeout=10
            )
            assert time.monotonic() - started < 3, (name, path)
            assert response.status_code == 400, (name, path, response.text[:200])
            assert response.headers["content-type"] == "application/problem+json"
    _alive(base, process)
    assert _peak_memory_mb(process) - peak < 100
    assert _dump(base) == before


@pytest.mark.parametrize(
    ("bomb", "status"),
    [(CRASHES, 422), (EXHAUSTS_MEMORY, 413), (RUNS_FOR_MINUTES, 503)],
    ids=["crash", "memory", "time"],
)
def test_what_kills_a_parser_leaves_a_real_server_serving(
    server: tuple[str, subprocess.Popen[bytes]], bomb: tuple[str, bytes], status: int
) -> None:
    base, process = server
    before, peak = _dump(base), _peak_memory_mb(process)
    answers: list[int] = []
    stop = threading.Event()

    def innocent() -> None:
        while not stop.is_set():
            query = {"query": "ASK { ?s ?p ?o }"}
            answers.append(httpx.get(f"{base}/sparql", params=query, timeout=5).status_code)
            time.sleep(0.1)

    bystander = threading.Thread(target=innocent)
    bystander.start()
    try:
        started = time.monotonic()
        response = httpx.post(
            f"{base}/validate", content=bomb[1], headers={"content-type": bomb[0]}, timeout=15
        )
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        bystander.join(timeout=10)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert elapsed < 10
    assert answers and set(answers) == {200}
    _alive(base, process)
    assert _peak_memory_mb(process) - peak < 100
    assert _dump(base) == before
