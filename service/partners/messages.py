"""Errors a person can act on, worded in French first and in English on request.

An error names the line and the column as the person's file shows them (the column header
they typed, French or English) and says what to do: « ligne 12, colonne SIREN : 21590350
n'est pas un SIREN (9 chiffres, clé de contrôle) ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["fr", "en"]

#: code → (French, English); ``{value}`` and the other fields come from the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("une valeur est obligatoire", "a value is required"),
    "siren": (
        "{value} n'est pas un SIREN (9 chiffres, clé de contrôle)",
        "{value} is not a SIREN (9 digits, check digit)",
    ),
    "date": (
        "« {value} » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ)",
        '"{value}" is not a date (DD/MM/YYYY or YYYY-MM-DD)',
    ),
    "date_or_year": (
        "« {value} » n'est ni une date (JJ/MM/AAAA ou AAAA-MM-JJ) ni une année (AAAA)",
        '"{value}" is neither a date (DD/MM/YYYY or YYYY-MM-DD) nor a year (YYYY)',
    ),
    "year": ("« {value} » n'est pas une année (AAAA)", '"{value}" is not a year (YYYY)'),
    "number": ("« {value} » n'est pas un nombre", '"{value}" is not a number'),
    "commune_unknown": (
        "« {value} » n'est pas une commune connue : indiquez le code INSEE",
        '"{value}" is not a known municipality: give its INSEE code',
    ),
    "commune_ambiguous": (
        "« {value} » correspond à plusieurs communes ({choices}) : indiquez le code INSEE",
        '"{value}" matches several municipalities ({choices}): give the INSEE code',
    ),
    "authority_unknown": (
        "« {value} » ne désigne aucune collectivité connue : indiquez son SIREN ou le code "
        "INSEE de sa commune",
        '"{value}" names no known local authority: give its SIREN or its municipality\'s '
        "INSEE code",
    ),
    "choice": (
        "« {value} » n'est pas une valeur possible ({choices})",
        '"{value}" is not one of the possible values ({choices})',
    ),
    "target_incomplete": (
        "une cible a une valeur et une unité",
        "a target has a value and a unit",
    ),
    "needs_axis": (
        "une cible se rattache à un axe : remplissez la colonne {axis}",
        "a target belongs to an axis: fill in the column {axis}",
    ),
    "speaker_incomplete": (
        "une intervention nomme la personne qui intervient et son organisation",
        "a talk names its speaker and the speaker's organisation",
    ),
    "conflict": (
        "« {value} » contredit la ligne {other} ({other_value})",
        '"{value}" contradicts line {other} ({other_value})',
    ),
    "unknown_columns": (
        "colonnes inconnues : {columns} (téléchargez le modèle pour les noms attendus)",
        "unknown columns: {columns} (download the template for the expected names)",
    ),
    "missing_columns": (
        "colonnes obligatoires absentes : {columns}",
        "required columns missing: {columns}",
    ),
    "empty_file": ("le fichier est vide", "the file is empty"),
    "no_rows": ("le fichier n'a aucune ligne de données", "the file has no data row"),
    "encoding": (
        "le fichier n'est pas en UTF-8 (dans Excel : « CSV UTF-8 »)",
        'the file is not UTF-8 (in Excel: "CSV UTF-8")',
    ),
    "unreadable_xlsx": (
        "le classeur XLSX ne peut pas être lu",
        "the XLSX workbook cannot be read",
    ),
    "xlsx_too_large": (
        "le classeur XLSX ferait {size} Mo une fois décompressé, au-delà des {limit} Mo "
        "acceptés : envoyez un fichier plus petit, ou en CSV",
        "the XLSX workbook would take {size} MB once uncompressed, more than the {limit} MB "
        "accepted: send a smaller file, or a CSV",
    ),
    "xlsx_too_many_cells": (
        "la première feuille du classeur XLSX a plus de {limit} cellules (vides comprises) : "
        "supprimez les lignes et colonnes inutiles, ou envoyez un CSV",
        "the XLSX workbook's first sheet has more than {limit} cells (empty ones included): "
        "delete the unused rows and columns, or send a CSV",
    ),
    "xlsx_too_costly": (
        "le classeur XLSX n'a pas pu être lu dans les limites de temps et de mémoire du "
        "service : envoyez un fichier plus petit, ou en CSV",
        "the XLSX workbook could not be read within the service's time and memory limits: "
        "send a smaller file, or a CSV",
    ),
    "shape": ("{message}", "{message}"),
}


@dataclass(frozen=True)
class UploadError:
    """One problem of an upload; ``line``/``column`` are None for the file as a whole."""

    code: str
    line: int | None = None
    column: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    #: a SHACL message in each language, when the error comes from a shape
    texts: dict[str, str] = field(default_factory=dict)

    def text(self, lang: Lang = "fr") -> str:
        """What is wrong, without the place."""
        if self.code == "shape":
            return self.texts.get(lang) or self.texts.get("fr") or self.params.get("message", "")
        french, english = MESSAGES[self.code]
        return (french if lang == "fr" else english).format(**self.params)

    def describe(self, lang: Lang = "fr") -> str:
        """The whole sentence: « ligne 12, colonne SIREN : … »."""
        place = []
        if self.line is not None:
            place.append(f"ligne {self.line}" if lang == "fr" else f"line {self.line}")
        if self.column is not None:
            place.append(f"colonne {self.column}" if lang == "fr" else f"column {self.column}")
        if not place:
            return self.text(lang)
        separator = " : " if lang == "fr" else ": "
        return ", ".join(place) + separator + self.text(lang)

    def as_json(self, lang: Lang = "fr") -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.text(lang),
            "description": self.describe(lang),
        }
