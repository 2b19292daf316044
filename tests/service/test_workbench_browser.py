"""The workbench as a researcher uses it: real Chromium, the shipped data, no network.

Each test opens pages in headless Chromium that can reach the app and nothing else, checks
what a person sees, runs axe-core on it, and leaves a screenshot in ``var/screenshots/``.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from rdflib import Graph

from service.graph.build import build
from tests.conftest import REPO, settings_for
from tests.service.browser import chromium
from tests.service.server import serve_process
from tests.service.workbench import SCREENSHOTS, axe_violations, offline_browser, screenshot

pytestmark = [
    pytest.mark.skipif(
        chromium() is None, reason="Chromium is not installed here (make engines installs it)"
    ),
    pytest.mark.slow,
]

EXPECTED = REPO / "tests" / "queries" / "expected"
#: When this module was loaded: a screenshot older than this was not written by this run.
STARTED = time.time()
#: The screenshots the tests above the last one leave, by name.
SHOTS = (
    "home",
    "editor-table",
    "editor-bar-chart",
    "editor-timeline",
    "question-form",
    "resource",
    "source-graph",
    "vocabulary",
    "api-docs",
    "editor-downloads",
    "editor-map",
)
#: What Chart.js drew on the answer's canvas: its elements placed inside the chart's area.
DRAWN = """() => {
    const chart = window.esskg && window.esskg.answer && window.esskg.answer.chart;
    if (!chart || !chart.isDatasetVisible(0)) return null;
    const area = chart.chartArea;
    const inside = (e) => Number.isFinite(e.x) && Number.isFinite(e.y)
        && e.y >= area.top && e.y <= area.bottom && e.x >= area.left && e.x <= area.right;
    const meta = chart.getDatasetMeta(0);
    return {type: meta.type, drawn: meta.data.filter(inside).length};
}"""


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


def drawn(page: Any) -> dict[str, Any]:
    """What Chart.js drew, once it has drawn (the chart chunk loads on first use)."""
    page.wait_for_function(f"() => ({DRAWN})() !== null")
    found: dict[str, Any] = page.evaluate(DRAWN)
    return found


def saved(page: Any, button: str) -> tuple[str, bytes]:
    """Click a download button; the file's suggested name and its bytes."""
    with page.expect_download() as started:
        page.get_by_role("button", name=button, exact=True).click()
    download = started.value
    path = download.path()
    return download.suggested_filename, Path(path).read_bytes()


def sparql(app_url: str, query: str, accept: str) -> httpx.Response:
    return httpx.post(app_url + "/sparql", data={"query": query}, headers={"Accept": accept})


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
        assert drawn(page) == {"type": "bar", "drawn": expected}
        screenshot(page, "editor-bar-chart")
    assert guard.refused == []


