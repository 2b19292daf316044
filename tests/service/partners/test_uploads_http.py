"""The partner path over HTTP on a real app and store: the shipped project with the real
COG referential, written through the real gate (slow: each write validates the territory)."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.graph.build import build
from service.graph.referential.package import MANIFEST
from service.partners.keys import PartnerKeys
from service.settings import Settings
from tests.conftest import REFERENTIAL_CACHE, REPO, real_cog_pin, settings_for

pytestmark = pytest.mark.slow

GRAPH = "https://w3id.org/esskg/graph/partner/cress-bretagne"
MEMBER = "https://w3id.org/esskg/id/organisation/siren-552100554"
ORG_MEMBER = "http://www.w3.org/ns/org#member"
#: the CRESS file, reduced to the communes the small COG extract holds
CSV = (
    "nom;SIREN;commune;réseau;fonction;date d'adhésion\r\n"
    "Coopérative Le Champ Commun;552100554;35238;CRESS Bretagne;adhérent;15/03/2021\r\n"
    "Association La Ruche de Villejean;;Bruz;CRESS Bretagne;administrateur;2020-01-02\r\n"
)
BAD = CSV + "Association Sans Siren;21590350;Villebidon;CRESS Bretagne;adhérent;31/02/2021\r\n"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("partners")
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, root / folder)
    real_cog_pin()
    shutil.copy(REPO / MANIFEST, root / MANIFEST)
    settings = settings_for(root, referential_cache=REFERENTIAL_CACHE, write_token="admin-key")
    build(settings)
    keys = PartnerKeys(settings.resolve(settings.partner_keys_path))
    for name in ("cress-bretagne", "cress-occitanie"):
        keys.add(name)
    return settings


@pytest.fixture(scope="module")
def keys(settings: Settings) -> dict[str, str]:
    store = PartnerKeys(settings.resolve(settings.partner_keys_path))
    return {name: store.issue(name) for name in ("cress-bretagne", "cress-occitanie")}


@pytest.fixture(scope="module")
def client(settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _post(
    client: TestClient,
    body: str,
    *,
    key: str | None = None,
    dry: bool = False,
    lang: str = "fr",
    user: str | None = None,
):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": lang}
    if key is not None and user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()
    elif key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.post(
        "/partners/cress-bretagne/uploads" + ("?dry_run=true" if dry else ""),
        files={"file": ("membres.csv", ("\ufeff" + body).encode(), "text/csv")},
        data={"kind": "organisations"},
        headers=headers,
    )


def test_templates_are_served(client: TestClient) -> None:
    csv = client.get("/contribute/templates/organisations.csv")
    assert csv.status_code == 200 and csv.content.startswith("\ufeffnom;SIREN".encode())
    assert "describedby" in csv.headers["link"]
    assert client.get("/contribute/templates/organisations.xlsx").content[:2] == b"PK"
    meta = client.get("/contribute/templates/organisations.csv-metadata.json").json()
    assert meta["tableSchema"]["columns"][0]["titles"] == {"fr": ["nom"], "en": ["name"]}
    assert client.get("/contribute/templates/nothing.csv").status_code == 404


def test_errors_by_line_and_column_and_nothing_written(
    client: TestClient, keys: dict[str, str]
) -> None:
    refused = _post(client, BAD, key=keys["cress-bretagne"])
    assert refused.status_code == 422
    found = [e["description"] for e in refused.json()["errors"]]
    assert found == [
        "ligne 4, colonne SIREN : 21590350 n'est pas un SIREN (9 chiffres, clé de contrôle)",
        "ligne 4, colonne commune : « Villebidon » n'est pas une commune connue : "
        "indiquez le code INSEE",
        "ligne 4, colonne date d'adhésion : « 31/02/2021 » n'est pas une date "
        "(JJ/MM/AAAA ou AAAA-MM-JJ)",
    ]
    english = _post(client, BAD, dry=True, lang="en").json()["errors"][0]["description"]
    assert english.startswith("line 4, column SIREN: 21590350 is not a SIREN")
    assert client.get("/graphs", params={"graph": GRAPH}).status_code == 404


def test_dry_run_commit_reimport_and_other_partner(
    client: TestClient, keys: dict[str, str], settings: Settings
) -> None:
    preview = _post(client, CSV, dry=True)
    assert (
        preview.status_code == 200 and preview.json()["accepted"] and preview.json()["added"] > 10
    )
    assert client.get("/graphs", params={"graph": GRAPH}).status_code == 404
    assert _post(client, CSV).status_code == 401
    assert _post(client, CSV, key=keys["cress-occitanie"]).status_code == 403
    assert _post(client, CSV, key=keys["cress-bretagne"], user="cress-occitanie").status_code == 403
    done = _post(client, CSV, key=keys["cress-bretagne"], user="cress-bretagne")
    assert done.status_code == 201, done.text
    assert done.json()["committed"]
    again = _post(client, CSV, key=keys["cress-bretagne"])
    assert again.status_code == 200 and again.json()["unchanged"]
    other = client.put(
        "/graphs",
        params={"graph": GRAPH},
        content="<http://e/a> <http://e/b> <http://e/c> .",
        headers={
            "Authorization": f"Bearer {keys['cress-occitanie']}",
            "Content-Type": "text/turtle",
        },
    )
    assert other.status_code == 403
    ask = f"ASK {{ GRAPH <{GRAPH}> {{ ?m <{ORG_MEMBER}> <{MEMBER}> }} }}"
    assert client.get(
        "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
    ).json()["boolean"]
    contributions = list(settings.resolve(settings.contributions_path).glob("*.nt"))
    assert any(GRAPH in p.read_text().splitlines()[0] for p in contributions)
