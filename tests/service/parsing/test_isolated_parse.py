"""The parser process: engine quads back through a pipe, and every way it can fail is a typed
error in a caller that keeps running, keeps its memory, and is left with no child."""

from __future__ import annotations

import json
import os
import resource
import threading
import time

import pyoxigraph as ox
import pytest

from service.errors import (
    ParseMemoryExceeded,
    ParserCrashed,
    ParseTimeout,
    PayloadTooLarge,
    RdfRefused,
    RdfSyntaxError,
    TooManyParses,
)
from service.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TURTLE
from service.parsing.isolated import parse_documents
from service.parsing.limits import ParseLimits
from tests.service.rdf_bombs import CRASHES, EXHAUSTS_MEMORY, RUNS_FOR_MINUTES, nesting_bombs

LIMITS = ParseLimits(max_nesting=64, timeout=20, memory_bytes=100_000_000, max_output_bytes=10**8)
#: No nesting limit, so that what only the process bounds reaches the engine.
UNGUARDED = ParseLimits(
    max_nesting=10**9, timeout=20, memory_bytes=100_000_000, max_output_bytes=10**8
)

DEEP_TRIPLE_TERMS = CRASHES[1]
DEEP_JSONLD = EXHAUSTS_MEMORY[1]
DEEP_RDFXML = RUNS_FOR_MINUTES[1]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_documents_come_back_as_the_engines_quads(no_child_left: None) -> None:
    turtle = b'<http://e/s> <http://e/p> "caf\xc3\xa9"@fr, 1.50, <http://e/o> .'
    jsonld = b'{"@id": "http://e/s", "http://e/q": {"@id": "http://e/o"}}'
    quads = parse_documents([(TURTLE, turtle), (JSONLD, jsonld)], "http://e/", LIMITS)
    expected = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE)) + list(
        ox.parse(jsonld, format=ox.RdfFormat.JSON_LD)
    )
    assert quads == expected


FLAT = (
    b'<http://e/s> <http://e/p> "caf\xc3\xa9"@fr .\n'
    b'_:b <http://e/p> "a << b"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
)


def _no_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> int:
        raise AssertionError("a child was forked")

    monkeypatch.setattr(os, "fork", refused)


def test_flat_lines_are_read_here_as_a_child_would_send_them_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """N-Triples and N-Quads with no ``<<`` are what the server reads back from a child
    anyway: read with no fork (a fork made every one-triple write slow every reader)."""
    lines = FLAT.replace(b'"a << b"', b'"a b"')
    quad = b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n"
    expected = list(ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)) + list(
        ox.parse(quad, format=ox.RdfFormat.N_QUADS)
    )
    _no_fork(monkeypatch)
    assert parse_documents([(NTRIPLES, lines), (NQUADS, quad)], None, LIMITS) == expected
    with pytest.raises(RdfSyntaxError) as error:
        parse_documents(
            [(NTRIPLES, lines), (NTRIPLES, b"\n<http://e/s> <http://e/p> .")], None, LIMITS
        )
    assert (error.value.source, error.value.line) == ("<part 2>", 2)


def test_what_is_not_flat_lines_still_goes_to_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """``<<`` anywhere (a triple term, or only a literal), another format, or more than a
    child's output may hold: the child, with its limits."""
    lines = FLAT.replace(b'"a << b"', b'"a b"')
    small = ParseLimits(64, timeout=10, memory_bytes=200_000_000, max_output_bytes=len(lines) - 1)
    _no_fork(monkeypatch)
    for documents, limits in (
        ([(NTRIPLES, FLAT)], LIMITS),
        ([(TURTLE, b"<http://e/s> <http://e/p> 1 .")], LIMITS),
        ([(NTRIPLES, lines)], small),
    ):
        with pytest.raises(AssertionError, match="forked"):
            parse_documents(documents, None, limits)


