"""One cell at a time: the value checks a spreadsheet's cells go through.

Each parser returns the typed value or raises :class:`CellError` with a message code and
its parameters (worded by :mod:`service.partners.messages`), so a person is told what is
wrong with the cell they typed, in their language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation


@dataclass
class CellError(Exception):
    """A cell that cannot be read; ``code`` names the message, ``params`` fill it."""

    code: str
    params: dict[str, str] = field(default_factory=dict)


_SIREN = re.compile(r"^[0-9]{9}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def luhn_ok(digits: str) -> bool:
    """The Luhn check INSEE uses for SIRENs (the same one the shapes run)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def siren(text: str) -> str:
    """A SIREN as typed (spaces allowed, as on a Kbis: ``552 100 554``)."""
    compact = re.sub(r"[\s.]", "", text)
    if not _SIREN.match(compact) or not luhn_ok(compact):
        raise CellError("siren", {"value": text})
    return compact


def a_date(text: str) -> date:
    """``JJ/MM/AAAA`` (French Excel) or ISO ``AAAA-MM-JJ``; anything else is refused."""
    found = _DAY_FIRST.match(text) or _ISO.match(text)
    if found is None:
        raise CellError("date", {"value": text})
    parts = [int(p) for p in found.groups()]
    day, month, year = parts if found.re is _DAY_FIRST else reversed(parts)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError("date", {"value": text}) from exc


def date_or_year(text: str) -> date | int:
    """A full date, or a year alone (``2021``) where only the year is known."""
    if _YEAR.match(text):
        return int(text)
    try:
        return a_date(text)
    except CellError as exc:
        raise CellError("date_or_year", {"value": text}) from exc


def year(text: str) -> int:
    if not _YEAR.match(text):
        raise CellError("year", {"value": text})
    return int(text)


def number(text: str) -> Decimal:
    """A number as French Excel writes it (``12,5``, ``1 000``) or as a program does."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".").rstrip("%")
    try:
        value = Decimal(compact)
    except InvalidOperation as exc:
        raise CellError("number", {"value": text}) from exc
    if not value.is_finite():
        raise CellError("number", {"value": text})
    return value


def several(text: str) -> list[str]:
    """A cell listing several values, separated by ``|`` or a line break."""
    return [part.strip() for part in re.split(r"[|\n]", text) if part.strip()]
