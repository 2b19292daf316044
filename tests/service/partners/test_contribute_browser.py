"""The upload page in headless Chromium against a real ``esskg serve`` on the real COG
referential: a CRESS employee picks the kind, drops the 50-row member file, sees its five
errors in the table, drops the fixed file, sees the preview, confirms with the network's key
and reads the success summary. Nothing is fetched from anywhere but the app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from service.graph.build import build
from service.graph.referential.package import MANIFEST
from service.partners.keys import PartnerKeys
from tests.conftest import REFERENTIAL_CACHE, REPO, real_cog_pin, settings_for
from tests.service.browser import chromium
from tests.service.server import serve_process
from tests.service.workbench import axe_violations, offline_browser, screenshot

pytestmark = [
    pytest.mark.skipif(
        chromium() is None, reason="Chromium is not installed here (make engines installs it)"
    ),
    pytest.mark.slow,
]

FIXTURES = REPO / "tests" / "fixtures" / "partners"
GRAPH = "https://w3id.org/esskg/graph/partner/cress-bretagne"
#: A commit at the territory's scale checks the whole data when the server reads its disk
#: store (see the report of issue 15); the summary may take minutes on a shared machine.
COMMIT_MS = 600_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``esskg serve`` on the project with the whole territory; (base URL, the CRESS's key)."""
    root = tmp_path_factory.mktemp("contribute")
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    real_cog_pin()
    shutil.copy(REPO / MANIFEST, root / MANIFEST)
    settings = settings_for(root, referential_cache=REFERENTIAL_CACHE)
    build(settings)
    keys = PartnerKeys(settings.resolve(settings.partner_keys_path))
    keys.add("cress-bretagne")
    key = keys.issue("cress-bretagne")
    # a million quads to load into the query engine: longer than the small projects
    cache = str(REFERENTIAL_CACHE)
    with serve_process(root, ready_within=300, ESSKG_REFERENTIAL_CACHE=cache) as base:
        yield base, key


def test_upload_page_errors_then_fixed_file_then_success(served: tuple[str, str]) -> None:
    base, key = served
    with offline_browser(base) as (page, guard):
        page.goto(base + "/contribute")
        assert page.locator("html").get_attribute("lang") == "fr"
        page.get_by_label("Organisations et adhésions").check()
        assert page.get_by_role("link", name="XLSX").first.get_attribute("href") == (
            "/contribute/templates/organisations.xlsx"
        )
        page.get_by_label("Réseau (identifiant, ex. cress-bretagne)").fill("cress-bretagne")
        page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(
            str(FIXTURES / "cress-membres-erreurs.csv")
        )
        page.get_by_role("button", name="Prévisualiser").click()
        rows = page.locator("#errors tbody tr")
        rows.nth(4).wait_for(timeout=COMMIT_MS)
        assert rows.count() == 5
        cells = [
            [rows.nth(i).locator("td").nth(j).inner_text() for j in range(2)] for i in range(5)
        ]
        assert cells == [
            ["4", "commune"],
            ["12", "SIREN"],
            ["22", "commune"],
            ["32", "date d'adhésion"],
            ["42", "nom"],
        ]
        assert "n'est pas un SIREN" in rows.nth(1).inner_text()
        assert page.get_by_role("button", name="Confirmer l'envoi").is_disabled()
        screenshot(page, "contribute-errors")
        assert not axe_violations(page)

        page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(
            str(FIXTURES / "cress-membres.csv")
        )
        page.get_by_role("button", name="Prévisualiser").click()
        summary = page.locator("#summary")
        summary.filter(has_text="Le fichier est correct").wait_for(timeout=COMMIT_MS)
        assert page.locator("#errors").is_hidden()
        page.get_by_label("Clé du réseau").fill(key)
        page.get_by_role("button", name="Confirmer l'envoi").click()
        summary.filter(has_text="Envoi enregistré").wait_for(timeout=COMMIT_MS)
        assert "50 ligne(s)" in summary.inner_text() and GRAPH in summary.inner_text()
        screenshot(page, "contribute-done")
    assert guard.refused == []
    ask = f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    answer = httpx.get(
        base + "/sparql",
        params={"query": ask},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.json()["boolean"] is True