def test_the_same_syntax_error_here_and_in_a_child(no_child_left: None) -> None:
    body = b"<http://e/s> <http://e/p> <http://e/o> .\n<http://e/s> <http://e/p> .\n"
    with pytest.raises(RdfSyntaxError) as here:
        parse_documents([(NTRIPLES, body)], None, LIMITS)
    with pytest.raises(RdfSyntaxError) as child:  # the same lines, but not flat: a child reads them
        parse_documents([(NTRIPLES, body + b'<http://e/s> <http://e/p> "<<" .\n')], None, LIMITS)
    assert (here.value.source, here.value.line, here.value.column, here.value.message) == (
        child.value.source,
        child.value.line,
        child.value.column,
        child.value.message,
    )


def test_blank_nodes_keep_their_identity_through_the_pipe(no_child_left: None) -> None:
    body = b"_:b <http://e/p> [ <http://e/q> _:b ] ."
    quads = parse_documents([(TURTLE, body)], None, LIMITS)
    by_predicate = {q.predicate.value: q for q in quads}
    inner = by_predicate["http://e/q"]
    outer = by_predicate["http://e/p"]
    assert outer.subject == inner.object
    assert outer.object == inner.subject


def test_a_syntax_error_names_the_part_and_the_position(no_child_left: None) -> None:
    good = (TURTLE, b"<http://e/s> <http://e/p> 1 .")
    with pytest.raises(RdfSyntaxError) as one:
        parse_documents([(TURTLE, b"<http://e/s> <http://e/p> [ 1 .")], None, LIMITS)
    assert (one.value.source, one.value.line) == ("<request body>", 1)
    with pytest.raises(RdfSyntaxError) as second:
        parse_documents([good, (TURTLE, b"\n<http://e/s> <http://e/p> ")], None, LIMITS)
    assert (second.value.source, second.value.line) == ("<part 2>", 2)


def test_triple_terms_are_refused_so_what_comes_back_is_flat(no_child_left: None) -> None:
    body = b"<http://e/s> <http://e/p> <<( <http://e/s> <http://e/p> <http://e/o> )>> ."
    with pytest.raises(RdfRefused, match="triple terms"):
        parse_documents([(NTRIPLES, body)], None, LIMITS)


def test_a_parser_that_crashes_is_a_typed_error_and_the_caller_lives(no_child_left: None) -> None:
    started = time.monotonic()
    with pytest.raises(ParserCrashed, match="SIGSEGV"):  # the engine's recursion overflows
        parse_documents([(NTRIPLES, DEEP_TRIPLE_TERMS)], None, UNGUARDED)
    assert time.monotonic() - started < 10
    assert parse_documents([(TURTLE, b"<http://e/s> <http://e/p> 1 .")], None, LIMITS)


def test_a_parser_out_of_memory_is_stopped_and_the_caller_stays_small(no_child_left: None) -> None:
    before = _peak_rss_mb()
    with pytest.raises(ParseMemoryExceeded) as exceeded:  # within the nesting limit
        parse_documents([(JSONLD, DEEP_JSONLD)], None, LIMITS)
    assert exceeded.value.limit == LIMITS.memory_bytes
    assert _peak_rss_mb() - before < 50


def test_a_parse_past_the_time_limit_is_stopped_at_it(no_child_left: None) -> None:
    limits = ParseLimits(10**9, timeout=1, memory_bytes=200_000_000, max_output_bytes=10**8)
    started = time.monotonic()
    with pytest.raises(ParseTimeout, match="1 s limit"):
        parse_documents([(RDFXML, DEEP_RDFXML)], None, limits)
    assert time.monotonic() - started < 3


def test_the_nesting_limit_refuses_the_same_bombs_before_the_engine(no_child_left: None) -> None:
    deep_jsonld = nesting_bombs(10_000)["json-ld objects"][1]
    for fmt, body in ((NTRIPLES, DEEP_TRIPLE_TERMS), (JSONLD, deep_jsonld), (RDFXML, DEEP_RDFXML)):
        started = time.monotonic()
        with pytest.raises(RdfRefused, match="ESSKG_MAX_NESTING"):
            parse_documents([(fmt, body)], None, LIMITS)
        assert time.monotonic() - started < 2, fmt.name


