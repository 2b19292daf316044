"""No client value can make the service answer 500: a table of hostile values sent to every
route parameter that becomes an RDF term, an IRI or a choice.

Each value is spelled as it travels (percent-encoded bytes, raw brackets), so that what the
app receives is exactly what a client can send: every ASCII control character, DEL,
U+FFFD, Unicode spaces and format characters, lone surrogates and bytes that are not
UTF-8, bad escapes, broken IPv6 literals, very long values. Every answer must be below 500,
and every refusal ``application/problem+json``; a value that is not an IRI is refused as
such (400, or 422 for a canned query's typed parameter) wherever an IRI is expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from service.api.app import create_app
from service.queries.catalogue import Catalogue
from service.queries.params import ParamType
from service.store.base import Store
from service.store.oxigraph import OxigraphStore
from tests.conftest import REPO, settings_for

TOKEN = "hostile-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
TRIPLE = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> ."
IRI = "http%3A%2F%2Fexample.org%2Fa"  # a valid IRI, percent-encoded as a parameter value

#: Characters and byte sequences, percent-encoded as they travel in a URL.
FRAGMENTS = [
    *(f"%{code:02X}" for code in range(0x20)),  # every ASCII control character
    "%7F",  # DEL
    "%C2%80",  # U+0080, a C1 control
    "%20",  # space
    "%EF%BF%BD",  # U+FFFD, what undecodable bytes become
    "%C2%A0",  # U+00A0 no-break space
    "%E2%80%A8",  # U+2028 line separator
    "%E3%80%80",  # U+3000 ideographic space
    "%E2%80%8B",  # U+200B zero-width space
    "%E2%80%AE",  # U+202E right-to-left override
    "%EF%BB%BF",  # U+FEFF byte-order mark
    "%ED%A0%80",  # a lone high surrogate, UTF-8-style
    "%ED%BF%BF",  # a lone low surrogate
    "%FF",  # not UTF-8 at all
    "%C3",  # a truncated sequence
    "%25zz",  # an escape that is no escape, once decoded
    "%25",  # a lone percent sign, once decoded
    *(f"%{ord(c):02X}" for c in '<>"{}|\\^`'),  # excluded from IRIs by RFC 3987
]

#: Values that are no IRI; each must be refused where an IRI is expected. A fragment ends the
#: value (where ``$`` in a pattern lets a final newline by) or sits inside it.
NOT_IRIS = [
    *(IRI + fragment for fragment in FRAGMENTS),
    *(IRI + fragment + "b" for fragment in ("%0A", "%20", "%7F", "%C2%A0", "%25zz")),
    "%25zz",
    "relative",
    "",
    "http://[::1/",
    "http://[::1",
    "http://[x]/",
    "http://]/",
    "http://[::1]]/",
    "http://[::1]:x/",
    "http%3A%2F%2F%5B%3A%3A1%2F",  # http://[::1/ percent-encoded
]

#: Values that may well be valid somewhere, but not everywhere.
ODD = [
    "http%3A%2F%2Fexample.org%2F" + "a" * 5000,
    "a" * 20_000,
    "%00",
    "%0A",
    "2020%0A",
    "%2B1",
    "-0",
    "9" * 40,
    "1e999",
    "true%0A",
    "fr%0A",
    "2020-01-01%0A",
    "20200101",
    "2020-W01-1",
]


#: Host headers, as sent: Starlette falls back to the server's address for what is no host,
#: but takes percent signs, which can make the request's own URL (the base IRI) no IRI.
HOSTS = ["%zz", "a%", "%", "[::1", "[v1.x]", "x:99999999999", "a b", "a\x7fb", "é", "x\x00"]


@dataclass(frozen=True)
class Target:
    """One place a client value lands: a method, a URL template (``{v}``) and a body."""

    method: str
    url: str
    iri: bool  # does the parameter name a resource?
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def send(self, client: TestClient, value: str) -> Response:
        url = self.url.replace("{v}", value)
        body = self.body.replace(b"{v}", value.encode())
        headers = [(k, v.replace("{v}", value).encode("latin-1")) for k, v in self.headers]
        return client.request(self.method, url, content=body or None, headers=headers)


def canned_targets(catalogue: Catalogue) -> list[Target]:
    """Every declared parameter of every canned query; the reserved ones (one router code
    path for all queries) on one paginated query."""
    targets = [
        Target("GET", f"/queries/{query.id}?{spec.name}={{v}}", spec.type is ParamType.IRI)
        for query in catalogue
        for spec in query.header.params
    ]
    paged = next(query for query in catalogue if query.paginated)
    targets += [
        Target("GET", f"/queries/{paged.id}?{name}={{v}}", iri=False)
        for name in ("format", "page", "per_page")
    ]
    return targets


READ_TARGETS = [
    Target("GET", "/graphs?graph={v}", iri=True),
    Target("HEAD", "/graphs?graph={v}", iri=True),
    Target("GET", "/graphs/x{v}", iri=False),
    Target("GET", "/id/x/{v}", iri=False),
    Target("GET", "/data/x/{v}", iri=False),
    Target("GET", "/data/x/{v}.ttl", iri=False),
    Target("GET", "/page/x/{v}", iri=False),
    Target("GET", "/sparql?query=ASK%7B%7D&default-graph-uri={v}", iri=True),
    Target("GET", "/sparql?query=ASK%7B%7D&named-graph-uri={v}", iri=True),
    Target(
        "POST",
        "/sparql",
        iri=True,
        body=b"query=ASK%7B%7D&named-graph-uri={v}",
        headers=(*FORM.items(),),
    ),
    Target("GET", "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20{v}%7D", iri=False),
    Target("GET", "/sparql?format={v}", iri=False),
    Target("GET", "/.well-known/void?format={v}", iri=False),
    Target("GET", "/dump?format={v}", iri=False),
    Target("GET", "/queries?format={v}", iri=False),
]

HOST_TARGETS = [
    Target("GET", url, iri=False, headers=(("host", "{v}"),))
    for url in (
        "/sparql",
        "/sparql?query=SELECT%20*%20%7BBIND(%3Crelative%3E%20AS%20%3Fx)%7D",
        "/queries",
        "/queries/spaser/list-spasers-by-authority-type?per_page=1",
        "/.well-known/void",
        "/graphs/x",
        "/id/collectivite/cu-dunkerque",
    )
]

WRITE_TARGETS = [
    Target("PUT", "/graphs?graph={v}", True, TRIPLE, (("content-type", "text/turtle"),)),
    Target("POST", "/graphs?graph={v}", True, TRIPLE, (("content-type", "text/turtle"),)),
    Target("DELETE", "/graphs?graph={v}", iri=True),
    Target("PUT", "/graphs/x{v}", False, TRIPLE, (("content-type", "text/turtle"),)),
    Target("POST", "/validate?graph={v}", True, TRIPLE, (("content-type", "text/turtle"),)),
    Target(
        "POST",
        "/sparql?using-graph-uri={v}",
        True,
        b"DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        (("content-type", "application/sparql-update"),),
    ),
    Target(
        "POST",
        "/sparql",
        True,
        b"update=CLEAR%20SILENT%20DEFAULT&using-named-graph-uri={v}",
        tuple(FORM.items()),
    ),
]

TURTLE_HOST = (("content-type", "text/turtle"), ("host", "{v}"))
WRITE_HOST_TARGETS = [
    Target("PUT", "/graphs/x", False, TRIPLE, TURTLE_HOST),
    Target("PUT", "/graphs?default", False, TRIPLE, TURTLE_HOST),
    Target("POST", "/graphs", False, TRIPLE, TURTLE_HOST),
    Target("POST", "/validate", False, TRIPLE, TURTLE_HOST),
    Target(
        "POST",
        "/sparql",
        False,
        b"INSERT DATA { <http://example.org/s> <http://example.org/p> <relative> }",
        (("content-type", "application/sparql-update"), ("host", "{v}")),
    ),
]


@pytest.fixture(scope="module")
def reader(shipped_store: Store) -> Iterator[TestClient]:
    """The app as deployed (query engine process, answer cache) over the shipped graph."""
    app = create_app(settings_for(REPO), store=shipped_store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app that takes writes, over a store of its own."""
    root: Path = tmp_path_factory.mktemp("hostile")
    settings = settings_for(root, write_token=TOKEN, infer_on_write=False, query_workers=0)
    with TestClient(
        create_app(settings, OxigraphStore.in_memory()), raise_server_exceptions=False
    ) as client:
        client.headers.update(AUTH)
        yield client


