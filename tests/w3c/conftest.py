"""Prints the W3C SHACL Core scores once the run is over."""

from __future__ import annotations

import pytest

from tests.w3c.shacl_manifest import score_lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = score_lines()
    if lines:
        terminalreporter.section("W3C SHACL Core")
        for line in lines:
            terminalreporter.write_line(line)
