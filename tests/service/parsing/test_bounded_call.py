"""A decoder run in a bounded child: its result or its exception come back; running out of
time or memory, or crashing, is the parser's typed error, and no child is left behind."""

from __future__ import annotations

import os
import signal
import time

import pytest

from service.errors import ParseMemoryExceeded, ParserCrashed, ParseTimeout
from service.parsing.bounded_call import call_bounded
from service.parsing.limits import ParseLimits

LIMITS = ParseLimits(max_nesting=64, timeout=5, memory_bytes=100_000_000, max_output_bytes=10**8)


def _pid_and(value: str) -> tuple[int, str]:
    return os.getpid(), value


def _refuse(message: str) -> None:
    raise ValueError(message)


def _hog() -> bytes:
    return b"x" * 1_000_000_000


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep() -> None:
    time.sleep(30)


def test_the_result_comes_from_another_process(no_child_left: None) -> None:
    pid, value = call_bounded(_pid_and, ("ok",), LIMITS)
    assert value == "ok" and pid != os.getpid()


def test_the_decoder_s_exception_is_raised_here(no_child_left: None) -> None:
    with pytest.raises(ValueError, match="not a workbook"):
        call_bounded(_refuse, ("not a workbook",), LIMITS)


@pytest.mark.parametrize(
    ("function", "error"),
    [(_hog, ParseMemoryExceeded), (_crash, ParserCrashed), (_sleep, ParseTimeout)],
    ids=["memory", "crash", "time"],
)
def test_a_decoder_past_its_bounds_is_a_typed_error(
    no_child_left: None,
    function: object,
    error: type[Exception],
) -> None:
    limits = ParseLimits(64, timeout=1, memory_bytes=100_000_000, max_output_bytes=10**8)
    started = time.monotonic()
    with pytest.raises(error):
        call_bounded(function, (), limits)  # type: ignore[arg-type]
    assert time.monotonic() - started < 5
