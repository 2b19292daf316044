"""The partner path without a store: reading files, checking cells, mapping rows, wording
errors. The commune table is a small real extract of the COG (two Saint-Denis included)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from service.parsing.limits import ParseLimits
from service.partners import values
from service.partners.kinds import KINDS, ORGANISATIONS
from service.partners.lookup import Commune, Lookup
from service.partners.mapping import map_table
from service.partners.messages import UploadError
from service.partners.table import read_table
from service.partners.templates import csv_template, csvw_metadata, xlsx_template
from service.partners.upload import read_upload_table
from service.partners.values import CellError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "partners"
TERRITORY = "https://w3id.org/esskg/id/territoire/commune-"
AUTHORITY = "https://w3id.org/esskg/id/collectivite/commune-"
#: (code, name) of the communes the CRESS file names, as the COG spells them
COMMUNES = [
    ("35238", "Rennes"),
    ("35047", "Bruz"),
    ("35051", "Cesson-Sévigné"),
    ("59183", "Dunkerque"),
    ("35210", "Pacé"),
    ("61321", "Pacé"),
    ("35240", "Le Rheu"),
    ("35066", "Chantepie"),
    ("35055", "Chartres-de-Bretagne"),
    ("35039", "Bourgbarré"),
    ("35001", "Acigné"),
    ("35024", "Betton"),
    ("35281", "Saint-Grégoire"),
    ("93066", "Saint-Denis"),
    ("97411", "Saint-Denis"),
]


def commune_lookup() -> Lookup:
    """A lookup holding the communes of ``COMMUNES`` only (no store)."""
    from service.french_names import core

    found = Lookup()
    for code, name in COMMUNES:
        commune = Commune(code, name, TERRITORY + code, AUTHORITY + code)
        found.communes[code] = commune
        found.commune_names[core(name)].append(commune)
    return found


@pytest.fixture
def lookup() -> Lookup:
    return commune_lookup()


def _lines(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _semicolon_bom(path: Path) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(_lines(path))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(path: Path) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in _lines(path):
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_cress_file_gets_exactly_its_five_errors_in_french(lookup: Lookup) -> None:
    data = (FIXTURES / "cress-membres-erreurs.csv").read_bytes()
    table = read_table(ORGANISATIONS, data, "membres.csv", "text/csv")
    mapped = map_table(ORGANISATIONS, table, "cress-bretagne", lookup)
    assert [e.describe("fr") for e in mapped.errors] == [
        "ligne 4, colonne commune : « Villebidon-sur-Mer » n'est pas une commune connue : "
        "indiquez le code INSEE",
        "ligne 12, colonne SIREN : 552100555 n'est pas un SIREN (9 chiffres, clé de contrôle)",
        "ligne 22, colonne commune : « St Denis » correspond à plusieurs communes "
        "(93066 Saint-Denis, 97411 Saint-Denis) : indiquez le code INSEE",
        "ligne 32, colonne date d'adhésion : « 31/02/2021 » n'est pas une date "
        "(JJ/MM/AAAA ou AAAA-MM-JJ)",
        "ligne 42, colonne nom : une valeur est obligatoire",
    ]
    assert mapped.errors[1].describe("en") == (
        "line 12, column SIREN: 552100555 is not a SIREN (9 digits, check digit)"
    )


def test_xlsx_and_semicolon_bom_csv_give_the_same_triples(lookup: Lookup) -> None:
    path = FIXTURES / "cress-membres.csv"
    comma = read_table(ORGANISATIONS, path.read_bytes(), "m.csv", "text/csv")
    semicolon = read_table(ORGANISATIONS, _semicolon_bom(path), "m.csv", "text/csv")
    workbook = read_table(ORGANISATIONS, _xlsx(path), "m.xlsx", "")
    results = [
        map_table(ORGANISATIONS, t, "cress-bretagne", lookup) for t in (comma, semicolon, workbook)
    ]
    assert not any(r.errors for r in results)
    assert len(comma.rows) == 50
    assert results[0].triples == results[1].triples == results[2].triples
    assert len(results[0].triples) > 300


def test_same_file_maps_to_the_same_iris(lookup: Lookup) -> None:
    data = (FIXTURES / "cress-membres.csv").read_bytes()
    first = map_table(ORGANISATIONS, read_table(ORGANISATIONS, data, "a.csv", ""), "p", lookup)
    again = map_table(ORGANISATIONS, read_table(ORGANISATIONS, data, "a.csv", ""), "p", lookup)
    assert first.triples == again.triples


def test_english_headers_are_accepted(lookup: Lookup) -> None:
    data = b"name,siren,municipality,network\nLa Ruche,,35238,CRESS Bretagne\n"
    table = read_table(ORGANISATIONS, data, "a.csv", "text/csv")
    assert table.rows[0].cells == {
        "name": "La Ruche",
        "commune": "35238",
        "network": "CRESS Bretagne",
    }


def test_unknown_column_is_named() -> None:
    with pytest.raises(CellError) as caught:
        read_table(ORGANISATIONS, b"nom;couleur\nX;bleu\n", "a.csv", "text/csv")
    assert caught.value.code == "unknown_columns" and "couleur" in caught.value.params["columns"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("552100554", True), ("552 100 554", True), ("552100555", False), ("21590350", False)],
)
def test_siren_needs_nine_digits_and_its_check_digit(text: str, ok: bool) -> None:
    if ok:
        assert values.siren(text) == text.replace(" ", "")
    else:
        with pytest.raises(CellError):
            values.siren(text)


@pytest.mark.parametrize(
    ("text", "iso"), [("15/03/2021", "2021-03-15"), ("2021-03-15", "2021-03-15")]
)
def test_dates_french_or_iso(text: str, iso: str) -> None:
    assert values.a_date(text).isoformat() == iso


def test_number_as_french_excel_writes_it() -> None:
    assert str(values.number("1 234,5")) == "1234.5"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_templates_read_back_with_their_example_row(kind: str, lookup: Lookup) -> None:
    spec = KINDS[kind]
    for data, name in ((csv_template(spec), f"{kind}.csv"), (xlsx_template(spec), f"{kind}.xlsx")):
        table = read_table(spec, data, name, "")
        assert len(table.rows) == 1
        assert set(table.rows[0].cells) == {c.key for c in spec.columns}
    book = load_workbook(io.BytesIO(xlsx_template(spec)))
    assert book.sheetnames == ["données", "aide"]
    metadata = csvw_metadata(spec, f"http://127.0.0.1/{kind}.csv")
    columns = metadata["tableSchema"]["columns"]
    assert [c["titles"]["fr"][0] for c in columns] == [c.fr for c in spec.columns]
    assert all(c["dc:description"][0]["@language"] == "fr" for c in columns)


def test_xlsx_example_dates_are_real_dates_that_read_as_the_csv_does() -> None:
    """Excel shows a date cell the French way and sorts it as a date; the reader takes it
    as the same day the CSV's ``JJ/MM/AAAA`` text gives."""
    from datetime import datetime

    spec = ORGANISATIONS
    sheet = load_workbook(io.BytesIO(xlsx_template(spec)))["données"]
    since = [c.key for c in spec.columns].index("since") + 1
    cell = sheet.cell(row=2, column=since)
    assert isinstance(cell.value, datetime) and cell.number_format == "DD/MM/YYYY"
    siren = sheet.cell(row=2, column=[c.key for c in spec.columns].index("siren") + 1)
    assert isinstance(siren.value, str)  # identifiers stay text
    from_xlsx = read_table(spec, xlsx_template(spec), "o.xlsx", "").rows[0].get("since")
    from_csv = read_table(spec, csv_template(spec), "o.csv", "").rows[0].get("since")
    assert values.a_date(from_xlsx) == values.a_date(from_csv)


