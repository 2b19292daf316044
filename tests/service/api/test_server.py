"""The HTTP server (``service.api.server``) against a real ``esskg serve``, on raw sockets.

Clients that offer a cleartext HTTP/2 upgrade (the JDK's HttpClient under Apache Jena,
``curl --http2``) must have their whole body served over HTTP/1.1, whether it comes in the
head's TCP segment or a later one, on every write route (Graph Store PUT, POST and DELETE by
``?graph=``, ``?default`` and ``/graphs/…`` URLs, multipart POST, SPARQL Update, a partner's
upload with its key) and for POST queries; a body cut short or longer than announced is refused
with a 400 problem before any handler runs, and nothing is committed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest

from service.graph.build import build
from service.namespaces import partner_graph
from service.partners.keys import PartnerKeys
from tests.conftest import FIXTURES, settings_for
from tests.service.server import serve_process

TOKEN = "upgrade-token"
EX = "http://example.org/"
#: What the JDK's HttpClient and curl --http2 add to every cleartext request.
OFFER = (
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
)


PARTNER = "reseau-h2c"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("server") / "project"
    shutil.copytree(FIXTURES / "mini", root)
    settings = settings_for(root)
    build(settings)
    PartnerKeys(settings.resolve(settings.partner_keys_path)).add(PARTNER)
    return root


@pytest.fixture(scope="module")
def partner_key(project: Path) -> str:
    settings = settings_for(project)
    return PartnerKeys(settings.resolve(settings.partner_keys_path)).issue(PARTNER)


@pytest.fixture(scope="module")
def served(project: Path, partner_key: str) -> Iterator[str]:
    with serve_process(project, ESSKG_WRITE_TOKEN=TOKEN, ESSKG_INFER_ON_WRITE="false") as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _exchange(base: str, head: bytes, body: bytes, *, split: bool, shut: bool = False) -> bytes:
    """Send a request on a fresh connection; the body with the head or 0.3 s later."""
    with socket.create_connection(("127.0.0.1", _port(base)), timeout=30) as sock:
        if split:
            sock.sendall(head)
            time.sleep(0.3)
            sock.sendall(body)
        else:
            sock.sendall(head + body)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _request(
    method: str,
    target: str,
    content_type: str,
    body: bytes,
    *,
    offer: bool = True,
    token: str = TOKEN,
) -> bytes:
    return (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n".encode()
        + (OFFER if offer else b"")
        + b"\r\n"
    )


def _status_and_body(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _triples(base: str, graph: str | None) -> set[str]:
    """The graph's triples (``None``: the default graph), as N-Triples lines."""
    target = "default" if graph is None else f"graph={quote(graph, safe='')}"
    response = httpx.get(
        f"{base}/graphs?{target}", headers={"Accept": "application/n-triples"}, timeout=30
    )
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return {str(t) for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}


def _target(graph: str) -> str:
    return f"/graphs?graph={quote(graph, safe='')}"


def _write(served: str, method: str, target: str, body: bytes, *, split: bool = False) -> int:
    """The status of an N-Triples write that offers h2c."""
    head = _request(method, target, "application/n-triples", body)
    return _status_and_body(_exchange(served, head, body, split=split))[0]


def _document(graph: str, n: int) -> tuple[bytes, set[str]]:
    lines = [f'<{EX}s{i}> <{EX}p> "valeur {i} à {graph[-6:]}" .' for i in range(n)]
    expected = {line.removesuffix(" .") for line in lines}
    return "\n".join(lines).encode(), expected


@pytest.mark.parametrize("split", [False, True], ids=["same-segment", "later-segment"])
def test_graph_store_put_and_post_offering_h2c_store_the_whole_body(
    served: str, split: bool
) -> None:
    graph = f"{EX}upgrade/gsp-{split}"
    body, expected = _document(graph, 300)
    assert _write(served, "PUT", _target(graph), body, split=split) == 201
    assert _triples(served, graph) == expected
    more, added = _document(graph + "-more", 5)
    assert _write(served, "POST", _target(graph), more, split=split) == 204
    assert _triples(served, graph) == expected | added


@pytest.mark.parametrize("split", [False, True], ids=["same-segment", "later-segment"])
def test_direct_and_new_graph_writes_offering_h2c_store_the_whole_body(
    served: str, split: bool
) -> None:
    direct = f"http://127.0.0.1/graphs/upgrade-direct-{split}"  # the Host sent, then the path
    body, expected = _document(direct, 50)
    assert _write(served, "PUT", f"/graphs/upgrade-direct-{split}", body, split=split) == 201
    assert _triples(served, direct) == expected

    body, expected = _document("new-graph", 20)
    created = _exchange(
        served, _request("POST", "/graphs", "application/n-triples", body), body, split=split
    )
    status, headers, _ = _status_and_body(created)
    assert status == 201
    assert _triples(served, headers["location"]) == expected