def check(target: Target, value: str, response: Response) -> str | None:
    """What is wrong with the answer, if anything."""
    status = response.status_code
    where = f"{target.method} {target.url} with {value[:60]!r}: {status}"
    if status >= 500:
        return f"{where} {response.text[:200]}"
    media = response.headers.get("content-type", "")
    if status >= 400 and media != "application/problem+json":
        return f"{where} as {media!r}"
    if target.iri and value in NOT_IRIS and status not in (400, 422):
        return f"{where}: a value that is no IRI must be refused"
    return None


def sweep(client: TestClient, targets: list[Target], values: list[str]) -> list[str]:
    problems = []
    for target in targets:
        for value in values:
            problem = check(target, value, target.send(client, value))
            if problem is not None:
                problems.append(problem)
    return problems


def test_no_read_parameter_answers_500_or_plain_text(
    reader: TestClient, shipped_store: Store
) -> None:
    before = shipped_store.count()
    catalogue = Catalogue.load(REPO / "queries")
    problems = sweep(reader, [*READ_TARGETS, *canned_targets(catalogue)], [*NOT_IRIS, *ODD])
    problems += sweep(reader, HOST_TARGETS, HOSTS)
    assert not problems, "\n".join(problems[:40])
    assert shipped_store.count() == before


def test_no_write_parameter_answers_500_or_plain_text(writer: TestClient) -> None:
    problems = sweep(writer, WRITE_TARGETS, [*NOT_IRIS, *ODD])
    problems += sweep(writer, WRITE_HOST_TARGETS, HOSTS)
    assert not problems, "\n".join(problems[:40])


