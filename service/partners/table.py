"""A person's spreadsheet, read into rows: the pure decoder of uploads.

CSV in UTF-8 with or without a byte-order mark, separated by ``,`` or ``;`` (French Excel
writes ``;``), or an XLSX workbook (its first sheet, read by openpyxl). Headers are matched
to the kind's columns in French or English, whatever their case, accents or spacing. Rows
are numbered as the spreadsheet numbers its lines (the header is line 1), so an error's
« ligne 12 » is the line a person sees. Entirely empty rows are skipped.

An XLSX is a zip of XML: a few kilobytes can expand to gigabytes, or declare a sheet of a
billion empty cells. So a workbook whose files would take more than :data:`MAX_XLSX_BYTES`
once uncompressed (the sizes the zip declares, which the reader holds each file to), or
whose first sheet yields more than :data:`MAX_XLSX_CELLS` cells, is refused with a clear
error before or while it is read; and the server reads it only through
:func:`service.partners.upload.read_upload_table`, in a bounded child process.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from service.partners.kinds import Kind
from service.partners.values import CellError

#: The most a workbook's files may take once uncompressed, all together (a partner's
#: 10,000-row sheet takes a few megabytes).
MAX_XLSX_BYTES = 64_000_000
#: The most cells the first sheet may yield, empty ones included (10,000 rows of 50 columns).
MAX_XLSX_CELLS = 500_000

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Row:
    """One line of the file: its line number and its non-empty cells by column key."""

    line: int
    cells: dict[str, str]

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class Table:
    """What a file says: the header each column key was found under, and the rows."""

    headers: dict[str, str]
    rows: list[Row]

    def header(self, key: str, fallback: str) -> str:
        return self.headers.get(key, fallback)


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing removed: how headers are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters if c.isalnum())


def _match_headers(kind: Kind, header: list[str]) -> dict[int, str]:
    names = {}
    for column in kind.columns:
        names[fold(column.fr)] = column.key
        names[fold(column.en)] = column.key
        names[fold(column.key)] = column.key
    found: dict[int, str] = {}
    unknown = []
    for index, title in enumerate(header):
        key = names.get(fold(title))
        if key is not None and key not in found.values():
            found[index] = key
        elif title.strip():
            unknown.append(title.strip())
    if unknown:
        raise CellError("unknown_columns", {"columns": ", ".join(unknown)})
    missing = [c.fr for c in kind.columns if c.required and c.key not in found.values()]
    if missing:
        raise CellError("missing_columns", {"columns": ", ".join(missing)})
    return found


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(kind: Kind, lines: list[list[str]]) -> Table:
    if not lines:
        raise CellError("empty_file")
    columns = _match_headers(kind, lines[0])
    headers = {key: lines[0][index].strip() for index, key in columns.items()}
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        cells = {
            key: values[index].strip()
            for index, key in columns.items()
            if index < len(values) and values[index].strip()
        }
        if cells:
            rows.append(Row(number, cells))
    return Table(headers, rows)


def read_csv(kind: Kind, data: bytes) -> Table:
    """A CSV file: UTF-8 (a BOM is dropped), ``;`` or ``,`` chosen by the header line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CellError("encoding") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(kind, [list(r) for r in reader])


def read_xlsx(kind: Kind, data: bytes) -> Table:
    """The first sheet of an XLSX workbook, values as displayed (dates as dates)."""
    from openpyxl import load_workbook

    try:
        _check_uncompressed(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CellError("unreadable_xlsx") from exc
    try:
        sheet = book.worksheets[0]
        lines: list[list[str]] = []
        cells = 0
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_XLSX_CELLS:
                raise CellError("xlsx_too_many_cells", {"limit": f"{MAX_XLSX_CELLS:,}"})
            lines.append([_cell_text(v) for v in row])
    finally:
        book.close()
    return _table(kind, lines)


def _check_uncompressed(data: bytes) -> None:
    """Refuse a workbook whose files declare more than :data:`MAX_XLSX_BYTES` in all (the
    zip reader stops each file at its declared size, so the declaration bounds the reading)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > MAX_XLSX_BYTES:
        raise CellError(
            "xlsx_too_large",
            {"size": str(total // 1_000_000), "limit": str(MAX_XLSX_BYTES // 1_000_000)},
        )


def is_xlsx(data: bytes, filename: str, media_type: str) -> bool:
    """An XLSX by its type, its name or its zip signature (browsers often send none)."""
    return (
        media_type == XLSX_TYPE
        or filename.lower().endswith(".xlsx")
        or (data[:2] == b"PK" and not filename.lower().endswith(".csv"))
    )


def read_table(kind: Kind, data: bytes, filename: str, media_type: str) -> Table:
    if is_xlsx(data, filename, media_type):
        return read_xlsx(kind, data)
    return read_csv(kind, data)
