"""Unit tests of the SERVICE / FROM / LOAD scanner in ``service.sparql.safety``.

The scanner is a security boundary: whatever it misses, the engine would fetch. These tests
pin what it refuses and allows (with the allow-list by host), and the lexing cases where a
keyword hides in a string, a comment or an IRI, or where the engine and a naive lexer would
read the text differently (a comment ended by a bare CR; prefixes and bases written with
``\\u`` escapes the scanner cannot resolve).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.errors import BadRequest, QueryRefused
from service.sparql.safety import check_nesting, check_query, check_update, scan, with_using
from service.store.base import QueryKind

EVIL = "http://evil.example/sparql"


def refused_query(text: str, allowed: tuple[str, ...] = (), local: tuple[str, ...] = ()) -> bool:
    try:
        check_query(scan(text), allowed, local)
    except QueryRefused:
        return True
    return False


def refused_update(text: str, allowed: tuple[str, ...] = ()) -> bool:
    try:
        check_update(scan(text), allowed)
    except QueryRefused:
        return True
    return False


# -- what is recorded ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", QueryKind.SELECT),
        ("prefix e: <http://e/> ask {}", QueryKind.ASK),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryKind.GRAPH),
        ("DESCRIBE <http://e/x>", QueryKind.GRAPH),
        ("ASK { { SELECT * {} } }", QueryKind.ASK),
        ("INSERT DATA { <s> <p> <o> }", None),
    ],
)
def test_the_query_form_is_the_first_top_level_form_keyword(
    text: str, form: QueryKind | None
) -> None:
    assert scan(text).form is form


def test_service_targets_are_resolved_through_prefixes_and_base() -> None:
    found = scan(
        "BASE <http://b.example/dir/> PREFIX e: <http://p.example/> "
        "SELECT * { SERVICE <x> {} SERVICE SILENT e:y {} SERVICE ?s {} }"
    )
    assert found.services == ["http://b.example/dir/x", "http://p.example/y", None]


def test_from_and_from_named_graphs_are_recorded() -> None:
    found = scan("SELECT * FROM <http://g/1> FROM NAMED <http://g/2> {}")
    assert found.from_graphs == ["http://g/1", "http://g/2"]


def test_load_sources_are_recorded_with_or_without_silent() -> None:
    found = scan("LOAD <http://a/x> ; LOAD SILENT <http://b/y> INTO GRAPH <http://g>")
    assert found.loads == ["http://a/x", "http://b/y"]


# -- refused and allowed ---------------------------------------------------------------------


def test_service_is_refused_by_default() -> None:
    assert refused_query(f"SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}")


def test_service_to_an_allow_listed_host_is_allowed() -> None:
    assert not refused_query(
        f"SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", allowed=("evil.example",)
    )


def test_the_allow_list_matches_whole_host_names_not_substrings() -> None:
    for target in (
        "http://evil.example.attacker.test/",
        "http://attacker.test/evil.example",
        "http://evil.example@attacker.test/",
        "http://notevil.example/",
    ):
        text = f"SELECT * {{ SERVICE <{target}> {{}} }}"
        assert refused_query(text, allowed=("evil.example",)), target


def test_the_allow_list_is_case_insensitive_and_may_pin_a_port() -> None:
    assert not refused_query("ASK { SERVICE <http://EVIL.example/> {} }", ("evil.example",))
    assert not refused_query(
        "ASK { SERVICE <http://127.0.0.1:8890/sparql> {} }", ("127.0.0.1:8890",)
    )
    assert refused_query("ASK { SERVICE <http://127.0.0.1:9999/sparql> {} }", ("127.0.0.1:8890",))


def test_service_with_a_variable_or_an_unknown_prefix_is_refused_even_when_hosts_are_allowed() -> (
    None
):
    assert refused_query("SELECT * { SERVICE ?endpoint {} }", ("evil.example",))
    assert refused_query("SELECT * { SERVICE nope:x {} }", ("evil.example",))


def test_service_to_a_relative_or_hostless_iri_is_refused() -> None:
    assert refused_query("ASK { SERVICE <sparql> {} }", ("evil.example",))
    assert refused_query("ASK { SERVICE <file:///etc/passwd> {} }", ("evil.example",))


def test_service_nested_anywhere_is_found() -> None:
    assert refused_query(
        f"ASK {{ GRAPH ?g {{ OPTIONAL {{ {{ SELECT * {{ SERVICE <{EVIL}> {{}} }} }} }} }} }}"
    )


def test_from_a_local_graph_is_allowed_and_a_remote_one_refused() -> None:
    text = "SELECT * FROM <http://local/g> {}"
    assert not refused_query(text, local=("http://local/g",))
    assert refused_query(text)
    assert refused_query("SELECT * FROM NAMED <http://remote/g> {}", local=("http://local/g",))
    assert not refused_query("SELECT * FROM <http://remote/g> {}", allowed=("remote",))


def test_load_is_refused_unless_its_host_is_allowed() -> None:
    assert refused_update(f"LOAD <{EVIL}>")
    assert refused_update(f"LOAD SILENT <{EVIL}> INTO GRAPH <http://g>")
    assert not refused_update(f"LOAD <{EVIL}>", ("evil.example",))


def test_service_inside_an_update_pattern_is_refused() -> None:
    assert refused_update(f"INSERT {{ <s> <p> ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?x ?y ?o }} }}")


def test_plain_queries_and_updates_pass() -> None:
    assert not refused_query("SELECT ?s WHERE { ?s a <http://e/C> } LIMIT 10")
    assert not refused_update("INSERT DATA { <http://e/s> <http://e/p> 1 }")


# -- tricky lexing: keywords that are not keywords --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://evil.example/> {}" }',
        "SELECT * { ?s ?p 'FROM <http://evil.example/>' }",
        'SELECT * { ?s ?p """multi\nline SERVICE <http://evil.example/> {}\n""" }',
        "SELECT * { ?s ?p '''it''s SERVICE <http://evil.example/> {}''' }",
        'SELECT * { ?s ?p "escaped \\" SERVICE <http://evil.example/> {}" }',
        "SELECT * { ?s ?p ?o } # SERVICE <http://evil.example/> {}",
        "SELECT * { ?s <http://e/SERVICE> <http://e/#LOAD> }",
        "PREFIX service: <http://e/> SELECT * { ?s service:from ?o }",
        "SELECT ?service ?from ?load { ?service ?from ?load }",
        "SELECT * { ?s ?p ?o FILTER(?o = <http://e/x#FROM>) }",
    ],
)
def test_keywords_inside_strings_comments_iris_and_names_are_not_keywords(text: str) -> None:
    found = scan(text)
    assert (found.services, found.from_graphs, found.loads) == ([], [], [])
    assert not refused_query(text)


