"""Unit tests of SPARQL 1.1 Protocol request decoding (``service.sparql.protocol``).

Every way the protocol allows to send an operation must decode to the same
:class:`SparqlRequest`, and every way it forbids must raise the typed error the problem
layer turns into 400, 413, 414 or 415; these tests check each path without a server.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from service.errors import (
    BadRequest,
    InvalidIri,
    PayloadTooLarge,
    UnsupportedMediaType,
    UriTooLong,
)
from service.sparql.protocol import (
    FORM,
    QUERY,
    UPDATE,
    Operation,
    SparqlRequest,
    check_sizes,
    decode,
    parse_params,
)

ASK = "ASK { ?s ?p ?o }"
G1, G2 = "http://example.org/g1", "http://example.org/g2"


def get(query_string: str) -> SparqlRequest:
    return decode("GET", parse_params(query_string), None, b"")


def post(content_type: str | None, body: bytes, query_string: str = "") -> SparqlRequest:
    return decode("POST", parse_params(query_string), content_type, body)


# -- the three ways to query, the two ways to update -------------------------------------------


def test_get_with_query_is_a_query() -> None:
    decoded = get("query=" + quote(ASK))
    assert (decoded.operation, decoded.text, decoded.has_dataset) == (Operation.QUERY, ASK, False)


def test_head_decodes_like_get() -> None:
    decoded = decode("HEAD", parse_params("query=" + quote(ASK)), None, b"")
    assert (decoded.operation, decoded.text) == (Operation.QUERY, ASK)


def test_bare_get_asks_for_the_service_description_and_keeps_format() -> None:
    decoded = get("format=turtle")
    assert (decoded.operation, decoded.format_param) == (Operation.DESCRIBE_SERVICE, "turtle")


def test_form_post_query_and_update() -> None:
    query = post(FORM, ("query=" + quote(ASK)).encode())
    assert (query.operation, query.text) == (Operation.QUERY, ASK)
    update = post(FORM, b"update=CLEAR+ALL")
    assert (update.operation, update.text) == (Operation.UPDATE, "CLEAR ALL")


def test_direct_post_query_and_update_take_the_body_verbatim() -> None:
    text = "ASK {}\n# café 100% & more"
    assert post(QUERY, text.encode()).text == text
    assert post(UPDATE, b"CLEAR ALL").operation is Operation.UPDATE


def test_media_types_and_parameters_are_case_and_space_insensitive() -> None:
    decoded = post('Application/SPARQL-Query ; Charset="UTF-8"', ASK.encode())
    assert decoded.text == ASK
    assert post("application/sparql-update;charset=utf8", b"CLEAR ALL").text == "CLEAR ALL"


# -- repeated or missing operation ------------------------------------------------------------


def test_repeated_query_is_400() -> None:
    with pytest.raises(BadRequest, match="2 'query'"):
        get("query=ASK%7B%7D&query=SELECT%20*%7B%7D")


def test_query_in_both_url_and_form_body_counts_as_repeated() -> None:
    with pytest.raises(BadRequest):
        post(FORM, b"query=ASK%7B%7D", query_string="query=ASK%7B%7D")


def test_repeated_update_is_400() -> None:
    with pytest.raises(BadRequest):
        post(FORM, b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT")


def test_form_with_both_query_and_update_is_400() -> None:
    with pytest.raises(BadRequest, match="not both"):
        post(FORM, b"query=ASK%7B%7D&update=CLEAR%20ALL")


def test_form_with_neither_query_nor_update_is_400() -> None:
    with pytest.raises(BadRequest):
        post(FORM, b"default-graph-uri=" + quote(G1).encode())


def test_an_empty_query_parameter_is_a_query_left_to_the_parser() -> None:
    assert get("query=").text == ""


def test_update_by_get_is_400() -> None:
    with pytest.raises(BadRequest, match="POST"):
        get("update=CLEAR%20ALL")


def test_direct_post_that_repeats_the_operation_as_a_parameter_is_400() -> None:
    with pytest.raises(BadRequest):
        post(QUERY, ASK.encode(), query_string="query=ASK%7B%7D")
    with pytest.raises(BadRequest):
        post(UPDATE, b"CLEAR ALL", query_string="update=CLEAR%20ALL")


def test_other_methods_are_refused() -> None:
    with pytest.raises(BadRequest):
        decode("PUT", [("query", ASK)], FORM, b"")


# -- media types and charsets -----------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/json"])
def test_post_without_a_protocol_media_type_is_415(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType):
        post(content_type, b"query=ASK%7B%7D")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/sparql-query; charset=UTF-16",
        "application/sparql-update; charset=iso-8859-1",
        "application/x-www-form-urlencoded; charset=latin1",
    ],
)
def test_a_charset_other_than_utf8_is_415(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        post(content_type, "ASK {}".encode("utf-16"))


def test_a_direct_body_that_is_not_utf8_is_400() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        post(QUERY, "ASK { ?s ?p 'é' }".encode("latin-1"))


def test_a_form_body_that_is_not_utf8_is_400() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        post(FORM, "query=ASK {'é'}".encode("latin-1"))


def test_percent_encoded_bytes_that_are_not_utf8_are_400_not_replaced() -> None:
    """Bug fixed: ``%E9`` (Latin-1 é) used to decode silently to U+FFFD."""
    with pytest.raises(BadRequest, match="UTF-8"):
        post(FORM, b"query=ASK%20%7B%20%3Fs%20%3Fp%20%27%E9%27%20%7D")
    with pytest.raises(BadRequest, match="UTF-8"):
        get("query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fe%2F%E9")


def test_percent_encoded_utf8_and_plus_signs_decode_once() -> None:
    decoded = get("query=ASK+%7B+%3Fs+%3Fp+%27caf%C3%A9%27+%7D&default-graph-uri=http://e/%2531")
    assert decoded.text == "ASK { ?s ?p 'café' }"
    assert decoded.default_graphs == ["http://e/%31"]


# -- dataset parameters -----------------------------------------------------------------------


def test_query_dataset_parameters_keep_order_and_repetition() -> None:
    decoded = get(
        "query=ASK%7B%7D"
        f"&default-graph-uri={quote(G1, safe='')}&default-graph-uri={quote(G2, safe='')}"
        f"&named-graph-uri={quote(G2, safe='')}"
    )
    assert decoded.default_graphs == [G1, G2]
    assert decoded.named_graphs == [G2]
    assert decoded.has_dataset


def test_query_dataset_parameters_may_sit_in_the_url_of_a_post() -> None:
    decoded = post(QUERY, ASK.encode(), query_string=f"named-graph-uri={quote(G1, safe='')}")
    assert (decoded.default_graphs, decoded.named_graphs) == ([], [G1])
    form = post(FORM, f"query=ASK%7B%7D&default-graph-uri={quote(G2, safe='')}".encode())
    assert form.default_graphs == [G2]


def test_update_dataset_parameters_are_the_using_ones() -> None:
    decoded = post(
        UPDATE,
        b"CLEAR ALL",
        query_string=f"using-graph-uri={quote(G1, safe='')}"
        f"&using-named-graph-uri={quote(G2, safe='')}",
    )
    assert (decoded.default_graphs, decoded.named_graphs) == ([G1], [G2])


@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("default-graph-uri", "query=ASK%7B%7D"),
        ("named-graph-uri", "query=ASK%7B%7D"),
        ("using-graph-uri", "update=CLEAR%20ALL"),
        ("using-named-graph-uri", "update=CLEAR%20ALL"),
    ],
)
@pytest.mark.parametrize("value", ["http%3A%2F%2Fe%2Fg%0A", "http://[::1/", "%25zz", "g"])
def test_dataset_parameters_that_are_no_iri_are_refused_by_name(
    name: str, operation: str, value: str
) -> None:
    with pytest.raises(InvalidIri) as refused:
        post(FORM, f"{operation}&{name}={quote(G1, safe='')}&{name}={value}".encode())
    assert refused.value.parameter == name


def test_using_parameters_on_a_query_are_400() -> None:
    with pytest.raises(BadRequest, match="updates only"):
        get(f"query=ASK%7B%7D&using-graph-uri={quote(G1, safe='')}")


def test_query_dataset_parameters_on_an_update_are_400() -> None:
    with pytest.raises(BadRequest, match="queries only"):
        post(FORM, f"update=CLEAR%20ALL&default-graph-uri={quote(G1, safe='')}".encode())


def test_format_parameters_are_kept_in_order() -> None:
    """SPARQLWrapper repeats its format in format, output and results; all are kept."""
    assert get("query=ASK%7B%7D&format=csv").format_param == "csv"
    sent = "query=ASK%7B%7D&format=tsv&format=text/tab-separated-values&output=tsv&results="
    assert get(sent).formats == ("tsv", "text/tab-separated-values", "tsv")


# -- sizes --------------------------------------------------------------------------------------


def test_an_oversized_query_string_is_414() -> None:
    with pytest.raises(UriTooLong):
        check_sizes("q" * 101, None, max_url=100, max_body=100)
    check_sizes("q" * 100, None, max_url=100, max_body=100)


def test_an_announced_oversized_body_is_413_before_reading_it() -> None:
    with pytest.raises(PayloadTooLarge):
        check_sizes("", "101", max_url=100, max_body=100)
    check_sizes("", "100", max_url=100, max_body=100)


def test_a_content_length_that_is_not_ascii_digits_is_left_to_the_body_reader() -> None:
    """Bug fixed: ``"²".isdigit()`` is true and ``int("²")`` raised, a 500."""
    for value in ("²", "-5", "1e9", ""):
        check_sizes("", value, max_url=100, max_body=100)
