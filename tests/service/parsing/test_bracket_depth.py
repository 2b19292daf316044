"""The nesting scanners of the Turtle family and JSON: exact on what the engine parses, never
fooled by brackets inside strings, IRIs, comments or escapes, linear on hostile input."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from service.parsing.brackets import json_depth, turtle_depth
from service.parsing.rdfxml import check_declarations, element_depth
from service.settings import Settings
from tests.conftest import REPO

BIG = 10**9

TURTLE_CASES = [
    (b"<http://e/s> <http://e/p> <http://e/o> .", 0),
    (b"<http://e/s> <http://e/p> [ <http://e/q> ( 1 [ <http://e/r> 2 ] ) ] .", 3),
    (b'<http://e/s> <http://e/p> "[[[ ((( {{{" .', 0),
    (b"<http://e/s> <http://e/p> '[[[ \"(((' .", 0),
    (b'<http://e/s> <http://e/p> """[[[\n" "" ((( """ .', 0),
    (b"<http://e/s> <http://e/p> '''[[[\n' '' ((( ''' .", 0),
    (b'<http://e/s> <http://e/p> "\\"[[[" .', 0),
    (b"<http://e/s[(#)]> <http://e/p> <http://e/o> .", 0),
    (b"# [[[ ((( {{{\n<http://e/s> <http://e/p> <http://e/o> .", 0),
    (b"@prefix e: <http://e/> . e:a\\#b e:p [ e:q 1 ] .", 1),  # \# is no comment
    (b"@prefix e: <http://e/> . e:a\\(b e:p e:c .", 0),  # \( is no bracket
    (b'@prefix e: <http://e/> . e:a\\"b e:p ( 1 ) .', 1),  # \" opens no string
    (b"<http://e/s> <http://e/p> <<( <http://e/s> <http://e/p> <http://e/o> )>> .", 2),
    (b"<<<http://e/s> <http://e/p> <http://e/o>>> <http://e/p> 1 .", 1),
    (b"<http://e/g> { <http://e/s> <http://e/p> [ <http://e/q> 1 ] }", 2),
    (b'<http://e/s> <http://e/p> """x"""" [[[', 0),  # the fourth quote opens a string
    (b'<http://e/s> <http://e/p> "unterminated [[[', 0),  # the engine fails there
    (b"] ] ] [ [", 2),  # stray closers never lower the count below zero
]


@pytest.mark.parametrize(("body", "expected"), TURTLE_CASES)
def test_turtle_depth_counts_only_real_brackets(body: bytes, expected: int) -> None:
    assert turtle_depth(body, BIG).depth == expected


def test_turtle_depth_stops_at_the_limit_and_says_where() -> None:
    body = b"<http://e/s> <http://e/p> " + b"[ <http://e/p> " * 10 + b"1" + b" ]" * 10 + b" ."
    assert turtle_depth(body, 10).offset is None
    found = turtle_depth(body, 9)
    assert found.depth == 10
    assert found.offset == [i for i, byte in enumerate(body) if byte == ord("[")][9]


JSON_CASES = [
    (b'{"@id": "http://e/s", "http://e/p": 1}', 1),
    (b'[{"a": [{"b": {}}]}]', 5),
    (b'{"a": "[[[{{{"}', 1),
    (b'{"a": "\\"[[[{{{"}', 1),
    (b'{"a\\\\": ["]"]}', 2),
    (b'{"a": "unterminated [[[', 1),
]


@pytest.mark.parametrize(("body", "expected"), JSON_CASES)
def test_json_depth_counts_only_real_brackets(body: bytes, expected: int) -> None:
    assert json_depth(body, BIG).depth == expected


# -- generated documents: the scanner agrees with how they were built ----------------------

_DECOYS = st.sampled_from(
    [
        "<http://e/a((#)(>",
        '"[({<<#"',
        "'[(\"'",
        '"""[\n"(#"" ]"""',
        "'''(\n'[''{'''",
        '"\\"[("',
        "e:x\\(\\#",
        '"x"@en',
        '"1"^^<http://e/t((>',
    ]
)


def _turtle_object() -> st.SearchStrategy[tuple[str, int]]:
    def nest(children: st.SearchStrategy[tuple[str, int]]) -> st.SearchStrategy[tuple[str, int]]:
        blank = st.lists(children, min_size=1, max_size=3).map(
            lambda items: (
                "[ " + " ; ".join(f"e:p {text}" for text, _ in items) + " ]",
                1 + max(depth for _, depth in items),
            )
        )
        collection = st.lists(children, max_size=3).map(
            lambda items: (
                "( " + " ".join(text for text, _ in items) + " )",
                1 + max((depth for _, depth in items), default=0),
            )
        )
        return blank | collection

    return st.recursive(_DECOYS.map(lambda text: (text, 0)), nest, max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(objects=st.lists(_turtle_object(), min_size=1, max_size=3), comment=st.booleans())
def test_generated_turtle_depth_is_exact(objects: list[tuple[str, int]], comment: bool) -> None:
    lines = ["@prefix e: <http://e/> ."]
    for text, _ in objects:
        lines.append(("# [[[ (( { \n" if comment else "") + f"e:s e:p {text} .")
    body = "\n".join(lines).encode()
    list(ox.parse(body, format=ox.RdfFormat.TURTLE))  # the engine takes it
    assert turtle_depth(body, BIG).depth == max(depth for _, depth in objects)


_JSON = st.recursive(
    st.text(alphabet='[]{}"\\ab\u00e9') | st.integers() | st.none(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\ab', max_size=4), children, max_size=3)
    ),
    max_leaves=20,
)


def _json_nesting(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_json_nesting, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_json_nesting, value.values()), default=0)
    return 0


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=_JSON, ascii_only=st.booleans())
def test_generated_json_depth_is_exact(value: Any, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth(body, BIG).depth == _json_nesting(value)


# -- real documents pass; hostile ones cost linear time -------------------------------------


def _known_turtle() -> list[Path]:
    """The project's own files and the W3C SHACL vocabularies that pyshacl ships."""
    import pyshacl

    assets = Path(pyshacl.__file__).parent / "assets"
    folders = [REPO / "data", REPO / "ontology", REPO / "shapes"]
    return [p for folder in folders for p in folder.rglob("*.ttl")] + sorted(assets.glob("*.ttl"))


def test_real_and_w3c_documents_are_well_within_the_default_limit() -> None:
    """As Turtle, as JSON-LD, and as RDF/XML nested as deep as rdflib's pretty printer does."""
    limit = Settings().max_nesting
    files = _known_turtle()
    assert len(files) > 20
    for path in files:
        body = path.read_bytes()
        assert turtle_depth(body, limit).depth <= limit // 4, path
        quads = list(ox.parse(body, format=ox.RdfFormat.TURTLE, base_iri="http://e/"))
        as_json = ox.serialize(quads, format=ox.RdfFormat.JSON_LD)
        assert as_json is not None
        assert json_depth(as_json, limit).depth <= limit // 4, path
        if len(body) > 200_000:  # schema.org: rdflib's pretty printer takes seconds on it
            continue
        with warnings.catch_warnings():  # rdflib: "assertions on rdf:List nodes are ignored"
            warnings.simplefilter("ignore", UserWarning)
            as_xml = Graph().parse(data=body, format="turtle").serialize(format="pretty-xml")
        check_declarations(as_xml.encode())
        assert element_depth(as_xml.encode(), limit).depth <= limit // 4, path


HOSTILE = [
    b'"\\' * 500_000,  # one string that never ends
    b'"""\\"""' * 200_000,  # long strings that never end
    b"<a" * 500_000,  # IRIs that never end
    b"'" * 1_000_000,
    b"]" * 1_000_000,
    b"#\n" * 500_000,
    b"\\" * 1_000_000,
]


@pytest.mark.parametrize("body", HOSTILE, ids=lambda b: repr(b[:8]))
def test_hostile_turtle_is_scanned_in_linear_time(body: bytes) -> None:
    started = time.process_time()
    turtle_depth(body, 64)
    assert time.process_time() - started < 3


def test_hostile_json_is_scanned_in_linear_time() -> None:
    started = time.process_time()
    json_depth(b'"\\' * 500_000, 64)
    json_depth(b"]}" * 500_000, 64)
    assert time.process_time() - started < 3