# -- workbooks that expand without end (issue 10): refused, read only in a bounded child ------

LIMITS = ParseLimits(max_nesting=64, timeout=20, memory_bytes=300_000_000, max_output_bytes=10**8)


def _zip_bomb() -> bytes:
    """The organisations template with a 200 MB file of zeros added: 200 KB on the wire."""
    out = io.BytesIO(xlsx_template(ORGANISATIONS))
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * 200_000_000)
    return out.getvalue()


def _sparse_sheet(rows: int) -> bytes:
    """A valid sheet with a header and one value ``rows`` lines down: a few KB, and as many
    empty cells as the reader yields between them."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for index, column in enumerate(ORGANISATIONS.columns, start=1):
        sheet.cell(row=1, column=index, value=column.fr)
    sheet.cell(row=rows, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_read() -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 1_000_000
    with pytest.raises(CellError) as refused:
        read_table(ORGANISATIONS, bomb, "bombe.xlsx", "")
    assert refused.value.code == "xlsx_too_large"
    error = UploadError(refused.value.code, params=refused.value.params)
    assert error.text("fr").startswith("le classeur XLSX ferait 200 Mo une fois décompressé")
    assert "64 MB" in error.text("en")


def test_a_sheet_of_too_many_cells_is_refused() -> None:
    with pytest.raises(CellError) as refused:
        read_table(ORGANISATIONS, _sparse_sheet(200_000), "creux.xlsx", "")
    assert refused.value.code == "xlsx_too_many_cells"
    assert "500,000" in UploadError("xlsx_too_many_cells", params=refused.value.params).text()
    assert read_table(ORGANISATIONS, _sparse_sheet(20), "court.xlsx", "").rows


def test_the_server_reads_a_workbook_only_in_a_bounded_child() -> None:
    with pytest.raises(CellError) as refused:
        read_upload_table("organisations", _zip_bomb(), "bombe.xlsx", "", LIMITS, "10.0.0.1")
    assert refused.value.code == "xlsx_too_large"  # the child's refusal, sent back
    table = read_upload_table(
        "organisations", xlsx_template(ORGANISATIONS), "modele.xlsx", "", LIMITS
    )
    assert table.rows  # the template's example row
    hurried = ParseLimits(64, timeout=0.01, memory_bytes=300_000_000, max_output_bytes=10**8)
    with pytest.raises(CellError) as costly:  # stopped at the time limit
        read_upload_table("organisations", _sparse_sheet(100_000), "creux.xlsx", "", hurried)
    assert costly.value.code == "xlsx_too_costly"