def test_a_comment_ends_at_a_bare_carriage_return_as_in_the_engine() -> None:
    """Bug fixed: the scanner read ``# x\\rSERVICE …`` as one comment; the engine does not."""
    text = f"SELECT * {{ # note\rSERVICE <{EVIL}> {{ ?s ?p ?o }} }}"
    ox.Store().query("ASK { # note\rFILTER(true) }")  # the engine ends comments at CR
    assert scan(text).services == [EVIL]
    assert refused_query(text)


def test_a_short_string_cannot_span_a_carriage_return() -> None:
    found = scan(f'SELECT * {{ BIND("a\rb" AS ?x) SERVICE <{EVIL}> {{}} }}')
    assert found.services == [EVIL]


def test_a_prefix_redefined_with_escapes_is_not_resolved_to_its_old_value() -> None:
    """Bug fixed: ``PREFIX e: <…\\u002F>`` left ``e:`` at its earlier, allow-listed value."""
    text = (
        "PREFIX e: <http://ok.example/> PREFIX e: <http://evil.example\\u002F> "
        "SELECT * { SERVICE e:x {} }"
    )
    assert scan(text).services == [None]
    assert refused_query(text, allowed=("ok.example",))


def test_a_base_with_escapes_makes_relative_service_iris_unresolvable() -> None:
    """Bug fixed: a second, escaped BASE was ignored and ``<x>`` resolved on the first."""
    text = "BASE <http://ok.example/> BASE <http://evil.example\\u002F> SELECT * { SERVICE <x> {} }"
    assert refused_query(text, allowed=("ok.example",))


def test_an_iri_written_with_escapes_is_refused_as_unknown() -> None:
    text = "SELECT * { SERVICE <http://ok.example\\u002F> {} }"
    assert scan(text).services == [None]
    assert refused_query(text, allowed=("ok.example",))


