"""The lexical check behind ``sh:datatype``, against the XSD 1.1 lexical spaces.

The verdicts are XSD 1.1 Part 2's (the lexical grammar of each type, the ranges of the
bounded integer types, the calendar), written out case by case; the expression under test
is evaluated by the engine, as the compiled shapes evaluate it.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.namespace import XSD

from service.graph.xsd_lexical import RECOGNISED, well_formed

VALID: dict[str, list[str]] = {
    "integer": ["0", "-0", "+5", "0042", "123456789012345678901234567890"],
    "decimal": ["4.0", "-.5", "5.", "+1.50", "123456789012345678901234567890.5"],
    "double": ["1.0E6", "1e-5", ".5e1", "5.", "INF", "-INF", "+INF", "NaN", "1E400"],
    "float": ["1.5", "-0", "INF", "1e50"],
    "boolean": ["true", "false", "1", "0"],
    "byte": ["-128", "127", "+0", "007"],
    "short": ["-32768", "32767"],
    "int": ["-2147483648", "2147483647"],
    "long": ["-9223372036854775808", "9223372036854775807"],
    "unsignedByte": ["0", "255", "-0", "+1"],
    "unsignedShort": ["65535"],
    "unsignedInt": ["4294967295"],
    "unsignedLong": ["18446744073709551615"],
    "nonNegativeInteger": ["0", "-0", "+7", "123456789012345678901234567890"],
    "positiveInteger": ["1", "+01", "123456789012345678901234567890"],
    "nonPositiveInteger": ["0", "-0", "+0", "-5"],
    "negativeInteger": ["-1", "-007"],
    "date": ["2020-02-29", "2020-01-01Z", "2020-01-01+14:00", "-0001-01-01", "12020-01-01"],
    "dateTime": ["2020-01-01T00:00:00", "2020-01-01T24:00:00", "2020-01-01T10:00:00.50Z"],
    "dateTimeStamp": ["2020-01-01T10:00:00Z", "2020-01-01T10:00:00-05:00"],
    "time": ["10:00:00", "23:59:59.999", "10:00:00+01:00"],
    "gYear": ["2020", "0000", "-0000", "-0001", "12020", "2020Z", "2020+05:00"],
    "gYearMonth": ["2020-12", "2020-01Z"],
    "gMonthDay": ["--02-29", "--12-31", "--01-01Z"],
    "gDay": ["---01", "---31"],
    "gMonth": ["--01", "--12Z"],
    "duration": ["P1Y", "-P1D", "PT1H", "P1Y2M3DT4H5M6.7S", "PT0.5S"],
    "dayTimeDuration": ["P1D", "PT1M", "-P1DT2H"],
    "yearMonthDuration": ["P1Y", "P1Y2M", "-P3M"],
}
INVALID: dict[str, list[str]] = {
    "integer": ["c", " 5", "5 ", "1.0", "", "+", "1e3"],
    "decimal": ["1e5", "c", ".", "", "1,5", "INF"],
    "double": ["1e", "c", "inf", "E5", "", "1.0E"],
    "float": ["c", "NAN"],
    "boolean": ["none", "TRUE", "yes", " true", ""],
    "byte": ["c", "300", "-129", "128", "1.0"],
    "short": ["32768", "-32769"],
    "int": ["2147483648"],
    "long": ["9223372036854775808", "-9223372036854775809"],
    "unsignedByte": ["256", "-1"],
    "unsignedShort": ["65536"],
    "unsignedInt": ["4294967296"],
    "unsignedLong": ["18446744073709551616", "123456789012345678901234567890"],
    "nonNegativeInteger": ["-1", "c"],
    "positiveInteger": ["0", "-0", "-1", "+0"],
    "nonPositiveInteger": ["1", "-", "+1"],
    "negativeInteger": ["0", "-0", "1"],
    "date": [
        "2020-02-30",
        "2021-02-29",
        "20-01-01",
        "2020-1-01",
        "2020-01-01+14:01",
        "+2020-01-01",
    ],
    "dateTime": [
        "2020-01-01T25:00:00",
        "2020-01-01",
        "2020-01-01T10:00:00.",
        "2020-01-01 10:00:00",
    ],
    "dateTimeStamp": ["2020-01-01T10:00:00"],
    "time": ["10:00", "10:00:60", "24:00:01", "1:00:00"],
    "gYear": ["20", "02020", "2020-01", "+2020"],
    "gYearMonth": ["2020-13", "2020-1", "2020"],
    "gMonthDay": ["--02-30", "--13-01", "02-01"],
    "gDay": ["---32", "---00", "--01"],
    "gMonth": ["--13", "--00", "--12--"],
    "duration": ["P", "PT", "P1YT", "P1.5Y", "P1W", "P-1Y", "PT.5S", "1Y"],
    "dayTimeDuration": ["P1Y", "P1M", "P"],
    "yearMonthDuration": ["P1D", "PT1H", "P"],
}


def _holds(datatype: str, lexical: str) -> bool:
    expression = well_formed(str(XSD[datatype]), "?lex")
    assert expression is not None
    query = f"SELECT ({expression} AS ?ok) WHERE {{ BIND ({ox.Literal(lexical)} AS ?lex) }}"
    solutions = ox.Store().query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    answer = next(iter(solutions))["ok"]
    assert answer is not None, f"{expression} is an error on {lexical!r}"
    return answer == ox.Literal(True)


CASES = [(dt, lex, True) for dt, lexes in VALID.items() for lex in lexes] + [
    (dt, lex, False) for dt, lexes in INVALID.items() for lex in lexes
]


@pytest.mark.parametrize(("datatype", "lexical", "valid"), CASES)
def test_lexical_space(datatype: str, lexical: str, valid: bool) -> None:
    assert _holds(datatype, lexical) is valid


def test_every_recognised_datatype_has_cases() -> None:
    assert {XSD[name] for name in VALID} == set(RECOGNISED) == {XSD[name] for name in INVALID}


def test_other_datatypes_are_not_judged() -> None:
    assert well_formed(str(XSD.token), "?lex") is None
    assert well_formed("http://example.org/my-datatype", "?lex") is None
