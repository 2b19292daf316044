"""Partner keys: shown once, stored hashed, each writing only its partner's graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.api.auth import Credentials
from service.partners.keys import PartnerError, PartnerKeys


def test_key_is_shown_once_and_stored_hashed(tmp_path: Path) -> None:
    keys = PartnerKeys(tmp_path / "keys.json")
    keys.add("cress-bretagne")
    key = keys.issue("cress-bretagne")
    assert key not in (tmp_path / "keys.json").read_text()
    writer = keys.identify(Credentials("bearer", key))
    assert writer is not None and writer.name == "cress-bretagne"
    assert writer.graphs == ("https://w3id.org/esskg/graph/partner/cress-bretagne",)


def test_basic_user_must_be_the_partner(tmp_path: Path) -> None:
    keys = PartnerKeys(tmp_path / "keys.json")
    keys.add("cress-bretagne")
    keys.add("cress-occitanie")
    key = keys.issue("cress-bretagne")
    assert keys.identify(Credentials("basic", key, "cress-bretagne")) is not None
    assert keys.identify(Credentials("basic", key, "cress-occitanie")) is None


def test_revoked_and_replaced_keys_write_nothing(tmp_path: Path) -> None:
    keys = PartnerKeys(tmp_path / "keys.json")
    keys.add("cress-bretagne")
    old = keys.issue("cress-bretagne")
    new = keys.issue("cress-bretagne")
    assert keys.identify(Credentials("bearer", old)) is None
    keys.revoke("cress-bretagne")
    assert keys.identify(Credentials("bearer", new)) is None
    assert not keys.has_keys()


def test_partner_names_are_graph_segments(tmp_path: Path) -> None:
    with pytest.raises(PartnerError):
        PartnerKeys(tmp_path / "keys.json").add("CRESS Bretagne/../x")