EXISTING = "collectivite/cu-dunkerque"


@pytest.mark.parametrize("control", ["%0A", "%0D", "%00", "%09", "%7F", "%C2%85"])
@pytest.mark.parametrize(
    "path",
    [
        f"/id/{EXISTING}{{c}}",
        f"/data/{EXISTING}{{c}}",
        f"/data/{EXISTING}.ttl{{c}}",
        f"/page/{EXISTING}{{c}}",
        "/id/collectivite{c}/cu-dunkerque",
        "/health{c}",
        "/sparql{c}?query=ASK%7B%7D",
    ],
)
def test_a_control_character_in_the_path_is_refused_whatever_the_route(
    reader: TestClient, path: str, control: str
) -> None:
    """Bug fixed: ``$`` in a route's pattern matches before a final newline, so
    ``/data/<existing>%0A`` answered 200 and ``/id/<existing>%0A`` 303."""
    exists = reader.get(f"/id/{EXISTING}", follow_redirects=False)
    assert exists.status_code == 303  # the resource exists
    response = reader.get(path.format(c=control), headers={"accept": "text/turtle"})
    assert response.status_code == 400, (path, control, response.status_code)
    assert response.headers["content-type"] == "application/problem+json"
    assert "caractère de contrôle" in response.json()["detail"]
    english = reader.get(path.format(c=control), headers={"accept-language": "en"})
    assert "control character" in english.json()["detail"]
