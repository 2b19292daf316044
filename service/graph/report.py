"""Readable accounts of what a check found, grouped the way an editor fixes them: by file."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from service.errors import RdfSyntaxError
from service.graph.validate import Problem


def _files_of(problem: Problem, subject_files: Mapping[str, set[str]]) -> list[str]:
    focus = problem.focus
    key = focus[1:-1] if focus.startswith("<") else focus.removeprefix("_:")
    return sorted(subject_files.get(key, set())) or ["(no single source file)"]


def shacl_report(problems: Iterable[Problem], subject_files: Mapping[str, set[str]]) -> str:
    """Problems grouped under the source file(s) that state their focus node."""
    return _by_file(
        [(p.describe(), _files_of(p, subject_files)) for p in problems],
    )


def _by_file(found: Iterable[tuple[str, list[str]]]) -> str:
    """Each text (of several lines, perhaps) under each file it belongs to, files sorted."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for text, files in found:
        for name in files:
            by_file[name].append(text)
    lines: list[str] = []
    for name in sorted(by_file):
        lines.append(f"{name}:")
        lines.extend("  " + text.replace("\n", "\n  ") for text in by_file[name])
    return "\n".join(lines)


#: What separates the resources an inconsistency message names (IRIs bare or in brackets).
_SEPARATORS = re.compile(r"[\s,;()]+")


def _files_named(message: str, subject_files: Mapping[str, set[str]]) -> list[str]:
    """The files that describe a resource the message names: the reasoner reports
    resources, not files, and an editor (or a contribution's owner) fixes a file."""
    found: set[str] = set()
    for token in _SEPARATORS.split(message):
        key = token.removeprefix("<").removesuffix(">").removeprefix("_:")
        found |= subject_files.get(key, set())
    return sorted(found) or ["(no single source file)"]


def inconsistency_report(messages: Iterable[str], subject_files: Mapping[str, set[str]]) -> str:
    """OWL 2 RL inconsistencies grouped under the file(s) describing the individuals they
    name, as SHACL problems are: so a build that an ontology change breaks names the
    contribution it breaks."""
    return _by_file([(m, _files_named(m, subject_files)) for m in messages])


def syntax_report(errors: Iterable[RdfSyntaxError]) -> str:
    return "\n".join(f"{e}" for e in errors)


def summary_line(violations: int, warnings: int) -> str:
    return f"{violations} violation(s), {warnings} warning(s)"
