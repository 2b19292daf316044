"""Readable accounts of what a check found, grouped the way an editor fixes them: by file."""

from __future__ import annotations

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
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        for name in _files_of(problem, subject_files):
            by_file[name].append(problem)
    lines: list[str] = []
    for name in sorted(by_file):
        lines.append(f"{name}:")
        lines.extend("  " + p.describe().replace("\n", "\n  ") for p in by_file[name])
    return "\n".join(lines)


def syntax_report(errors: Iterable[RdfSyntaxError]) -> str:
    return "\n".join(f"{e}" for e in errors)


def summary_line(violations: int, warnings: int) -> str:
    return f"{violations} violation(s), {warnings} warning(s)"
