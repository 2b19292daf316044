"""The catalogue itself: enough queries, every header valid and bilingual, every one tested."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.queries.catalogue import Catalogue, load_query, split_prologue
from service.queries.header import HeaderError, parse_header
from service.store.base import QueryKind
from tests.queries.conftest import EXPECTED, QUERIES

ALL = sorted(p for p in QUERIES.glob("*/*.rq") if p.parent.name != "qc")


def test_catalogue_holds_at_least_twenty_queries(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 20
    assert {q.area for q in catalogue} >= {"spaser", "legal", "events", "charter", "search"}


def test_quality_checks_are_not_offered_as_queries(catalogue: Catalogue) -> None:
    assert all(q.area != "qc" for q in catalogue)


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_header_parses_with_french_and_english_texts(path: Path) -> None:
    query = load_query(path, path.parent.name)
    for text in (query.header.summary, query.header.description):
        assert set(text) == {"fr", "en"} and all(text.values())
    assert query.header.summary["fr"] != query.header.summary["en"]
    for spec in query.header.params:
        assert spec.description["fr"] and spec.description["en"]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_query_has_a_golden_result(path: Path) -> None:
    stem = EXPECTED / path.parent.name / path.stem
    assert any(stem.with_suffix(s).is_file() for s in (".csv", ".srj", ".ttl")), stem


def test_header_with_unknown_key_is_refused() -> None:
    with pytest.raises(HeaderError, match="unknown header key"):
        parse_header(
            "#+ summary: a\n#+ summary_fr: b\n#+ description: c\n"
            "#+ description_fr: d\n#+ sumary: typo\nSELECT * {}"
        )


def test_header_without_french_summary_is_refused() -> None:
    with pytest.raises(HeaderError, match="summary_fr"):
        parse_header("#+ summary: a\n#+ description: c\n#+ description_fr: d\nSELECT * {}")


def test_invalid_default_is_refused_at_load() -> None:
    text = (
        "#+ summary: a\n#+ summary_fr: b\n#+ description: c\n#+ description_fr: d\n"
        "#+ params:\n#+   n: {type: integer, description: x, description_fr: y}\n"
        "#+ defaults:\n#+   - n: twelve\nSELECT ?n WHERE { }"
    )
    with pytest.raises(HeaderError, match="parameter 'n'"):
        parse_header(text)


def test_prologue_split_keeps_prefixes_and_comments_apart() -> None:
    prologue, rest = split_prologue("#+ x\nPREFIX a: <http://a/>\nBASE <http://b/>\nSELECT ?s {}")
    assert prologue.endswith("BASE <http://b/>\n") and rest == "SELECT ?s {}"


def test_kinds_are_read_from_the_query_form(catalogue: Catalogue) -> None:
    kinds = {q.id: q.kind for q in catalogue}
    assert kinds["legal/construct-legal-chain"] is QueryKind.GRAPH
    assert kinds["spaser/list-spasers-by-authority-type"] is QueryKind.SELECT
