"""Typed canned-query parameters take exact lexical forms only (``service.queries.params``)."""

from __future__ import annotations

import pytest

from service.queries.params import InvalidParameter, ParamSpec, ParamType, to_term


def spec(kind: ParamType) -> ParamSpec:
    return ParamSpec(name="p", type=kind, description={"en": "p", "fr": "p"})


@pytest.mark.parametrize(
    ("kind", "value", "lexical"),
    [
        (ParamType.YEAR, "2020", "2020"),
        (ParamType.INTEGER, "-12", "-12"),
        (ParamType.DECIMAL, "1.5", "1.5"),
        (ParamType.DATE, "2020-02-29", "2020-02-29"),
        (ParamType.LANGUAGE, "fr-FR", "fr-fr"),
        (ParamType.BOOLEAN, "true", "true"),
        (ParamType.IRI, "https://w3id.org/esskg/id/x", "https://w3id.org/esskg/id/x"),
        (ParamType.STRING, "économie\nsociale", "économie\nsociale"),
    ],
)
def test_exact_forms_are_taken(kind: ParamType, value: str, lexical: str) -> None:
    assert str(to_term(spec(kind), value)) == lexical


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        *((ParamType.YEAR, v) for v in ("2020\n", "2020 ", " 2020", "٢٠٢٠", "+2020", "20201")),
        *((ParamType.INTEGER, v) for v in ("1\n", "1 ", "١", "1_000", "0x1")),
        *((ParamType.DECIMAL, v) for v in ("1.5\n", "1e3", "NaN", "1,5")),
        *((ParamType.DATE, v) for v in ("2020-01-01\n", "20200101", "2020-W01-1", "2020-02-30")),
        *((ParamType.LANGUAGE, v) for v in ("fr\n", "fr_FR", "f")),
        *((ParamType.BOOLEAN, v) for v in ("true\n", "True", "1")),
        *((ParamType.IRI, v) for v in ("http://x/a\n", "http://x/%zz", "http://[::1/", "x")),
        *((ParamType.STRING, v) for v in ("", " \n", "x" * 201)),
    ],
)
def test_anything_else_is_refused_naming_the_parameter(kind: ParamType, value: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        to_term(spec(kind), value)
    assert refused.value.name == "p"