def test_keywords_are_case_insensitive() -> None:
    assert refused_query(f"select * {{ service <{EVIL}> {{}} }}")
    assert refused_update(f"load <{EVIL}>")


#: Characters Python's ``\\s`` (and so a careless lexer) takes for white space, which the
#: engine's grammar does not: inside an IRI they are part of it.
NOT_SPARQL_SPACE = ["\u00a0", "\u2028", "\u3000", "\u0085", "\u000b", "\u000c", "\u1680", "\ufeff"]


@pytest.mark.parametrize("char", NOT_SPARQL_SPACE)
def test_unicode_space_inside_an_iri_does_not_end_it_as_in_the_engine(char: str) -> None:
    """Bug fixed: ``<http://x/\u00a0#>`` ended at the space, and ``#`` hid the SERVICE."""
    text = f"SELECT * {{ OPTIONAL {{ <http://x/{char}#> ?p ?o }} SERVICE <{EVIL}> {{ ?s ?p ?o }} }}"
    try:
        ox.Store().query(text)  # parsing is eager; SERVICE would only run on iteration
    except SyntaxError:
        assert char in "\u000b\u000c\u0085"  # control characters: no IRI may hold them
        return
    assert scan(text).services == [EVIL]
    assert refused_query(text)


def test_a_less_than_after_a_term_in_an_expression_is_an_operator_not_an_iri() -> None:
    """Bug fixed: ``FILTER(1<2)#> } LIMIT 1`` read ``<2)#>`` as an IRI; the engine reads
    ``<`` and a comment, so whatever followed on the line was not what the scanner saw."""
    text = f"SELECT * {{ FILTER(1<2)#> }} LIMIT 1\nSERVICE <{EVIL}> {{}} }}"
    assert scan(text).services == [EVIL]
    assert scan("SELECT * { ?s <http://e/p> ?o FILTER(?o<3) }").nesting == 2


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s <http://e/p> (<http://e/a> <http://e/b>) }",
        "SELECT * { FILTER(?x IN (<http://e/a>, <http://e/b>)) }",
        "SELECT * { FILTER <http://www.w3.org/2001/XMLSchema#boolean>(?x) "
        "BIND(<http://www.w3.org/2001/XMLSchema#string>(?y) AS ?z) }",
        "SELECT (<http://www.w3.org/2001/XMLSchema#string>(?x) AS ?y) { ?x <http://e/p> ?o }",
    ],
)
def test_iris_in_collections_argument_lists_and_calls_stay_iris(text: str) -> None:
    ox.Store().query(text)  # the engine accepts each
    iris = [t for t in text.split() if t.startswith("<")]
    assert iris and scan(text).services == []


def test_nesting_counts_braces_parentheses_and_brackets_together() -> None:
    assert scan("SELECT * { ?s ?p [ ?q ( 1 ) ] }").nesting == 3
    assert scan('SELECT * { ?s ?p "{{{{((((" }  # ]]]]').nesting == 1
    deep = "SELECT * WHERE " + "{" * 300 + " ?s ?p ?o " + "}" * 300
    assert scan(deep).nesting == 300
    with pytest.raises(BadRequest, match="300 deep"):
        check_nesting(scan(deep), 128)
    check_nesting(scan(deep), 300)


# -- USING ------------------------------------------------------------------------------------


def test_using_parameters_become_using_clauses_before_each_where() -> None:
    text = "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }"
    out = with_using(text, scan(text), ["http://g/d"], ["http://g/n"])
    assert out.count("USING <http://g/d> USING NAMED <http://g/n> WHERE") == 2


def test_using_parameters_leave_delete_where_and_data_operations_alone() -> None:
    text = "DELETE WHERE { ?s ?p ?o } ; INSERT DATA { <http://e/s> <http://e/p> 1 }"
    assert with_using(text, scan(text), ["http://g/d"], []) == text


def test_using_parameters_conflict_with_with_or_using_in_the_update() -> None:
    text = "WITH <http://g/a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    with pytest.raises(BadRequest):
        with_using(text, scan(text), [], ["http://g/n"])


def test_using_parameters_must_be_iris() -> None:
    text = "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"
    with pytest.raises(BadRequest):
        with_using(text, scan(text), ["http://g/> } ; DROP ALL ; #"], [])
