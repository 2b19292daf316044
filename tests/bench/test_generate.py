"""The benchmark's data generator and its row-parity helpers.

A benchmark is only worth its figures if every run measures the same data (determinism),
if that data is what the service accepts (it passes the project's shapes), and if all
systems are checked to answer with the same rows before they are timed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.generate import REGIONS, Sizes, siren, write_project
from bench.run import count_rows, ratios
from service.graph.check import check_sources
from service.graph.sources import discover

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    sources = folder / "data" / "sources"
    return {p.name: p.read_bytes() for p in sorted(sources.glob("gen-*.nt"))}


def test_same_size_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_project(3_000, tmp_path / "a", repo=ROOT)
    second = write_project(3_000, tmp_path / "b", repo=ROOT)
    assert first == second
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    write_project(3_000, tmp_path / "a", repo=ROOT)
    write_project(3_000, tmp_path / "b", repo=ROOT, seed=7)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


@pytest.mark.parametrize("target", [10_000, 100_000])
def test_generated_size_is_close_to_the_target(tmp_path: Path, target: int) -> None:
    written = write_project(target, tmp_path / "g", repo=ROOT)
    assert target <= written < target * 1.01


def test_full_size_has_the_real_proportions_of_france() -> None:
    full = Sizes.for_target(1_000_000)
    assert (full.regions, full.departements, full.epcis, full.communes) == (
        REGIONS,
        101,
        1_250,
        35_000,
    )


def test_sirens_are_unique_and_pass_the_luhn_check() -> None:
    codes = [siren(n) for n in range(40_000)]
    assert len(set(codes)) == len(codes)
    for code in codes[::997]:
        digits = [int(c) * (2 if i % 2 else 1) for i, c in enumerate(code)]
        assert sum(d - 9 if d > 9 else d for d in digits) % 10 == 0


@pytest.mark.slow
def test_generated_10k_sample_passes_the_shapes(tmp_path: Path) -> None:
    write_project(10_000, tmp_path / "g", repo=ROOT)
    checked = check_sources(discover(tmp_path / "g"), reason=False)  # raises on a violation
    assert all(p.severity != "Violation" for p in checked.warnings)


def test_row_counts_of_select_and_ask_answers() -> None:
    select = {"head": {"vars": ["s"]}, "results": {"bindings": [{}, {}, {}]}}
    assert count_rows(json.dumps(select).encode()) == 3
    assert count_rows(b'{"head": {}, "boolean": false}') == 1


def test_ratios_flag_differing_row_counts_and_bound_timeouts() -> None:
    result = {
        "queries": {
            "q": {
                "esskg": {"rows": 5, "p50_ms": 10.0, "p95_ms": 11.0},
                "pyoxigraph": {"rows": 5, "p50_ms": 10.0, "p95_ms": 10.0},
                "oxigraph": {"rows": 5, "p50_ms": 40.0, "p95_ms": 41.0},
                "rdflib": {"rows": None, "timeout": True, "p50_ms": 60_000.0},
                "parity": True,
            },
            "r": {
                "esskg": {"rows": 5, "p50_ms": 1.0, "p95_ms": 1.0},
                "oxigraph": {"rows": 4, "p50_ms": 1.0, "p95_ms": 1.0},
                "parity": False,
            },
        }
    }
    table = ratios(result, timeout=60)
    assert table["q"] == {
        "esskg/pyoxigraph": "1.00x",
        "oxigraph/esskg": "4.0x",
        "rdflib/esskg": ">6000.0x",
        "parity": "ok",
    }
    assert table["r"]["parity"] == "ROW COUNTS DIFFER"
