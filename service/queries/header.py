"""The ``#+`` YAML header at the top of a canned query (grlc's convention, extended).

grlc reads ``summary``, ``description``, ``tags``, ``method``, ``defaults``, ``enumerate`` and
``pagination`` from lines starting with ``#+``; a SPARQL client sees only comments, so the
file stays runnable as is. We add ``summary_fr``/``description_fr`` (the grlc keys hold the
English text, which grlc shows) and ``params``, the typed parameter declarations that grlc
would infer from variable names. Unknown keys are refused so that a typo cannot silently
drop a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from service.errors import EsskgError
from service.queries.params import ParamSpec, parse_param_spec

_KNOWN_KEYS = frozenset(
    {
        "summary",
        "summary_fr",
        "description",
        "description_fr",
        "tags",
        "method",
        "params",
        "defaults",
        "enumerate",
        "pagination",
    }
)


@dataclass
class HeaderError(EsskgError):
    """A header that does not parse or breaks the catalogue's rules; names the file."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class QueryHeader:
    """What a query's header declares, checked and typed."""

    summary: dict[str, str]
    description: dict[str, str]
    tags: tuple[str, ...]
    method: str
    params: tuple[ParamSpec, ...]
    pagination: int | None
    enumerate: frozenset[str] = field(default_factory=frozenset)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def header_text(text: str) -> str:
    """The YAML held by the leading ``#+`` lines (blank lines between them are allowed)."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            lines.append(stripped[2:].removeprefix(" ") if stripped[2:3] == " " else stripped[2:])
        elif stripped == "" and not lines:
            continue
        else:
            break
    return "\n".join(lines)


def _bilingual(data: dict[str, Any], key: str, source: str) -> dict[str, str]:
    values = {"en": data.get(key), "fr": data.get(f"{key}_fr")}
    for lang, value in values.items():
        if not isinstance(value, str) or not value.strip():
            suffix = "" if lang == "en" else "_fr"
            raise HeaderError(source, f"'{key}{suffix}' must be a non-empty string")
    return {lang: " ".join(str(v).split()) for lang, v in values.items()}


def parse_header(text: str, source: str = "<query>") -> QueryHeader:
    """Parse and check the header of one query file."""
    try:
        data = yaml.safe_load(header_text(text)) or {}
    except yaml.YAMLError as exc:
        raise HeaderError(source, f"header is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise HeaderError(source, "header must be a YAML mapping")
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise HeaderError(source, f"unknown header key(s): {', '.join(sorted(unknown))}")
    method = str(data.get("method", "GET")).upper()
    if method != "GET":
        raise HeaderError(source, "only 'method: GET' is served (queries never write)")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise HeaderError(source, "'tags' must be a list of strings")

    raw_params = data.get("params") or {}
    if not isinstance(raw_params, dict):
        raise HeaderError(source, "'params' must map parameter names to declarations")
    defaults = _defaults(data.get("defaults"), source)
    enumerated = data.get("enumerate") or []
    if not isinstance(enumerated, list):
        raise HeaderError(source, "'enumerate' must be a list of parameter names")
    params = []
    for name, spec in raw_params.items():
        try:
            params.append(
                parse_param_spec(str(name), spec, defaults.get(str(name)), name in enumerated)
            )
        except ValueError as exc:
            raise HeaderError(source, f"parameter '{name}': {exc}") from exc
    for name in [*defaults, *enumerated]:
        if name not in raw_params:
            raise HeaderError(source, f"'{name}' is not a declared parameter")

    pagination = data.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination < 1):
        raise HeaderError(source, "'pagination' must be a positive page size")
    return QueryHeader(
        summary=_bilingual(data, "summary", source),
        description=_bilingual(data, "description", source),
        tags=tuple(tags),
        method=method,
        params=tuple(params),
        pagination=pagination,
        enumerate=frozenset(str(e) for e in enumerated),
    )


def _defaults(raw: object, source: str) -> dict[str, Any]:
    """grlc writes defaults as a list of one-key mappings; a plain mapping is accepted too."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    if isinstance(raw, list) and all(isinstance(d, dict) and len(d) == 1 for d in raw):
        return {str(k): v for d in raw for k, v in d.items()}
    raise HeaderError(source, "'defaults' must be a list of '- name: value' entries")
