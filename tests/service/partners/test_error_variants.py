"""Generated spreadsheets with errors planted at random rows: each upload reports exactly
the planted errors, at their line and column, whatever the file's form (`,` CSV, French
Excel's `;` CSV with a BOM, XLSX) and the header language.

The oracle is the plan of the mutation itself (which cell was broken, how), not the code
under test: the expected line is the row's place in the file (header = line 1), the column
is the header as written in the file, and the code is the kind of fault planted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from service.partners.kinds import ORGANISATIONS
from service.partners.mapping import map_table
from service.partners.table import read_table

from .test_spreadsheets import FIXTURES, commune_lookup

#: the clean file's columns, in the French and the English header of each
HEADERS = {
    "fr": ["nom", "SIREN", "commune", "réseau", "fonction", "date d'adhésion"],
    "en": ["name", "siren", "municipality", "network", "role", "member since"],
}
NAME, SIREN, COMMUNE, DATE = 0, 1, 2, 5

#: fault → (column, what the cell becomes from the clean one, the error code expected)
FAULTS = {
    "siren_key": (SIREN, lambda v: (v[:8] + str((int(v[8]) + 1) % 10)) if v else "123456788"),
    "siren_short": (SIREN, lambda v: "1234567"),
    "commune_unknown": (COMMUNE, lambda v: "Villebidon-sur-Mer"),
    "commune_ambiguous": (COMMUNE, lambda v: "St Denis"),
    "date_impossible": (DATE, lambda v: "31/02/2021"),
    "date_american": (DATE, lambda v: "2021/13/45"),
    "name_missing": (NAME, lambda v: ""),
}
CODES = {
    "siren_key": "siren",
    "siren_short": "siren",
    "commune_unknown": "commune_unknown",
    "commune_ambiguous": "commune_ambiguous",
    "date_impossible": "date",
    "date_american": "date",
    "name_missing": "required",
}


def _clean_rows() -> list[list[str]]:
    with Path(FIXTURES / "cress-membres.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


CLEAN = _clean_rows()


def _as_file(rows: list[list[str]], form: str) -> tuple[bytes, str]:
    if form == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "membres.xlsx"
    text = io.StringIO()
    csv.writer(text, delimiter=";" if form == "semicolon" else ",").writerows(rows)
    if form == "semicolon":
        return ("\ufeff" + text.getvalue()).encode("utf-8"), "membres.csv"
    return text.getvalue().encode("utf-8"), "membres.csv"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    planted=st.dictionaries(
        st.integers(min_value=0, max_value=len(CLEAN) - 1),
        st.sampled_from(sorted(FAULTS)),
        min_size=0,
        max_size=6,
    ),
    form=st.sampled_from(["comma", "semicolon", "xlsx"]),
    language=st.sampled_from(["fr", "en"]),
)
def test_each_planted_error_is_reported_at_its_row_and_column(
    planted: dict[int, str], form: str, language: str
) -> None:
    header = HEADERS[language]
    rows = [list(row) for row in CLEAN]
    expected = []
    for index, fault in sorted(planted.items()):
        column, broken = FAULTS[fault]
        rows[index][column] = broken(rows[index][column])
        expected.append((index + 2, header[column], CODES[fault]))
    data, filename = _as_file([header, *rows], form)
    table = read_table(ORGANISATIONS, data, filename, "")
    mapped = map_table(ORGANISATIONS, table, "cress-bretagne", commune_lookup())
    found = sorted((e.line, e.column, e.code) for e in mapped.errors)
    assert found == sorted(expected)
    for error in mapped.errors:  # every message names its place, in either language
        assert error.describe("fr").startswith(f"ligne {error.line}, colonne {error.column} : ")
        assert error.describe("en").startswith(f"line {error.line}, column {error.column}: ")
    if not planted:
        assert len(mapped.triples) > 300