def test_what_the_parse_gives_back_is_bounded(no_child_left: None) -> None:
    iri = "http://e/" + "x" * 1000 + "/"
    body = f"@prefix x: <{iri}> . x:s x:p ".encode() + b", ".join(b"x:o%d" % i for i in range(2000))
    limits = ParseLimits(64, timeout=10, memory_bytes=200_000_000, max_output_bytes=1_000_000)
    with pytest.raises(PayloadTooLarge) as too_large:
        parse_documents([(TURTLE, body + b" .")], None, limits)
    assert too_large.value.limit == 1_000_000


def test_when_every_parser_is_busy_a_request_waits_within_its_limit(no_child_left: None) -> None:
    slow = ParseLimits(10**9, timeout=2, memory_bytes=200_000_000, max_output_bytes=10**8)
    outcomes: list[BaseException | None] = []

    def runaway(client: str) -> None:
        try:
            parse_documents([(RDFXML, DEEP_RDFXML)], None, slow, client)
        except ParseTimeout as exc:
            outcomes.append(exc)
        else:
            outcomes.append(None)

    count = min(4, os.cpu_count() or 1)  # from as many clients: each may have one parse
    busy = [threading.Thread(target=runaway, args=(f"10.0.0.{i}",)) for i in range(count)]
    for thread in busy:
        thread.start()
    time.sleep(0.5)  # every parser slot is taken by a runaway
    quick = ParseLimits(64, timeout=0.5, memory_bytes=200_000_000, max_output_bytes=10**8)
    with pytest.raises(ParseTimeout, match="no parser became free"):
        parse_documents([(TURTLE, b"<http://e/s> <http://e/p> 1 .")], None, quick)
    for thread in busy:
        thread.join()
    assert len(outcomes) == len(busy) and all(outcomes)
    assert parse_documents([(TURTLE, b"<http://e/s> <http://e/p> 1 .")], None, quick)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one parser slot: nothing to share")
def test_one_client_may_hold_one_parser_and_an_innocent_gets_another(no_child_left: None) -> None:
    """Bug fixed: two slow bodies from one address held both parsers of a two-CPU server
    for 30 s; an innocent /validate waited 28 s, then got 503."""
    slow = ParseLimits(10**9, timeout=2, memory_bytes=200_000_000, max_output_bytes=10**8)
    outcomes: list[type[BaseException]] = []

    def greedy() -> None:
        try:
            parse_documents([(RDFXML, DEEP_RDFXML)], None, slow, "10.0.0.1")
        except (ParseTimeout, TooManyParses) as exc:
            outcomes.append(type(exc))

    threads = [threading.Thread(target=greedy) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    innocent = parse_documents([(TURTLE, b"<http://e/s> <http://e/p> 1 .")], None, slow, "10.0.0.2")
    assert innocent and time.monotonic() - started < 1.0  # a parser was free for it
    for thread in threads:
        thread.join()
    # the greedy client's first body was stopped at the limit; its second waited for it, then 429
    assert sorted(outcomes, key=lambda t: t.__name__) == [ParseTimeout, TooManyParses]


def test_a_json_ld_scoped_context_bomb_is_refused_before_the_engine(no_child_left: None) -> None:
    """From the audit: 200 KB, a 4,000-term type-scoped context, 2,000 nodes: 31 s of CPU."""
    terms = {f"t{i}": f"http://x/t{i}" for i in range(4000)}
    document = {
        "@context": {"T": {"@id": "http://x/T", "@context": terms}},
        "@graph": [{"@id": f"http://x/n{j}", "@type": "T", "t1": "v"} for j in range(2000)],
    }
    started = time.monotonic()
    with pytest.raises(RdfRefused, match="scoped contexts define 4000 terms"):
        parse_documents([(JSONLD, json.dumps(document).encode())], None, LIMITS)
    assert time.monotonic() - started < 2
    modest = {
        "@context": {"T": {"@id": "http://x/T", "@context": {"t1": "http://x/t1"}}},
        "@graph": [{"@id": f"http://x/n{j}", "@type": "T", "t1": "v"} for j in range(2000)],
    }
    assert len(parse_documents([(JSONLD, json.dumps(modest).encode())], None, LIMITS)) == 4000
