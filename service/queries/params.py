"""Typed query parameters: from a request string to an RDF term, or a typed refusal.

Every value reaches the query as an rdflib term bound through a ``VALUES`` block, never as
text. The checks here are about meaning, not safety: a value that cannot be the declared
type is refused with the parameter's name and the expected type, so a client learns what to
send instead of getting an empty answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from service.errors import EsskgError, InvalidIri
from service.namespaces import PREFIXES  # what a header may use in class/subclass_of
from service.store.base import Term
from service.store.terms import checked_iri

MAX_STRING = 200
MAX_IRI = 500
# Exact lexical forms, matched whole (``fullmatch``: ``$`` would let a final newline by).
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]{0,12})?|\.[0-9]{1,12})")
_YEAR = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # xsd:date without a time zone


class ParamType(StrEnum):
    IRI = "iri"
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    YEAR = "year"
    LANGUAGE = "language"
    BOOLEAN = "boolean"


#: How each type is named to a client in a refusal.
EXPECTED: dict[ParamType, str] = {
    ParamType.IRI: "an absolute IRI",
    ParamType.STRING: f"a text of at most {MAX_STRING} characters",
    ParamType.INTEGER: "an integer",
    ParamType.DECIMAL: "a decimal number",
    ParamType.DATE: "a date (YYYY-MM-DD)",
    ParamType.YEAR: "a year (YYYY)",
    ParamType.LANGUAGE: "a language tag (BCP 47, e.g. fr)",
    ParamType.BOOLEAN: "true or false",
}


@dataclass
class InvalidParameter(EsskgError):
    """A parameter value that is not of the declared type; the HTTP layer answers 422."""

    name: str
    expected: str
    value: str | None = None

    def __str__(self) -> str:
        return f"parameter '{self.name}' must be {self.expected}"


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its type, its documentation and its constraints."""

    name: str
    type: ParamType
    description: dict[str, str]
    required: bool = False
    default: str | None = None
    class_iri: str | None = None  # an IRI value must be an instance of this class
    subclass_of: str | None = None  # ... or a subclass of this one
    values: tuple[str, ...] = ()  # a static enumeration
    enumerated: bool = False  # the header's ``enumerate``: values drawn from the data
    minimum: int | None = None
    maximum: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def expected(self) -> str:
        """The expected type in words, as a 422 names it."""
        if self.values:
            return "one of " + ", ".join(self.values)
        if self.class_iri:
            return f"the IRI of a <{self.class_iri}>"
        if self.subclass_of:
            return f"the IRI of a subclass of <{self.subclass_of}>"
        words = EXPECTED[self.type]
        if self.minimum is not None and self.maximum is not None:
            words += f" between {self.minimum} and {self.maximum}"
        return words


def expand(name: str) -> str:
    """A full IRI from ``prefix:local`` or ``<iri>``."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    raise ValueError(f"unknown prefix in {name!r} (known: {', '.join(PREFIXES)})")


def parse_param_spec(name: str, raw: object, default: object, enumerated: bool) -> ParamSpec:
    """A :class:`ParamSpec` from one ``params`` entry of a header."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or name in ("page", "per_page", "format"):
        raise ValueError("names are lower-case words, and page/per_page/format are reserved")
    if not isinstance(raw, dict):
        raise ValueError("a declaration is a mapping with at least 'type' and 'description'")
    unknown = set(raw) - {
        "type",
        "description",
        "description_fr",
        "required",
        "class",
        "subclass_of",
        "values",
        "minimum",
        "maximum",
    }
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)}")
    try:
        kind = ParamType(str(raw.get("type")))
    except ValueError as exc:
        raise ValueError(f"type must be one of {[t.value for t in ParamType]}") from exc
    description = {"en": raw.get("description"), "fr": raw.get("description_fr")}
    if not all(isinstance(v, str) and v for v in description.values()):
        raise ValueError("'description' and 'description_fr' are required")
    values = tuple(str(v) for v in raw.get("values", ()))
    spec = ParamSpec(
        name=name,
        type=kind,
        description={k: str(v) for k, v in description.items()},
        required=bool(raw.get("required", False)),
        default=None if default is None else str(default),
        class_iri=expand(raw["class"]) if "class" in raw else None,
        subclass_of=expand(raw["subclass_of"]) if "subclass_of" in raw else None,
        values=values,
        enumerated=enumerated,
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
    )
    if (spec.class_iri or spec.subclass_of or enumerated) and kind is not ParamType.IRI:
        raise ValueError("'class', 'subclass_of' and 'enumerate' apply to iri parameters")
    if enumerated and not (spec.class_iri or spec.subclass_of):
        raise ValueError("an enumerated parameter needs 'class' or 'subclass_of'")
    if spec.default is not None:
        try:
            to_term(spec, spec.default)  # a default must itself be valid
        except InvalidParameter as exc:
            raise ValueError(f"default {spec.default!r} is not {spec.expected}") from exc
    return spec