@pytest.mark.parametrize("split", [False, True], ids=["same-segment", "later-segment"])
@pytest.mark.parametrize("form", [False, True], ids=["direct", "form"])
def test_sparql_update_offering_h2c_runs_the_whole_update(
    served: str, split: bool, form: bool
) -> None:
    graph = f"{EX}upgrade/update-{split}-{form}"
    data, expected = _document(graph, 100)
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ {data.decode()} }} }}"
    if form:
        body = ("update=" + quote(update, safe="")).encode()
        media = "application/x-www-form-urlencoded"
    else:
        body, media = update.encode(), "application/sparql-update"
    answer = _exchange(served, _request("POST", "/sparql", media, body), body, split=split)
    assert _status_and_body(answer)[0] == 204
    assert _triples(served, graph) == expected


@pytest.mark.parametrize("split", [False, True], ids=["same-segment", "later-segment"])
@pytest.mark.parametrize("form", [False, True], ids=["direct", "form"])
def test_a_long_post_query_offering_h2c_is_answered(served: str, split: bool, form: bool) -> None:
    padding = "# " + "x" * 3000 + "\n"  # Jena switches to POST above about 2 KB
    query = padding + "ASK { GRAPH ?g { ?s ?p ?o } }"
    if form:
        body = ("query=" + quote(query, safe="")).encode()
        media = "application/x-www-form-urlencoded"
    else:
        body, media = query.encode(), "application/sparql-query"
    head = _request("POST", "/sparql", media, body).replace(
        b"\r\n\r\n", b"\r\nAccept: application/sparql-results+json\r\n\r\n"
    )
    status, _, answer = _status_and_body(_exchange(served, head, body, split=split))
    assert status == 200
    assert json.loads(answer) == {"head": {}, "boolean": True}


SPLIT = pytest.mark.parametrize("split", [False, True], ids=["same-segment", "later-segment"])


