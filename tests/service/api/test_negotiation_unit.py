"""Unit tests of content negotiation: ``parse_accept`` and ``choose_format``.

The endpoint tests only see negotiation through whole requests; these pin each rule on its
own (q-values, wildcards, specificity, ties, synonyms, ``format=``, 406) so that a change to
one rule shows which behaviour moved.
"""

from __future__ import annotations

import pytest

from service.api.negotiation import FormatRequest, choose_format, content_type, parse_accept
from service.errors import NotAcceptable
from service.formats import (
    JSONLD,
    NTRIPLES,
    RDFXML,
    RESULTS_CSV,
    RESULTS_JSON,
    RESULTS_TSV,
    RESULTS_XML,
    TURTLE,
    Format,
)
from service.store.base import QueryKind

SELECT, ASK, GRAPH = QueryKind.SELECT, QueryKind.ASK, QueryKind.GRAPH


def pick(accept: str | None, kind: QueryKind = SELECT, fmt: FormatRequest = None) -> Format:
    return choose_format(accept, fmt, kind)


# -- parse_accept -----------------------------------------------------------------------------


def test_accept_ranges_keep_their_order_q_and_lower_cased_types() -> None:
    ranges = parse_accept("Text/Turtle;q=0.5, application/JSON")
    assert [(r.type, r.subtype, r.q, r.order) for r in ranges] == [
        ("text", "turtle", 0.5, 0),
        ("application", "json", 1.0, 1),
    ]


def test_accept_q_values_are_clamped_and_a_malformed_q_excludes_the_range() -> None:
    ranges = parse_accept("text/csv;q=7, text/tab-separated-values;q=-1, text/turtle;q=high")
    assert [r.q for r in ranges] == [1.0, 0.0, 0.0]


def test_accept_tolerates_spaces_around_parameters_and_other_parameters() -> None:
    (only,) = parse_accept("text/turtle ; charset=utf-8 ; q = 0.3")
    assert (only.type, only.subtype, only.q) == ("text", "turtle", 0.3)


def test_accept_bare_star_means_any_type_and_nonsense_pieces_are_skipped() -> None:
    ranges = parse_accept("*, nonsense, , text/csv")
    assert [(r.type, r.subtype) for r in ranges] == [("*", "*"), ("text", "csv")]


def test_accept_specificity_counts_the_non_wildcard_parts() -> None:
    full, partial, anything = parse_accept("text/csv, text/*, */*")
    assert (full.specificity, partial.specificity, anything.specificity) == (2, 1, 0)


# -- defaults ------------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "", "   ", "*/*", "nonsense"])
def test_no_usable_accept_gives_each_kinds_default(accept: str | None) -> None:
    assert pick(accept, SELECT) is RESULTS_JSON
    assert pick(accept, ASK) is RESULTS_JSON
    assert pick(accept, GRAPH) is TURTLE


# -- q-values, wildcards, specificity ---------------------------------------------------------


def test_the_highest_q_value_wins_whatever_the_order() -> None:
    accept = "application/sparql-results+json;q=0.2, application/sparql-results+xml;q=0.9"
    assert pick(accept) is RESULTS_XML


def test_q_zero_refuses_a_type_even_when_a_wildcard_would_allow_it() -> None:
    assert pick("application/sparql-results+json;q=0, */*") is RESULTS_XML
    assert pick("text/turtle;q=0, */*;q=0.5", GRAPH) is NTRIPLES


def test_a_type_wildcard_picks_our_preferred_format_of_that_type() -> None:
    assert pick("text/*") is RESULTS_CSV
    assert pick("application/*", GRAPH) is NTRIPLES


def test_the_most_specific_range_sets_the_q_value_not_the_first() -> None:
    # */* gives everything q=1, but the explicit range lowers JSON to 0.1.
    assert pick("*/*, application/sparql-results+json;q=0.1") is RESULTS_XML
    # text/* at 0.2 is overridden for TSV by its own range at 0.8.
    assert pick("text/*;q=0.2, text/tab-separated-values;q=0.8") is RESULTS_TSV


def test_a_named_type_beats_a_wildcard_at_the_same_q() -> None:
    assert pick("*/*, text/csv") is RESULTS_CSV
    assert pick("*/*, application/rdf+xml", GRAPH) is RDFXML


# -- ties ------------------------------------------------------------------------------------------


def test_at_equal_q_the_type_named_first_wins() -> None:
    assert pick("text/csv, application/sparql-results+xml") is RESULTS_CSV
    assert pick("application/sparql-results+xml, text/csv") is RESULTS_XML


def test_at_equal_q_a_synonym_named_first_wins_too() -> None:
    """``application/json`` listed first means JSON, not a later CSV (a bug, now fixed)."""
    assert pick("application/json, text/csv") is RESULTS_JSON
    assert pick("application/xml, text/turtle", GRAPH) is RDFXML