def to_term(spec: ParamSpec, value: str) -> Term:
    """The RDF term ``value`` stands for, or :class:`InvalidParameter`."""

    def refuse() -> InvalidParameter:
        return InvalidParameter(spec.name, spec.expected, value[:100])

    if spec.values and value not in spec.values:
        raise refuse()
    kind = spec.type
    if kind is ParamType.IRI:
        if len(value) > MAX_IRI:
            raise refuse()
        try:
            return URIRef(checked_iri(value, spec.name))
        except InvalidIri as exc:
            raise refuse() from exc
    if kind is ParamType.STRING:
        if len(value) > MAX_STRING or not value.strip():
            raise refuse()
        return Literal(value)
    if kind is ParamType.LANGUAGE:
        if not _LANGUAGE.fullmatch(value):
            raise refuse()
        return Literal(value.lower())
    if kind is ParamType.BOOLEAN:
        if value not in ("true", "false"):
            raise refuse()
        return Literal(value == "true")
    if kind is ParamType.INTEGER:
        if not _INTEGER.fullmatch(value):
            raise refuse()
        number = int(value)
        _check_range(spec, number, refuse)
        return Literal(number, datatype=XSD.integer)
    if kind is ParamType.DECIMAL:
        if not _DECIMAL.fullmatch(value):
            raise refuse()
        try:
            return Literal(Decimal(value), datatype=XSD.decimal)
        except InvalidOperation as exc:  # pragma: no cover - the pattern forbids it
            raise refuse() from exc
    if kind is ParamType.YEAR:
        if not _YEAR.fullmatch(value):
            raise refuse()
        _check_range(spec, int(value), refuse)
        return Literal(value, datatype=XSD.gYear)
    if kind is ParamType.DATE:
        if not _DATE.fullmatch(value):  # fromisoformat also takes 20200101 and 2020-W01-1
            raise refuse()
        try:
            return Literal(date.fromisoformat(value), datatype=XSD.date)
        except ValueError as exc:
            raise refuse() from exc
    raise AssertionError(kind)  # pragma: no cover


def _check_range(spec: ParamSpec, number: int, refuse: Any) -> None:
    if (spec.minimum is not None and number < spec.minimum) or (
        spec.maximum is not None and number > spec.maximum
    ):
        raise refuse()


def json_schema(spec: ParamSpec, enum: list[str] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 (JSON Schema) description of the parameter's values."""
    schema: dict[str, Any]
    kind = spec.type
    if kind is ParamType.IRI:
        schema = {"type": "string", "format": "iri", "maxLength": MAX_IRI}
    elif kind is ParamType.STRING:
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_STRING}
    elif kind is ParamType.LANGUAGE:
        schema = {"type": "string", "pattern": f"^{_LANGUAGE.pattern}$"}
    elif kind is ParamType.BOOLEAN:
        schema = {"type": "boolean"}
    elif kind is ParamType.INTEGER:
        schema = {"type": "integer"}
    elif kind is ParamType.DECIMAL:
        schema = {"type": "number"}
    elif kind is ParamType.YEAR:
        schema = {"type": "integer", "minimum": 1000, "maximum": 9999}
    else:
        schema = {"type": "string", "format": "date"}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    choices = list(spec.values) or enum
    if choices:
        schema["enum"] = choices
    if spec.default is not None:
        schema["default"] = int(spec.default) if kind in _NUMERIC else spec.default
    return schema


_NUMERIC = (ParamType.INTEGER, ParamType.YEAR)