def _only_answer(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    """The one answer on the connection: a body read as a request would add a second."""
    assert answer.count(b"HTTP/1.1 ") == 1, answer
    return _status_and_body(answer)


def _multipart(fields: list[tuple[str, str | None, str, bytes]]) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/form-data form: (name, file name, type, bytes)."""
    boundary = "esskg-h2c-boundary"
    body = b""
    for name, filename, media, data in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                f"Content-Type: {media}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


@SPLIT
def test_delete_offering_h2c_with_a_body_deletes_and_answers_once(served: str, split: bool) -> None:
    graph = f"{EX}upgrade/delete-{split}"
    body, expected = _document(graph, 5)
    assert _write(served, "PUT", _target(graph), body) == 201
    assert _triples(served, graph) == expected
    ignored = b"a body a DELETE does not need, which must not be read as a request"
    head = _request("DELETE", _target(graph), "text/plain", ignored)
    status, _, _ = _only_answer(_exchange(served, head, ignored, split=split))
    assert status == 204
    assert _triples(served, graph) == set()


@SPLIT
def test_post_to_a_direct_graph_url_offering_h2c_adds_the_whole_body(
    served: str, split: bool
) -> None:
    path = f"/graphs/upgrade-direct-post-{split}"
    graph = f"http://127.0.0.1{path}"
    first, expected = _document(graph, 30)
    assert _write(served, "PUT", path, first) == 201
    more, added = _document(graph + "-more", 40)
    assert (
        _only_answer(
            _exchange(
                served, _request("POST", path, "application/n-triples", more), more, split=split
            )
        )[0]
        == 204
    )
    assert _triples(served, graph) == expected | added


@SPLIT
def test_a_multipart_graph_store_post_offering_h2c_stores_every_part(
    served: str, split: bool
) -> None:
    graph = f"{EX}upgrade/multipart-{split}"
    first, expected = _document(graph, 60)
    second, added = _document(graph + "-turtle", 60)
    media, body = _multipart(
        [
            ("file", "a.nt", "application/n-triples", first),
            ("file", "b.ttl", "text/turtle", second),
        ]
    )
    head = _request("POST", _target(graph), media, body)
    status, headers, _ = _only_answer(_exchange(served, head, body, split=split))
    assert status == 201
    assert headers["etag"]
    assert _triples(served, graph) == expected | added


@SPLIT
def test_the_default_graph_written_offering_h2c_holds_the_whole_body(
    served: str, split: bool
) -> None:
    body, expected = _document(f"default-{split}", 80)
    head = _request("PUT", "/graphs?default", "application/n-triples", body)
    assert _only_answer(_exchange(served, head, body, split=split))[0] in (201, 204)
    assert expected <= _triples(served, None)  # the default graph reads as the union


@SPLIT
def test_a_partner_upload_offering_h2c_commits_the_whole_file(
    served: str, partner_key: str, split: bool
) -> None:
    kind = "events" if split else "spasers"
    data, expected = _document(f"{PARTNER}-{kind}", 50)
    media, body = _multipart(
        [
            ("kind", None, "text/plain", kind.encode()),
            ("file", f"{kind}.nt", "application/n-triples", data),
        ]
    )
    head = _request("POST", f"/partners/{PARTNER}/uploads", media, body, token=partner_key)
    status, _, answer = _only_answer(_exchange(served, head, body, split=split))
    assert status == 201, answer
    assert json.loads(answer)["committed"] is True
    assert expected <= _triples(served, partner_graph(PARTNER))


def test_the_connection_serves_later_requests_after_an_upgrade_offer(served: str) -> None:
    graph = f"{EX}upgrade/keep-alive"
    body, expected = _document(graph, 3)
    first = _request("PUT", _target(graph), "application/n-triples", body)
    first = first.replace(b"Connection: close\r\n", b"")
    second = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    answer = _exchange(served, first + body + second, b"", split=False)
    assert answer.count(b"HTTP/1.1 ") == 2
    assert b"HTTP/1.1 201 " in answer and b"HTTP/1.1 200 " in answer
    assert _triples(served, graph) == expected


def _assert_refused(answer: bytes, slug: str) -> None:
    status, headers, body = _status_and_body(answer)
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == f"https://w3id.org/esskg/problems/{slug}"


@pytest.mark.parametrize("offer", [False, True], ids=["plain", "h2c-offer"])
def test_a_body_shorter_than_its_content_length_is_refused_and_nothing_is_committed(
    served: str, offer: bool
) -> None:
    graph = f"{EX}upgrade/short-{offer}"
    body, expected = _document(graph, 10)
    target = _target(graph)
    assert _write(served, "PUT", target, body) == 201
    cut = body[: len(body) // 2]  # ends mid-triple, and a whole-triple cut would do the same
    head = _request("PUT", target, "application/n-triples", body, offer=offer)
    _assert_refused(_exchange(served, head, cut, split=True, shut=True), "incomplete-body")
    assert _triples(served, graph) == expected


def test_a_chunked_body_without_its_last_chunk_is_refused(served: str) -> None:
    graph = f"{EX}upgrade/chunked"
    body, _ = _document(graph, 10)
    head = _request("PUT", _target(graph), "application/n-triples", b"")
    head = head.replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
    chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n"  # and no "0\r\n\r\n"
    _assert_refused(_exchange(served, head, chunk, split=True, shut=True), "incomplete-body")
    assert _triples(served, graph) == set()


@pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "close"])
def test_a_body_longer_than_its_content_length_is_refused_before_any_handler_runs(
    served: str, close: bool
) -> None:
    graph = f"{EX}upgrade/long-{close}"
    body, _ = _document(graph, 10)
    head = _request("PUT", _target(graph), "application/n-triples", body)
    head = head.replace(f"Content-Length: {len(body)}".encode(), b"Content-Length: 40")
    if not close:
        head = head.replace(b"Connection: close\r\n", b"")
    _assert_refused(_exchange(served, head, body, split=False), "malformed-request")
    assert _triples(served, graph) == set()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_http2_put_post_and_update_store_what_they_sent(served: str, tmp_path: Path) -> None:
    graph = f"{EX}upgrade/curl"
    # 2000 short triples, about 150 KB: a body in many TCP segments, below the 1 MB above
    # which curl would send Expect: 100-continue and wait for the server's go-ahead
    body, expected = _document(graph, 2000)
    more, added = _document(graph + "-post", 7)
    update_data, updated = _document(graph + "-update", 7)
    files = {"put.nt": body, "post.nt": more}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "update.ru").write_text(
        f"INSERT DATA {{ GRAPH <{graph}> {{ {update_data.decode()} }} }}", "utf-8"
    )
    auth = ["-H", f"Authorization: Bearer {TOKEN}"]
    url = f"{served}/graphs?graph={quote(graph, safe='')}"
    for method, name, media, target in (
        ("PUT", "put.nt", "application/n-triples", url),
        ("POST", "post.nt", "application/n-triples", url),
        ("POST", "update.ru", "application/sparql-update", f"{served}/sparql"),
    ):
        command = ["curl", "--http2", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
        command += ["-X", method, *auth, "-H", f"Content-Type: {media}"]
        command += ["--data-binary", f"@{tmp_path / name}", target]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert done.stdout in ("201", "204"), (method, name, done.stdout, done.stderr)
    assert _triples(served, graph) == expected | added | updated
