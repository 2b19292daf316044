"""How long the workbench's pages take on the shipped data: server time and browser time.

Builds nothing: it serves the graph ``esskg build`` left in ``var/store`` (``make build``),
on a free local port, and prints for ``/``, the editor and a resource page

* the server's answer time (first request, then the median of the next ten), and
* with Chromium installed, the time a browser takes until the page is usable: the ``load``
  event, and for the editor until the editor is on screen and an example's table is drawn.

    .venv/bin/python -m bench.pages

A report, not a test: the issue's bound is 1 s per page on the shipped data.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from tests.service.browser import chromium
from tests.service.server import serve_process

REPO = Path(__file__).resolve().parent.parent
PAGES = {
    "home": "/",
    "editor": "/editor",
    "resource": "/page/collectivite/cu-dunkerque",
    "question": "/questions/spaser/list-targets-by-plan",
    "vocabulary": "/def",
}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def server_times(base: str, path: str, repeat: int) -> tuple[float, float]:
    with httpx.Client(base_url=base, headers=HTML, timeout=30) as client:
        started = time.perf_counter()
        client.get(path).raise_for_status()
        first = time.perf_counter() - started
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            runs.append(time.perf_counter() - started)
    return first, statistics.median(runs)


def browser_times(base: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.service.browser import FLAGS

    out: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=list(FLAGS))
        page = browser.new_page(locale="fr-FR")
        for name, path in PAGES.items():
            started = time.perf_counter()
            page.goto(base + path, wait_until="load")
            out[name] = time.perf_counter() - started
        started = time.perf_counter()
        page.goto(base + "/editor?example=spaser/count-spasers-by-authority-type")
        page.locator("#answer table.results tbody tr").first.wait_for(timeout=30_000)
        out["editor + example answer"] = time.perf_counter() - started
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if not (REPO / "var" / "store").exists():
        raise SystemExit("no built graph in var/store: run `make build` first")
    with serve_process(REPO, ready_within=300) as base:
        print(f"{'page':<26}{'server first':>14}{'server median':>15}")
        for name, path in PAGES.items():
            first, median = server_times(base, path, args.repeat)
            print(f"{name:<26}{first * 1000:>11.0f} ms{median * 1000:>12.0f} ms")
        if chromium() is None:
            print("(Chromium is not installed: no browser times)")
            return
        print(f"\n{'page (Chromium, cold)':<26}{'until usable':>14}")
        for name, seconds in browser_times(base).items():
            print(f"{name:<26}{seconds * 1000:>11.0f} ms")


if __name__ == "__main__":
    main()
