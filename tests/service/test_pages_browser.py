"""Resource pages as a person sees them: a real Chromium against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.graph.build import build
from service.settings import Settings
from tests.service.browser import chromium, dump_dom
from tests.service.server import serve_process

pytestmark = pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed here (make engines installs it)"
)


def test_browser_follows_id_to_page(
    mini_settings: Settings, mini_project: Path, tmp_path: Path
) -> None:
    build(mini_settings)
    with serve_process(mini_project) as base:
        dom = dump_dom(f"{base}/id/spaser/ville-paris", tmp_path / "profile")
    assert "<h1>SPASER de Paris</h1>" in dom
    assert '<a href="/id/collectivite/ville-paris">Ville de Paris</a>' in dom
    assert "source/page-a" in dom
