"""A Python client generated from ``/openapi.json`` by openapi-python-client, used as is.

What an application developer does: fetch the document, generate, import. The generated
client must send a SPARQL SELECT and get typed results, run a canned query whose rows are
objects with one attribute per variable, and write with the key (``AuthenticatedClient``):
an update by form, and a new graph by multipart upload (201, and a ``Location`` this server
answers).
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.interop.conftest import TOKEN
from tests.interop.oracle import SELECT, WRITES, Oracle, json_rows

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "esskg_generated_client"


@pytest.fixture(scope="module")
def generated(base: str, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The client package, generated from the live document and imported."""
    if not GENERATOR.exists():
        pytest.skip("openapi-python-client is not installed: make install-test")
    folder = tmp_path_factory.mktemp("generated")
    spec = folder / "openapi.json"
    spec.write_bytes(httpx.get(base + "/openapi.json").content)
    command = [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none"]
    done = subprocess.run(
        [*command, "--output-path", str(folder / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"PATH": f"{GENERATOR.parent}:/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_generated_client_runs_a_select_into_typed_results(
    generated: ModuleType, base: str, oracle: Oracle
) -> None:
    sparql_get = _module(generated, "api.sparql.sparql_get")
    models = _module(generated, "models")
    client = generated.Client(base_url=base, raise_on_unexpected_status=True)
    answer = sparql_get.sync(client=client, query=SELECT)
    assert isinstance(answer, models.SparqlResults)
    assert answer.head.vars_ == oracle.variables(SELECT)
    assert json_rows(answer.to_dict()) == oracle.rows(SELECT)


def test_generated_client_runs_a_canned_query_into_row_objects(
    generated: ModuleType, base: str, oracle: Oracle
) -> None:
    targets = _module(generated, "api.queries_spaser.query_spaser_list_targets_by_plan")
    models = _module(generated, "models")
    client = generated.Client(base_url=base, raise_on_unexpected_status=True)
    answer = targets.sync(client=client, per_page=100)
    assert isinstance(answer, models.SpaserListTargetsByPlanResults)
    rows = answer.results.bindings
    assert rows and all(isinstance(row, models.SpaserListTargetsByPlanRow) for row in rows)
    text = (REPO / "queries" / "spaser" / "list-targets-by-plan.rq").read_text("utf-8")
    expected = oracle.rows(text)
    assert [f"<{row.target.value}>" for row in rows] == [r["target"] for r in expected]
    assert [row.value.datatype for row in rows] == [
        r["value"].rsplit("^^<", 1)[1][:-1] for r in expected
    ]
    assert json_rows(answer.to_dict()) == expected


def test_generated_client_writes_with_the_key(generated: ModuleType, base: str) -> None:
    sparql_post = _module(generated, "api.sparql.sparql_post")
    models = _module(generated, "models")
    graph = f"{WRITES}generated-client"
    writer = generated.AuthenticatedClient(
        base_url=base, token=TOKEN, raise_on_unexpected_status=True
    )
    body = models.SparqlPostDataBody(
        update=f'INSERT DATA {{ GRAPH <{graph}> {{ <{graph}#it> <{graph}#says> "generated" }} }}'
    )
    assert sparql_post.sync_detailed(client=writer, body=body).status_code == 204
    written = httpx.get(
        base + "/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert written.text == f'<{graph}#it> <{graph}#says> "generated" .\n'
    anonymous = generated.Client(base_url=base)
    refused = sparql_post.sync_detailed(client=anonymous, body=body)
    assert refused.status_code == 401 and refused.parsed.status == 401


def test_generated_client_creates_a_graph_it_can_follow(generated: ModuleType, base: str) -> None:
    upload = _module(generated, "api.graphs.write_graph_post")
    models = _module(generated, "models")
    types = _module(generated, "types")
    writer = generated.AuthenticatedClient(base_url=base, token=TOKEN)
    turtle = b'<http://example.org/interop/uploaded> <http://example.org/interop/p> "up" .\n'
    document = types.File(payload=io.BytesIO(turtle), file_name="up.ttl", mime_type="text/turtle")
    created = upload.sync_detailed(
        client=writer, body=models.WriteGraphPostFilesBody(file=document)
    )
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith(base + "/graphs/")
    followed = httpx.get(location, headers={"Accept": "application/n-triples"})
    assert followed.status_code == 200
    assert followed.text == turtle.decode()
    by_name = httpx.get(
        base + "/graphs", params={"graph": location}, headers={"Accept": "application/n-triples"}
    )
    assert by_name.text == turtle.decode()
