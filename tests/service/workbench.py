"""Playwright (Python) driving Debian's Chromium for the workbench tests, offline.

The browser is the system one (``executable_path``); Playwright never downloads its own.
Every request is checked against the app's address: any other host is refused by the
browser's resolver (``--host-resolver-rules``) and aborted by request interception, and the
hosts asked for are recorded so a test can assert that none was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.service.browser import FLAGS, chromium

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "var" / "screenshots"
STEP_MS = 15_000  # the longest any single browser step may take


@dataclass
class Offline:
    """The app's origin, and every other host a page tried to reach."""

    origin: str
    refused: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("internetdisconnected")


@contextmanager
def offline_browser(origin: str, locale: str = "fr-FR") -> Iterator[tuple[Any, Offline]]:
    """A page in headless Chromium that can reach ``origin`` and nothing else."""
    from playwright.sync_api import sync_playwright

    host = urlsplit(origin).hostname
    guard = Offline(origin)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(),
            args=[*FLAGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}"],
            timeout=STEP_MS * 2,
        )
        try:
            context = browser.new_context(
                locale=locale, viewport={"width": 1280, "height": 900}, accept_downloads=True
            )
            context.route("**/*", guard.route)
            page = context.new_page()
            page.set_default_timeout(STEP_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, guard
            assert not errors, f"script errors: {errors}"
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    assert AXE.is_file(), f"{AXE} is missing: `make assets` installs axe-core (npm ci)"
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return found


def screenshot(page: Any, name: str) -> Path:
    """A full-page picture under ``var/screenshots/`` for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
