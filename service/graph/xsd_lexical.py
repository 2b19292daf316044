"""Which lexical forms each XSD datatype accepts, as SPARQL expressions the engine evaluates.

SHACL's ``sh:datatype`` fails a literal that carries the datatype but is ill-formed for it
("c"^^xsd:byte, "300"^^xsd:byte, "2021-02-29"^^xsd:date). The engine's own parser cannot be
the judge alone: its integers and decimals are bounded (a valid 30-digit xsd:integer does
not parse), it files every integer subtype under xsd:integer without checking the subtype's
range, and it rejects the valid gMonthDay "--02-29". So numbers and booleans are checked
against the XSD 1.1 lexical grammar itself (a regular expression, plus the range of the
bounded integer types), and the calendar types, whose validity depends on the calendar
(leap years, days per month), by the engine's cast, which knows it, behind the same
grammar. ``tests/service/test_xsd_lexical.py`` holds the table of cases per datatype.
"""

from __future__ import annotations

from rdflib.namespace import XSD

_SIGNED = r"[+-]?[0-9]+"
_UNSIGNED = r"(\+?[0-9]+|-0+)"
_DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_FLOAT = rf"({_DECIMAL}([Ee][+-]?[0-9]+)?|[+-]?INF|NaN)"
_TIMEZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_YEAR = r"-?([1-9][0-9]{4,}|[0-9]{4})"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
_SECONDS = r"[0-9]+(\.[0-9]+)?S"
# "T" only before at least one of hours, minutes, seconds (the engine accepts "P1YT").
_DAY_TIME = rf"([0-9]+D)?(T([0-9]+H([0-9]+M)?({_SECONDS})?|[0-9]+M({_SECONDS})?|{_SECONDS}))?"

#: Numbers and booleans: the lexical grammar decides alone (the bounds come apart).
_GRAMMAR: dict[str, str] = {
    "integer": _SIGNED,
    "decimal": _DECIMAL,
    "double": _FLOAT,
    "float": _FLOAT,
    "boolean": "(true|false|1|0)",
    "long": _SIGNED,
    "int": _SIGNED,
    "short": _SIGNED,
    "byte": _SIGNED,
    "nonNegativeInteger": _UNSIGNED,
    "unsignedLong": _UNSIGNED,
    "unsignedInt": _UNSIGNED,
    "unsignedShort": _UNSIGNED,
    "unsignedByte": _UNSIGNED,
    "positiveInteger": r"\+?[0-9]*[1-9][0-9]*",
    "nonPositiveInteger": r"(-[0-9]+|\+?0+)",
    "negativeInteger": r"-[0-9]*[1-9][0-9]*",
}
#: The bounded integer types: (least, greatest) value.
_BOUNDS: dict[str, tuple[int, int]] = {
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
#: Calendar types: the grammar, then the engine's cast (which knows the calendar).
_CALENDAR: dict[str, tuple[str, str]] = {
    "date": ("date", rf"{_YEAR}-[0-9]{{2}}-[0-9]{{2}}{_TIMEZONE}"),
    "dateTime": ("dateTime", rf"{_YEAR}-[0-9]{{2}}-[0-9]{{2}}T{_TIME}{_TIMEZONE}"),
    "dateTimeStamp": (
        "dateTime",
        rf"{_YEAR}-[0-9]{{2}}-[0-9]{{2}}T{_TIME}(Z|[+-][0-9]{{2}}:[0-9]{{2}})",
    ),
    "time": ("time", rf"{_TIME}{_TIMEZONE}"),
    "gYear": ("gYear", rf"{_YEAR}{_TIMEZONE}"),
    "gYearMonth": ("gYearMonth", rf"{_YEAR}-[0-9]{{2}}{_TIMEZONE}"),
    "gMonthDay": ("gMonthDay", rf"--[0-9]{{2}}-[0-9]{{2}}{_TIMEZONE}"),
    "gDay": ("gDay", rf"---[0-9]{{2}}{_TIMEZONE}"),
    "gMonth": ("gMonth", rf"--[0-9]{{2}}{_TIMEZONE}"),
    "duration": ("duration", rf"-?P([0-9]+Y)?([0-9]+M)?{_DAY_TIME}"),
    "dayTimeDuration": ("dayTimeDuration", rf"-?P{_DAY_TIME}"),
    "yearMonthDuration": ("yearMonthDuration", r"-?P([0-9]+Y)?([0-9]+M)?"),
}
# The engine checks "--02-29" against a year that is not leap; XSD has no year there.
_LEAP_DAY = rf"--02-29{_TIMEZONE}"

#: Every datatype whose lexical space is checked (others: the datatype IRI alone).
RECOGNISED = frozenset(XSD[name] for name in (*_GRAMMAR, *_CALENDAR))


def _matches(lexical: str, pattern: str) -> str:
    return f'regex({lexical}, "^{pattern.replace(chr(92), chr(92) * 2)}$")'


def well_formed(datatype: str, lexical: str) -> str | None:
    """A SPARQL expression, true when ``lexical`` (a string expression) is a lexical form of
    ``datatype``, never an error; ``None`` for a datatype whose lexical space is not known
    here (any lexical form is then accepted, as RDF does for unrecognised datatypes)."""
    if not datatype.startswith(str(XSD)):
        return None
    name = datatype.removeprefix(str(XSD))
    if name in _GRAMMAR:
        test = _matches(lexical, _GRAMMAR[name])
        if name in _BOUNDS:
            low, high = _BOUNDS[name]
            number = f"{XSD.decimal.n3()}({lexical})"
            test = f"({test} && COALESCE({number} >= {low}.0 && {number} <= {high}.0, false))"
        return test
    if name in _CALENDAR:
        cast, grammar = _CALENDAR[name]
        parses = f"COALESCE(isLiteral({XSD[cast].n3()}({lexical})), false)"
        if name == "gMonthDay":
            parses = f"({parses} || {_matches(lexical, _LEAP_DAY)})"
        return f"({_matches(lexical, grammar)} && {parses})"
    return None
