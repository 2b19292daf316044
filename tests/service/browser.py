"""Headless Chromium (Debian's package) driven from the command line, for page tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after the page loaded, as the browser built it (redirects followed)."""
    binary = chromium()
    assert binary is not None
    done = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def screenshot(url: str, profile: Path, target: Path, size: str = "1200,900") -> Path:
    binary = chromium()
    assert binary is not None
    subprocess.run(
        [
            binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={target}",
            url,
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return target