def test_editor_timeline_and_shared_link(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/editor?example=events/list-events-by-year&view=timeline")
        timeline = drawn(page)
        assert timeline["type"] == "scatter"
        assert timeline["drawn"] >= golden_rows("events/list-events-by-year")
        assert (
            page.get_by_role("button", name="Frise chronologique").get_attribute("aria-pressed")
            == "true"
        )
        screenshot(page, "editor-timeline")
        shared = page.url
        page.goto(shared)  # the shared address runs the same query again
        assert drawn(page) == timeline
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


def test_editor_downloads_csv_for_excel_json_and_turtle(app_url: str) -> None:
    query_id = "spaser/count-spasers-by-authority-type"
    expected = golden_rows(query_id)
    with offline_browser(app_url) as (page, guard):
        page.goto(f"{app_url}/editor?example={query_id}")
        page.locator("#answer table.results tbody tr").nth(expected - 1).wait_for()
        name, body = saved(page, "CSV (Excel)")
        assert name == "esskg.csv"
        assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
        lines = body[3:].decode("utf-8").split("\r\n")
        assert lines[-1] == "" and len(lines) == expected + 2  # header, rows, final CRLF
        header = lines[0].split(";")
        assert len(header) >= 2 and all(len(line.split(";")) == len(header) for line in lines[1:-1])
        name, body = saved(page, "JSON")
        answer = json.loads(body)
        assert answer["head"]["vars"] == header
        assert len(answer["results"]["bindings"]) == expected
        screenshot(page, "editor-downloads")

        construct = (REPO / "queries" / "legal" / "construct-legal-chain.rq").read_text("utf-8")
        page.goto(f"{app_url}/editor?example=legal/construct-legal-chain")
        page.locator("#answer pre.rdf:not([hidden])").wait_for()
        name, body = saved(page, "Turtle")
        assert name == "esskg.ttl"
        graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
        served = sparql(app_url, construct, "text/turtle")
        assert len(graph) == len(Graph().parse(data=served.text, format="turtle")) > 0
    assert guard.refused == []


def test_editor_declares_an_undeclared_prefix_before_running(app_url: str) -> None:
    with offline_browser(app_url) as (page, guard):
        page.goto(app_url + "/editor")
        page.locator(".cm-content").click()
        page.keyboard.press("Control+a")  # the editor opens on a starter query: replace it
        page.keyboard.insert_text("SELECT ?s WHERE { ?s a ess:SPASER } LIMIT 3")
        page.keyboard.press("Escape")  # close the completion list, if it opened
        with page.expect_request(lambda r: r.url.endswith("/sparql")) as asked:
            page.get_by_role("button", name="Exécuter").click()
        sent = parse_qs(asked.value.post_data or "")["query"][0]
        assert sent.startswith("PREFIX ess: <https://w3id.org/esskg/def#>\n")
        assert sent.count("PREFIX ess:") == 1
        page.locator("#answer table.results tbody tr").nth(2).wait_for()
        assert page.locator(".cm-content").inner_text().startswith("PREFIX ess:")
        assert "PREFIX" in parse_qs(page.url.split("?", 1)[1])["query"][0]
    assert guard.refused == []


def test_editor_examples_have_english_titles_with_lang_en(app_url: str) -> None:
    header = (REPO / "queries" / "spaser" / "count-spasers-by-authority-type.rq").read_text()
    summaries = dict(
        line[3:].split(": ", 1) for line in header.splitlines() if line.startswith("#+ summary")
    )
    with offline_browser(app_url, locale="fr-FR") as (page, guard):
        page.goto(app_url + "/editor?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        examples = page.get_by_label("Examples")
        option = examples.locator('option[value="spaser/count-spasers-by-authority-type"]')
        assert option.inner_text().strip() == summaries["summary"]
        assert summaries["summary"] != summaries["summary_fr"]
        assert page.get_by_role("button", name="Run").is_visible()
        assert_accessible(page, "editor in English")
    assert guard.refused == []


#: The 18 régions by INSEE code, as the territory referential names them.
REGIONS = {
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion",
    "06": "Mayotte", "11": "Île-de-France", "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté", "28": "Normandie", "32": "Hauts-de-France",
    "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne",
    "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
}  # fmt: skip


def test_editor_map_of_the_regions_coloured_by_a_share(app_url: str) -> None:
    """The "Carte" view of an answer shaped as the SPASER coverage by région (région IRI,
    label, share): every région drawn, coloured by its class, labelled with its value."""
    shares = {code: round(5.5 * i, 1) for i, code in enumerate(REGIONS)}
    rows = " ".join(
        f'(<https://w3id.org/esskg/id/territoire/region-{code}> "{name}"@fr {shares[code]})'
        for code, name in REGIONS.items()
    )
    query = (
        "SELECT ?region ?regionLabel ?coveredShare WHERE {\n"
        f"  VALUES (?region ?regionLabel ?coveredShare) {{ {rows} }}\n}}"
    )
    with offline_browser(app_url) as (page, guard):
        page.goto(f"{app_url}/editor?{urlencode({'query': query, 'view': 'map'})}")
        regions = page.locator("#answer [data-view-box=map] svg path[role=img]")
        regions.nth(len(REGIONS) - 1).wait_for()
        assert regions.count() == len(REGIONS)
        drawn = {
            code: (label, fill)
            for code, label, fill in regions.evaluate_all(
                "ps => ps.map(p => [p.dataset.region, p.getAttribute('aria-label'),"
                " p.getAttribute('fill')])"
            )
        }
        assert set(drawn) == set(REGIONS)
        assert drawn["53"][0] == "Bretagne : 66 %"
        assert drawn["01"][0] == "Guadeloupe : 0 %"
        assert drawn["01"][1] != drawn["94"][1]  # the lowest and highest shares differ
        assert len({fill for _, fill in drawn.values()}) == 5
        boxes = regions.evaluate_all("ps => ps.map(p => p.getBoundingClientRect().width)")
        assert all(width > 2 for width in boxes)  # each région is on screen, not a dot
        legend = page.locator("#answer [data-view-box=map] ul.legend li")
        assert legend.count() == 5
        assert page.get_by_role("button", name="Carte").get_attribute("aria-pressed") == "true"
        assert "view=map" in page.url
        screenshot(page, "editor-map")
        assert_accessible(page, "map")
    assert guard.refused == []


def test_screenshots_are_written(app_url: str) -> None:
    """The screenshots this run took, each written after the module was loaded: a picture
    left over from an earlier run does not count."""
    stale = [
        name
        for name in SHOTS
        if not (SCREENSHOTS / f"{name}.png").is_file()
        or (SCREENSHOTS / f"{name}.png").stat().st_mtime < STARTED
    ]
    assert not stale, f"not written by this run: {stale}"
    for name in SHOTS:
        assert (SCREENSHOTS / f"{name}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
