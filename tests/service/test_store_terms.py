"""``checked_iri``: the one check of a client's IRI agrees with the engine, and is stricter
only on purpose (controls, spaces and format characters)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from service.errors import InvalidIri
from service.store.oxigraph import OxigraphStore
from service.store.terms import checked_iri

STORE = OxigraphStore.in_memory()


@pytest.mark.parametrize(
    "iri",
    [
        "https://w3id.org/esskg/id/spaser/cud-dunkerque",
        "http://example.org/caf%C3%A9",
        "http://example.org/café",
        "http://[::1]:8000/graphs/x",
        "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        "a:b",
    ],
)
def test_iris_the_engine_takes_pass_unchanged(iri: str) -> None:
    assert checked_iri(iri, "graph") == iri


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http://example.org/a\n", "U+000A"),
        ("http://example.org/a\x7f", "U+007F"),
        ("http://example.org/a\u00a0", "NO-BREAK SPACE"),
        ("http://example.org/a\u2028", "LINE SEPARATOR"),
        ("http://example.org/a\u202e", "RIGHT-TO-LEFT OVERRIDE"),
        ("http://example.org/a\ud800", "a lone surrogate"),
        ("http://example.org/a\ufffd", "code point"),
        ("http://example.org/%zz", "percent"),
        ("http://[::1/", "host"),
        ("http://example.org/a b", "U+0020"),
        ("http://example.org/<a>", "code point"),
        ("relative/path", "scheme"),
        ("", "scheme"),
    ],
)
def test_what_is_no_iri_is_refused_naming_the_parameter(value: str, reason: str) -> None:
    with pytest.raises(InvalidIri) as refused:
        checked_iri(value, "named-graph-uri")
    assert refused.value.parameter == "named-graph-uri"
    assert reason in refused.value.reason
    assert refused.value.reason.isprintable()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_whatever_passes_the_check_binds_in_a_query(tail: str) -> None:
    """No value the check accepts can fail later, in the engine, as a 500."""
    value = "http://example.org/" + tail
    try:
        checked_iri(value, "graph")
    except InvalidIri:
        return
    rows = STORE.select("SELECT ?x WHERE {}", bindings={"x": URIRef(value)})
    assert rows == [{"x": URIRef(value)}]
