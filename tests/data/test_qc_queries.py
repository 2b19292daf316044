"""Every quality-check query of queries/qc/ returns zero rows on the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.store.base import Store

QC = sorted((Path(__file__).resolve().parents[2] / "queries" / "qc").glob("*-violation.rq"))


def test_there_are_qc_queries() -> None:
    assert len(QC) >= 4


@pytest.mark.parametrize("path", QC, ids=[p.stem for p in QC])
def test_qc_query_returns_no_rows(facts_store: Store, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#+")]
    assert any(line.startswith("#+ summary:") for line in header)
    assert any(line.startswith("#+ tags:") and "qc" in line for line in header)
    rows = facts_store.select(text)
    assert rows == [], f"{path.name}: {rows[:10]}"
