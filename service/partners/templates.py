"""The templates a partner downloads: CSV (French Excel's ``;`` and BOM), XLSX with a help
sheet, and the CSVW metadata that makes the mapping machine-readable.

All three are written from :mod:`service.partners.kinds`, so they cannot disagree with the
importer. The CSV's ``Link: <…csv-metadata.json>; rel="describedby"`` follows CSVW's
locating rules; the metadata names each column in French and English, says what it means,
its datatype, whether it is required, and the ontology term it feeds.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from service.partners.kinds import Kind

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSVW_MEDIA_TYPE = "application/csvm+json"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_template(kind: Kind) -> bytes:
    """Header and one example row, ``;``-separated with a BOM: French Excel opens it as is."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.fr for c in kind.columns])
    writer.writerow([c.example for c in kind.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def example_cell(text: str) -> str | date:
    """The example as the workbook holds it: ``JJ/MM/AAAA`` becomes a real date."""
    found = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    if found is None:
        return text
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)


def xlsx_template(kind: Kind) -> bytes:
    """A workbook: the data sheet (header, example row) first, then the help sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "données"
    sheet.append([c.fr for c in kind.columns])
    sheet.append([example_cell(c.example) for c in kind.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.columns, start=1):
        example = sheet.cell(row=2, column=index)
        # a date is a date cell, shown the French way; everything else stays text (a SIREN
        # or an INSEE code typed as a number would lose its leading zeros)
        example.number_format = "DD/MM/YYYY" if isinstance(example.value, date) else "@"
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.example) + 2)
    help_sheet = book.create_sheet("aide")
    help_sheet.append(["colonne", "alias anglais", "obligatoire", "signification", "meaning"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        help_sheet.append(
            [
                column.fr,
                column.en,
                "oui" if column.required else "non",
                column.meaning_fr,
                column.meaning_en,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csvw_metadata(kind: Kind, csv_url: str) -> dict[str, Any]:
    """The CSVW description of the template (W3C *Metadata Vocabulary for Tabular Data*)."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "fr"}],
        "url": csv_url,
        "dc:title": [
            {"@value": kind.title_fr, "@language": "fr"},
            {"@value": kind.title_en, "@language": "en"},
        ],
        "dc:description": [
            {"@value": kind.about_fr, "@language": "fr"},
            {"@value": kind.about_en, "@language": "en"},
        ],
        "dialect": {"delimiter": ";", "encoding": "utf-8", "header": True, "trim": True},
        "tableSchema": {
            "columns": [
                {
                    "name": column.key,
                    "titles": {"fr": [column.fr], "en": [column.en]},
                    "dc:description": [
                        {"@value": column.meaning_fr, "@language": "fr"},
                        {"@value": column.meaning_en, "@language": "en"},
                    ],
                    "datatype": column.datatype,
                    "required": column.required,
                    **({"propertyUrl": column.property} if column.property else {}),
                }
                for column in kind.columns
            ]
        },
    }
