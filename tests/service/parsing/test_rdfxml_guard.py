"""What RDF/XML reaches the engine: UTF-8 only, no markup declaration anywhere (so no entity
is ever declared), elements nested as deep as the limit at most."""

from __future__ import annotations

import xml.parsers.expat
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.errors import RdfRefused
from service.parsing.rdfxml import check_declarations, check_encoding, element_depth

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
HEAD = f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:e="http://e/">'
ONE = HEAD + '<rdf:Description rdf:about="http://e/s"><e:p>&a;</e:p></rdf:Description></rdf:RDF>'
DECLARATIONS = {
    "doctype": '<!DOCTYPE rdf:RDF [<!ENTITY a "x">]>',
    "lower case": '<!doctype rdf:RDF [<!ENTITY a "x">]>',
    "mixed case": '<!DocType rdf:RDF [<!ENTITY a "x">]>',
    "odd spacing": '<!DOCTYPE\n\t rdf:RDF\r\n[\n <!ENTITY\ta\n"x" >\n]\n>',
    "parameter entity": '<!DOCTYPE rdf:RDF [<!ENTITY % p "x"> %p;]>',
    "external entity": '<!DOCTYPE rdf:RDF [<!ENTITY a SYSTEM "http://127.0.0.1:9/x">]>',
    "external subset": '<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/x.dtd">',
}


@pytest.mark.parametrize("prolog", DECLARATIONS.values(), ids=DECLARATIONS.keys())
def test_every_doctype_is_refused_wherever_it_is(prolog: str) -> None:
    before_root = f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n{ONE}'
    after_root = ONE.replace(HEAD, HEAD + prolog)  # the engine honours it there too
    for body in (before_root, after_root, "\ufeff" + before_root):
        with pytest.raises(RdfRefused, match="DOCTYPE") as refused:
            check_declarations(body.encode())
        assert refused.value.line is not None


def test_a_declaration_the_engine_would_expand_is_what_is_refused() -> None:
    """The refusal matters: without it the engine expands the entity."""
    body = f"{DECLARATIONS['lower case']}{ONE}".encode()
    quads = list(ox.parse(body, format=ox.RdfFormat.RDF_XML))
    assert quads[0].object == ox.Literal("x")


@pytest.mark.parametrize(
    "body",
    [
        ONE.replace("&a;", "<!-- a comment --><![CDATA[<a>]]>&amp;&#60;"),
        '<?xml version="1.0"?><!-- <x> -->' + ONE.replace("&a;", "1"),
    ],
)
def test_comments_cdata_and_character_references_pass(body: str) -> None:
    check_declarations(body.encode())


def test_a_doctype_inside_a_comment_is_refused_too_on_purpose() -> None:
    with pytest.raises(RdfRefused):
        check_declarations(f"<!-- <!DOCTYPE x> -->{ONE}".encode())


DECLARED = '<?xml version="1.0" encoding="{}"?>' + ONE.replace("&a;", "1")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (DECLARED.format("UTF-16").encode("utf-16"), "byte-order mark"),
        (DECLARED.format("UTF-16").encode("utf-16-be"), "NUL"),
        (DECLARED.format("UTF-16").encode("utf-16-le"), "NUL"),
        (DECLARED.format("UTF-32").encode("utf-32"), "byte-order mark"),
        (DECLARED.format("ISO-8859-1").encode("latin-1"), "ISO-8859-1"),
        (DECLARED.format("UTF-7").encode(), "UTF-7"),
        (ONE.replace("&a;", "caf\u00e9").encode("latin-1"), "not"),
    ],
    ids=["utf-16", "utf-16-be", "utf-16-le", "utf-32", "latin-1", "utf-7", "bad bytes"],
)
def test_anything_but_utf8_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(RdfRefused, match=reason):
        check_encoding(body)


def test_utf8_with_or_without_bom_or_declaration_passes() -> None:
    body = ONE.replace("&a;", "caf\u00e9").encode()
    for variant in (body, b"\xef\xbb\xbf" + body, DECLARED.format("utf-8").encode()):
        check_encoding(variant)


# -- element depth ------------------------------------------------------------------------

DEPTH_CASES = [
    (ONE, 3),
    (HEAD + '<rdf:Description rdf:about="http://e/a>b" e:q="/>"><e:p/></rdf:Description>', 3),
    (HEAD + "<!-- <a><b><c> --><![CDATA[<a><b>]]><?pi <a><b> ?></rdf:RDF>", 1),
    (HEAD + "<e:p rdf:parseType='Literal'><a><b><c/></b></a></e:p></rdf:RDF>", 5),
    (HEAD + '<e:p a="x', 1),  # unterminated: the engine fails there
]


@pytest.mark.parametrize(("body", "expected"), DEPTH_CASES)
def test_element_depth_counts_elements_as_the_engine_reads_them(body: str, expected: int) -> None:
    assert element_depth(body.encode(), 10**9).depth == expected


def _expat_depth(body: bytes) -> int:
    """An independent reader: the standard library's expat."""
    state = {"depth": 0, "deepest": 0}

    def start(name: str, attributes: Any) -> None:
        state["depth"] += 1
        state["deepest"] = max(state["deepest"], state["depth"])

    def end(name: str) -> None:
        state["depth"] -= 1

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(body, True)
    return state["deepest"]


_TEXT = st.sampled_from(
    ["x", "a > b", "&amp;", "<!-- <a><b> -->", "<![CDATA[<a/><b>]]>", "<?p <c>?>"]
)
_ATTRIBUTE = st.sampled_from(["", ' a="x>y"', " b='/>'", ' c="&lt;"', " d='\"'"])


def _element() -> st.SearchStrategy[str]:
    def nest(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.tuples(_ATTRIBUTE, st.lists(children, max_size=3)).map(
            lambda parts: f"<e{parts[0]}>{''.join(parts[1])}</e>"
        )

    leaf = _TEXT | _ATTRIBUTE.map(lambda attribute: f"<f{attribute}/>")
    return st.recursive(leaf, nest, max_leaves=15)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.lists(_element(), max_size=3))
def test_generated_xml_depth_matches_expat(content: list[str]) -> None:
    body = f"<root>{''.join(content)}</root>".encode()
    assert element_depth(body, 10**9).depth == _expat_depth(body)


def test_element_depth_stops_past_the_limit() -> None:
    body = (HEAD + "<e:p>" * 100).encode()
    found = element_depth(body, 64)
    assert found.depth == 65
    assert found.offset is not None
