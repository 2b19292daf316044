"""Updates are parsed first in a throw-away child: a crash or a fetch costs the server nothing."""

from __future__ import annotations

import socket

import pytest

from service.errors import EvaluationError, QuerySyntaxError
from service.sparql.update_check import check_update_parses

NESTED = "INSERT { <http://a> <http://b> <http://c> } WHERE " + "{" * 20_000 + "}" * 20_000


def test_a_valid_update_passes_and_changes_nothing_here() -> None:
    check_update_parses("INSERT DATA { <http://a> <http://b> 1 }", None, 10)


def test_a_syntax_error_keeps_the_engines_position() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        check_update_parses("INSERT DATA {\n <http://a> <http://b> 1 ", None, 10)
    assert caught.value.line == 2


def test_an_update_that_overflows_the_parser_kills_only_the_child() -> None:
    with pytest.raises(EvaluationError, match="too deeply nested"):
        check_update_parses(NESTED, None, 10)
    check_update_parses("CLEAR ALL", None, 10)  # this process is fine


def test_load_fetches_nothing_while_parsing() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        check_update_parses(f"LOAD <http://127.0.0.1:{port}/data.ttl>", None, 10)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
