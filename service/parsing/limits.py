"""The bounds one request's RDF is parsed within, read from the settings."""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.settings import Settings

#: The parsed triples, as N-Quads, may take this many times the largest body (real data
#: grows 2 to 3.5 times from Turtle to N-Quads; a prefix-heavy hostile document, unbounded).
OUTPUT_FACTOR = 8


@dataclass(frozen=True)
class ParseLimits:
    """Nesting depth, wall-clock seconds, memory beyond the server's, N-Quads bytes, and
    parses one client may have running at once."""

    max_nesting: int
    timeout: float
    memory_bytes: int
    max_output_bytes: int
    client_parses: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(
            max_nesting=settings.max_nesting,
            timeout=settings.parse_timeout,
            memory_bytes=settings.parse_memory_bytes,
            max_output_bytes=OUTPUT_FACTOR * settings.max_body_bytes,
            client_parses=settings.client_parses,
        )

    @property
    def cpu_seconds(self) -> int:
        """The parser's CPU allowance: a backstop, the wall-clock deadline comes first."""
        return math.ceil(self.timeout) + 1
