"""The workbench as a researcher uses it: real Chromium, the shipped data, no network.

Each test opens pages in headless Chromium that can reach the app and nothing else, checks
what a person sees, runs axe-core on it, and leaves a screenshot in ``var/screenshots/``.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.graph.build import build
from tests.conftest import REPO, settings_for
from tests.service.browser import chromium
from tests.service.server import serve_process
from tests.service.workbench import axe_violations, offline_browser, screenshot

pytestmark = [
    pytest.mark.skipif(
        chromium() is None, reason="Chromium is not installed here (make engines installs it)"
    ),
    pytest.mark.slow,
]

EXPECTED = REPO / "tests" / "queries" / "expected"


def golden_rows(query_id: str) -> int:
    with (EXPECTED / f"{query_id}.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``esskg serve`` on the repository's own data and queries."""
    root = tmp_path_factory.mktemp("workbench")
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    build(settings_for(root))
    with serve_process(root) as base:
        yield base


def assert_accessible(page: object, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name}: {violations}"


def test_home_editor_example_table_and_bar_chart(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert "Ce que contient le graphe" in page.locator("main").inner_text()
        assert page.locator("table").first.locator("tbody tr").count() > 5
        screenshot(page, "home")
        assert_accessible(page, "home")

        page.get_by_role("link", name="Ouvrir l'éditeur de requêtes").click()
        page.wait_for_url("**/editor")
        page.locator(".cm-content").wait_for()
        page.get_by_label("Exemples").select_option("spaser/count-spasers-by-authority-type")
        page.get_by_role("button", name="Exécuter").click()
        rows = page.locator("#answer table.results tbody tr")
        expected = golden_rows("spaser/count-spasers-by-authority-type")
        rows.nth(expected - 1).wait_for()
        assert rows.count() == expected
        assert "query=" in page.url  # the address restores the query
        screenshot(page, "editor-table")
        assert_accessible(page, "editor")

        page.get_by_role("button", name="Diagramme en barres").click()
        canvas = page.locator("#answer canvas[data-points]")
        canvas.wait_for()
        assert canvas.get_attribute("data-points") == str(expected)
        screenshot(page, "editor-bar-chart")
    assert guard.refused == []


def test_editor_timeline_and_shared_link(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/editor?example=events/list-events-by-year&view=timeline")
        canvas = page.locator("#answer canvas[data-points]")
        canvas.wait_for()
        assert int(canvas.get_attribute("data-points") or 0) >= golden_rows(
            "events/list-events-by-year"
        )
        assert (
            page.get_by_role("button", name="Frise chronologique").get_attribute("aria-pressed")
            == "true"
        )
        screenshot(page, "editor-timeline")
        shared = page.url
        page.goto(shared)  # the shared address runs the same query again
        page.locator("#answer canvas[data-points]").wait_for()
    assert guard.refused == []


def test_question_form_choose_submit_rows(app_url: str) -> None:
    query_id = "spaser/list-targets-by-plan"
    plan = "https://w3id.org/esskg/id/plan/pnaapd"
    expected = httpx.get(
        f"{app_url}/queries/{query_id}", params={"plan": plan, "format": "json"}
    ).json()["results"]["bindings"]
    assert expected
    with offline_browser(app_url) as (page, guard):
        page.goto(f"{app_url}/questions/{query_id}")
        page.locator("select[name=plan]").select_option(plan)
        page.get_by_role("button", name="Demander").click()
        page.wait_for_url("**plan=*")
        rows = page.locator("#answer table.results tbody tr")
        rows.nth(len(expected) - 1).wait_for()
        assert rows.count() == len(expected)
        assert "VALUES" in (page.locator("details.sparql pre").text_content() or "")
        screenshot(page, "question-form")
        assert_accessible(page, "question form")
    assert guard.refused == []


def test_resource_page_french_labels_and_source_links(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/id/collectivite/cu-dunkerque")
        page.wait_for_url("**/page/collectivite/cu-dunkerque")
        assert page.locator("h1").inner_text() == "Communauté urbaine de Dunkerque"
        headers = page.locator("table.statements th").all_inner_texts()
        assert "libellé" in headers and "type" in headers
        assert not any(h.startswith("ess:") for h in headers)
        sources = page.locator("a.src")
        assert sources.count() > 0
        screenshot(page, "resource")
        assert_accessible(page, "resource")
        sources.first.click()
        page.wait_for_url("**/graph/source/**")
        assert page.locator("h1").inner_text()
        screenshot(page, "source-graph")
    assert guard.refused == []


def test_vocabulary_and_a_term(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/def")
        assert page.locator("section h2").count() >= 5
        screenshot(page, "vocabulary")
        page.goto(app_url + "/def/SPASER")
        page.wait_for_url("**/def#SPASER")
        term = page.locator("dt#SPASER")
        assert term.is_visible()
        assert "ess:SPASER" in term.inner_text()
        assert_accessible(page, "vocabulary")
    assert guard.refused == []


def test_api_docs_offline(app_url: str) -> None:
    with offline_browser(app_url, locale="en-GB") as (page, guard):
        page.goto(app_url + "/docs")
        page.locator(".opblock-summary-path", has_text="/sparql").first.wait_for()
        screenshot(page, "api-docs")
    assert guard.refused == []


def test_screenshots_are_written() -> None:
    assert Path(REPO / "var" / "screenshots").is_dir() or chromium() is None
