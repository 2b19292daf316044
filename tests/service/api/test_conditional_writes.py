"""ETags on graphs and RFC 9110 preconditions on Graph Store writes (``api.conditional``)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.conditional import check_preconditions, graph_etag
from service.errors import PreconditionFailed
from service.store.oxigraph import OxigraphStore
from tests.conftest import settings_for

TOKEN = "etag-token"
GRAPH = "http://example.org/edited"
NT = {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"}


def _doc(value: str) -> bytes:
    return f'<http://example.org/s> <http://example.org/p> "{value}" .'.encode()


@pytest.fixture
def client(mini_project: Path) -> TestClient:
    settings = settings_for(mini_project, write_token=TOKEN, infer_on_write=False)
    with TestClient(create_app(settings, store=OxigraphStore.in_memory())) as client:
        yield client


def _etag(client: TestClient, accept: str = "text/turtle") -> str:
    response = client.get("/graphs", params={"graph": GRAPH}, headers={"Accept": accept})
    assert response.status_code == 200
    return response.headers["etag"]


def _put(client: TestClient, value: str, **headers: str) -> int:
    response = client.put(
        "/graphs", params={"graph": GRAPH}, content=_doc(value), headers={**NT, **headers}
    )
    return response.status_code


def _value(client: TestClient) -> str:
    response = client.get(
        "/graphs", params={"graph": GRAPH}, headers={"Accept": "application/n-triples"}
    )
    return response.text.split('"')[1]


def test_the_second_editor_with_a_stale_etag_gets_412_and_changes_nothing(
    client: TestClient,
) -> None:
    assert _put(client, "première version") == 201
    first_editor = second_editor = _etag(client)
    assert _put(client, "version d'Alice", **{"If-Match": first_editor}) == 204
    assert _put(client, "version de Bruno", **{"If-Match": second_editor}) == 412
    assert _value(client) == "version d'Alice"
    fresh = _etag(client)
    assert fresh != first_editor
    assert _put(client, "version de Bruno", **{"If-Match": fresh}) == 204
    assert _value(client) == "version de Bruno"


def test_a_412_is_a_problem(client: TestClient) -> None:
    assert _put(client, "v1") == 201
    response = client.put(
        "/graphs",
        params={"graph": GRAPH},
        content=_doc("v2"),
        headers={**NT, "If-Match": '"nope"'},
    )
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://w3id.org/esskg/problems/precondition-failed"


def test_the_etag_follows_the_content_not_the_format_or_other_graphs(client: TestClient) -> None:
    assert _put(client, "v1") == 201
    turtle, ntriples = _etag(client), _etag(client, "application/n-triples")
    assert turtle != ntriples  # two representations, two strong tags
    assert _put(client, "v1", **{"If-Match": ntriples}) == 204  # any representation's tag
    other = client.put(
        "/graphs", params={"graph": "http://example.org/other"}, content=_doc("x"), headers=NT
    )
    assert other.status_code == 201
    assert _etag(client) == turtle  # a write elsewhere does not make this editor stale
    head = client.head("/graphs", params={"graph": GRAPH}, headers={"Accept": "text/turtle"})
    assert head.headers["etag"] == turtle
    cached = client.get(
        "/graphs",
        params={"graph": GRAPH},
        headers={"If-None-Match": turtle, "Accept": "text/turtle"},
    )
    assert cached.status_code == 304


def test_if_none_match_star_creates_only(client: TestClient) -> None:
    assert _put(client, "v1", **{"If-None-Match": "*"}) == 201
    assert _put(client, "v2", **{"If-None-Match": "*"}) == 412
    assert _value(client) == "v1"


def test_post_and_delete_honour_if_match(client: TestClient) -> None:
    assert _put(client, "v1") == 201
    stale = _etag(client)
    posted = client.post(
        "/graphs", params={"graph": GRAPH}, content=_doc("v2"), headers={**NT, "If-Match": stale}
    )
    assert posted.status_code == 204
    again = client.post(
        "/graphs", params={"graph": GRAPH}, content=_doc("v3"), headers={**NT, "If-Match": stale}
    )
    assert again.status_code == 412
    refused = client.delete("/graphs", params={"graph": GRAPH}, headers={**NT, "If-Match": stale})
    assert refused.status_code == 412
    deleted = client.delete(
        "/graphs", params={"graph": GRAPH}, headers={**NT, "If-Match": _etag(client)}
    )
    assert deleted.status_code == 204
    assert client.get("/graphs", params={"graph": GRAPH}).status_code == 404
    assert _put(client, "v4", **{"If-Match": "*"}) == 412  # no current graph to match


def test_put_and_post_answer_the_new_etag_an_editor_can_write_with(client: TestClient) -> None:
    created = client.put("/graphs", params={"graph": GRAPH}, content=_doc("v1"), headers=NT)
    assert created.status_code == 201
    assert created.headers["etag"] == _etag(client, "application/n-triples")
    turtle = b'<http://example.org/s> <http://example.org/p> "v2" .'
    replaced = client.put(
        "/graphs",
        params={"graph": GRAPH},
        content=turtle,
        headers={**NT, "Content-Type": "text/turtle", "If-Match": created.headers["etag"]},
    )
    assert replaced.status_code == 204
    assert replaced.headers["etag"] == _etag(client, "text/turtle")  # the format sent
    stale = created.headers["etag"]
    posted = client.post(
        "/graphs",
        params={"graph": GRAPH},
        content=_doc("v3"),
        headers={**NT, "If-Match": replaced.headers["etag"]},
    )
    assert posted.status_code == 204
    assert posted.headers["etag"] == _etag(client, "application/n-triples")
    assert _put(client, "de Bruno", **{"If-Match": stale}) == 412
    again = client.post("/graphs", params={"graph": GRAPH}, content=_doc("v3"), headers=NT)
    assert again.status_code == 204  # nothing new: the tag of the graph as it is
    assert again.headers["etag"] == posted.headers["etag"]
    new = client.post("/graphs", content=_doc("nouveau"), headers=NT)
    assert new.status_code == 201
    located = client.get(
        "/graphs",
        params={"graph": new.headers["location"]},
        headers={"Accept": "application/n-triples"},
    )
    assert new.headers["etag"] == located.headers["etag"]


def test_two_editors_at_once_cannot_both_win(client: TestClient) -> None:
    """Both send the same tag at the same moment: the check is under the write lock."""
    assert _put(client, "v0") == 201
    tag = _etag(client)
    statuses: list[int] = []
    editors = [
        threading.Thread(target=lambda v=v: statuses.append(_put(client, v, **{"If-Match": tag})))
        for v in ("Alice", "Bruno", "Chloé")
    ]
    for editor in editors:
        editor.start()
    for editor in editors:
        editor.join(timeout=60)
    assert sorted(statuses) == [204, 412, 412]


@pytest.mark.parametrize(
    ("if_match", "if_none_match", "digest", "exists", "allowed"),
    [
        (None, None, "abc", True, True),
        ('"abc-turtle"', None, "abc", True, True),
        ('"zzz-turtle", "abc-jsonld"', None, "abc", True, True),
        ('W/"abc-turtle"', None, "abc", True, False),  # If-Match compares strongly
        ('"abc-turtle"', None, "abd", True, False),
        ('"abc-turtle"', None, None, False, False),
        ("*", None, "abc", True, True),
        ("*", None, None, False, False),
        (None, "*", None, False, True),
        (None, "*", "abc", True, False),
        (None, 'W/"abc-turtle"', "abc", True, False),  # If-None-Match compares weakly
        (None, '"abd-turtle"', "abc", True, True),
        ('"abc-turtle"', '"abc-turtle"', "abc", True, False),
        ("garbage", None, "abc", True, False),
    ],
)
def test_preconditions_follow_rfc_9110(
    if_match: str | None, if_none_match: str | None, digest: str | None, exists: bool, allowed: bool
) -> None:
    if allowed:
        check_preconditions(if_match, if_none_match, digest, exists=exists)
    else:
        with pytest.raises(PreconditionFailed):
            check_preconditions(if_match, if_none_match, digest, exists=exists)


def test_graph_etags_are_quoted_and_name_their_format() -> None:
    assert graph_etag("0" * 64, "turtle") == f'"{"0" * 32}-turtle"'
    assert graph_etag(None, "turtle") == '"empty-turtle"'