def test_among_wildcard_matches_our_default_order_breaks_the_tie() -> None:
    assert pick("text/tab-separated-values;q=0.5, */*;q=0.5") is RESULTS_TSV
    assert pick("application/*") is RESULTS_JSON


# -- synonyms ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        ("application/json", SELECT, RESULTS_JSON),
        ("application/xml", ASK, RESULTS_XML),
        ("text/xml", SELECT, RESULTS_XML),
        ("application/json", GRAPH, JSONLD),
        ("application/xml", GRAPH, RDFXML),
        ("text/plain", GRAPH, NTRIPLES),
        ("application/x-turtle", GRAPH, TURTLE),
    ],
)
def test_common_generic_types_mean_the_formats_clients_expect(
    accept: str, kind: QueryKind, expected: Format
) -> None:
    assert pick(accept, kind) is expected


def test_a_formats_own_type_outranks_its_synonym_at_equal_specificity() -> None:
    """A low q on the synonym does not drag down the exact type listed later (fixed)."""
    accept = "application/json;q=0.1, application/sparql-results+json, text/csv;q=0.5"
    assert pick(accept) is RESULTS_JSON


# -- format= -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "kind", "expected"),
    [
        ("json", SELECT, RESULTS_JSON),
        ("TSV", SELECT, RESULTS_TSV),
        ("application/sparql-results+xml", ASK, RESULTS_XML),
        ("ttl", GRAPH, TURTLE),
        ("text/turtle; charset=utf-8", GRAPH, TURTLE),
        ("xml", GRAPH, RDFXML),
        ("json-ld", GRAPH, JSONLD),
    ],
)
def test_format_parameter_names_a_format_by_name_alias_or_media_type(
    param: str, kind: QueryKind, expected: Format
) -> None:
    assert pick(None, kind, param) is expected


def test_format_parameter_overrides_accept() -> None:
    assert pick("application/sparql-results+json", SELECT, "csv") is RESULTS_CSV


def test_an_empty_format_parameter_is_ignored() -> None:
    assert pick("text/csv", SELECT, "") is RESULTS_CSV


def test_a_format_that_does_not_suit_the_answer_is_406() -> None:
    with pytest.raises(NotAcceptable):
        pick(None, SELECT, "turtle")
    with pytest.raises(NotAcceptable):
        pick(None, GRAPH, "csv")


# -- 406 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("image/png", ASK),
        ("image/png", GRAPH),
        ("*/*;q=0", SELECT),
        ("text/*;q=0, application/*;q=0", GRAPH),
        ("text/turtle;q=0", SELECT),
    ],
)
def test_nothing_acceptable_is_406(accept: str, kind: QueryKind) -> None:
    with pytest.raises(NotAcceptable):
        pick(accept, kind)


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        ("text/turtle", SELECT, RESULTS_JSON),
        ("application/rdf+xml", ASK, RESULTS_JSON),
        ("application/sparql-results+json", GRAPH, TURTLE),
        ("text/csv", GRAPH, TURTLE),
        ("application/sparql-results+xml, text/tab-separated-values", GRAPH, TURTLE),
    ],
)
def test_a_client_naming_only_the_other_kinds_formats_gets_the_default(
    accept: str, kind: QueryKind, expected: Format
) -> None:
    """rdflib's SPARQLStore asks a CONSTRUCT for JSON results; Fuseki answers Turtle."""
    assert pick(accept, kind) is expected


@pytest.mark.parametrize(
    ("param", "kind", "expected"),
    [
        (("tsv", "text/tab-separated-values", "tsv"), SELECT, RESULTS_TSV),
        (("json-ld", "application/ld+json,application/x-json+ld"), GRAPH, JSONLD),
        (("rdf+xml", "application/rdf+xml"), GRAPH, RDFXML),
        (("n3",), GRAPH, TURTLE),
        (("json",), GRAPH, JSONLD),
        (("rdf",), GRAPH, RDFXML),
        (("nonsense", "csv"), SELECT, RESULTS_CSV),
    ],
)
def test_repeated_format_values_take_the_first_known(
    param: tuple[str, ...], kind: QueryKind, expected: Format
) -> None:
    """What SPARQLWrapper sends: each value twice, in format, output and results."""
    assert pick(None, kind, param) is expected


def test_format_values_naming_nothing_suitable_are_406() -> None:
    with pytest.raises(NotAcceptable):
        pick(None, SELECT, ("turtle", "n3"))


def test_text_content_types_declare_utf8() -> None:
    assert content_type(TURTLE) == "text/turtle; charset=utf-8"
    assert content_type(RESULTS_JSON) == "application/sparql-results+json"
