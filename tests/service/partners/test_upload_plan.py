"""An upload's plan and commit on a real store (in memory, a few real communes): the same
file committed twice changes nothing the second time, and a new file of the kind replaces
the rows of the previous one. The first upload's resources are found in the graph by the
second; they are still the partner's own to state again, not somebody else's to point at."""

from __future__ import annotations

import io

import pytest

from service.graph.gate import WriteGate
from service.partners.provenance import UploadFacts
from service.partners.upload import Checks, UploadJob, commit
from service.store.oxigraph import OxigraphStore
from tests.service.partners.test_spreadsheets import COMMUNES, FIXTURES

GRAPH = "https://w3id.org/esskg/graph/partner/cress-bretagne"
COG = "https://w3id.org/esskg/graph/referential/cog"


def _communes() -> bytes:
    lines = []
    for code, name in COMMUNES:
        territory = f"<https://w3id.org/esskg/id/territoire/commune-{code}>"
        lines += [
            f"{territory} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            f"<http://rdf.insee.fr/def/geo#Commune> <{COG}> .",
            f'{territory} <http://rdf.insee.fr/def/geo#codeINSEE> "{code}" <{COG}> .',
            f'{territory} <http://www.w3.org/2000/01/rdf-schema#label> "{name}"@fr <{COG}> .',
        ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def store() -> OxigraphStore:
    return OxigraphStore.loaded(io.BytesIO(_communes()))


def _upload(store: OxigraphStore, data: bytes, name: str = "membres.csv"):  # type: ignore[no-untyped-def]
    facts = UploadFacts("cress-bretagne", "organisations", name, data, 50, who="test")
    plan = UploadJob(facts, "text/csv", None, False, Checks(reason=False)).answer(store)
    return commit(plan, WriteGate(store, reason=False))


def test_the_same_file_twice_changes_nothing(store: OxigraphStore) -> None:
    data = (FIXTURES / "cress-membres.csv").read_bytes()
    first = _upload(store, data)
    assert first.committed and not first.errors and len(first.added) > 300
    before = set(store.quads(GRAPH))
    again = _upload(store, data)
    assert again.unchanged and not again.committed, (again.added[:3], again.removed[:3])
    assert set(store.quads(GRAPH)) == before


def test_a_new_file_of_the_kind_replaces_the_previous_rows(store: OxigraphStore) -> None:
    data = (FIXTURES / "cress-membres.csv").read_bytes()
    _upload(store, data)
    fewer = b"\n".join(data.splitlines()[:11]) + b"\n"  # the header and the first 10 rows
    replaced = _upload(store, fewer, "membres-2.csv")
    assert replaced.committed and not replaced.errors and replaced.removed
    members = {
        q.object.value
        for q in store.quads(GRAPH)
        if q.predicate.value == "http://www.w3.org/ns/org#member"
    }
    assert len(members) == 10


def test_spaser_template_row_maps_with_its_short_axis_word_and_its_own_title() -> None:
    """« social » is the template's word for the axis type « Une commande publique sociale »;
    the SPASER's title is the file's, never one made up from the authority's name."""
    from service.partners.kinds import KINDS
    from service.partners.templates import csv_template

    concept = "https://w3id.org/esskg/id/concept/axis-social"
    rennes = "https://w3id.org/esskg/id/collectivite/commune-35238"
    extra = (
        f"<{concept}> <http://www.w3.org/2004/02/skos/core#inScheme> "
        f"<https://w3id.org/esskg/id/scheme/spaser-axis-types> <{COG}> .\n"
        f"<{concept}> <http://www.w3.org/2004/02/skos/core#prefLabel> "
        f'"Une commande publique sociale"@fr <{COG}> .\n'
        f'<{rennes}> <https://w3id.org/esskg/def#siren> "213502388" <{COG}> .\n'
    ).encode()
    store = OxigraphStore.loaded(io.BytesIO(_communes() + extra))
    data = csv_template(KINDS["spasers"])
    facts = UploadFacts("cress-bretagne", "spasers", "spasers.csv", data, 1, who="test")
    plan = UploadJob(facts, "text/csv", None, False, Checks(reason=False)).answer(store)
    assert plan.errors == []
    shown = {(str(t.predicate), str(t.object)) for t in plan.added}
    assert ("<https://w3id.org/esskg/def#axisType>", f"<{concept}>") in shown
    assert ("<https://w3id.org/esskg/def#adoptedBy>", f"<{rennes}>") in shown
    titles = {o for p, o in shown if p.endswith("#label>") and "SPASER" in o}
    assert titles == {'"SPASER de la Ville de Rennes"@fr'}
    blank = data.decode("utf-8-sig").replace("SPASER de la Ville de Rennes", "").encode()
    facts = UploadFacts("cress-bretagne", "spasers", "spasers.csv", blank, 1, who="test")
    untitled = UploadJob(facts, "text/csv", None, False, Checks(reason=False)).answer(store)
    assert [e.describe() for e in untitled.errors] == [
        "ligne 2, colonne intitulé : une valeur est obligatoire"
    ]
