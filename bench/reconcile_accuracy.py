"""How often the reconciliation service names the right entity, on names people really type.

A labelled set is drawn from the built graph (the COG referential's authorities and the
curated organisations, SPASERs, events, legal texts): each entity's own label, perturbed the
way a spreadsheet spells it (case, accents dropped, hyphens as spaces, « St » for « Saint »,
« CA » for « Communauté d'agglomération », a leading article dropped, extra spaces). Each is
asked twice: with its SIREN or INSEE code as a property when it has one, and by name only.
The figures: top-1 accuracy of each half, and how many ``match: true`` were wrong (the
service promises none). ::

    .venv/bin/python -m bench.reconcile_accuracy            # the built store (var/store)
    .venv/bin/python -m bench.reconcile_accuracy --size 2000 --seed 7
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from service.reconcile.index import Entity, Index
from service.reconcile.matching import Query, reconcile


def _no_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _saint(text: str) -> str:
    return re.sub(r"\bSaint(e?)\b", lambda m: "St" + m.group(1), text)


def _agglomeration(text: str) -> str:
    text = re.sub(r"(?i)communauté d'agglomération", "CA", text)
    text = re.sub(r"(?i)communauté de communes", "CC", text)
    return re.sub(r"(?i)communauté urbaine", "CU", text)


def _article(text: str) -> str:
    return re.sub(r"^(?:Le|La|Les) |^L'", "", text)


#: The perturbations, named: each is how some spreadsheet somewhere spells names.
PERTURBATIONS: dict[str, Callable[[str], str]] = {
    "as is": lambda t: t,
    "upper case": str.upper,
    "lower case": str.lower,
    "no accents": _no_accents,
    "hyphens as spaces": lambda t: t.replace("-", " "),
    "St": _saint,
    "CA/CC/CU": _agglomeration,
    "no article": _article,
    "spaces": lambda t: "  " + t.replace(" ", "  ") + " ",
    "no accents, upper, St": lambda t: _saint(_no_accents(t)).upper(),
}


@dataclass(frozen=True)
class Case:
    """One labelled query: what is typed, the entity it means, and the property it carries."""

    text: str
    truth: str
    types: tuple[str, ...]
    siren: str | None
    code: str | None
    perturbation: str


def labelled(index: Index, size: int, seed: int) -> list[Case]:
    """``size`` entities drawn at random (seeded), each with one perturbation of its label;
    the same seed gives the same set."""
    rng = random.Random(seed)
    pool = sorted(index.entities.values(), key=lambda e: e.id)
    # the curated graph's entities (organisations, SPASERs, events, texts) are a few hundred
    # beside 36,000 authorities of the referential: up to half the set, so both are measured
    curated = [e for e in pool if "/collectivite/" not in e.id]
    referential = [e for e in pool if "/collectivite/" in e.id]
    own = rng.sample(curated, min(len(curated), size // 2))
    chosen = own + rng.sample(referential, min(len(referential), size - len(own)))
    cases = []
    for entity in chosen:
        name = rng.choice(list(PERTURBATIONS))
        text = PERTURBATIONS[name](entity.name)
        cases.append(Case(text, entity.id, _kind(entity), entity.siren, entity.code, name))
    return cases


def _kind(entity: Entity) -> tuple[str, ...]:
    """The type a user reconciling this column would pick: one of the entity's."""
    return (sorted(entity.types)[0],)


@dataclass
class Figures:
    asked: int = 0
    right: int = 0
    matches: int = 0
    wrong_matches: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.asked if self.asked else 0.0


def measure(index: Index, cases: list[Case]) -> tuple[Figures, Figures, list[str]]:
    """(with an identifier, name only, the misses worth reading)."""
    with_id, name_only = Figures(), Figures()
    misses: list[str] = []
    for case in cases:
        asks = [(name_only, Query(case.text, case.types))]
        if case.siren or case.code:
            prop = Query(
                case.text, case.types, siren=case.siren, code=None if case.siren else case.code
            )
            asks.append((with_id, prop))
        for figures, query in asks:
            found = reconcile(index, query)
            figures.asked += 1
            top = found[0] if found else None
            if top is not None and top.entity.id == case.truth:
                figures.right += 1
            elif len(misses) < 40:
                shown = top.entity.name if top is not None else "nothing"
                misses.append(f"{case.perturbation}: {case.text!r} -> {shown!r} ({case.truth})")
            for candidate in found:
                if candidate.match:
                    figures.matches += 1
                    if candidate.entity.id != case.truth:
                        figures.wrong_matches += 1
    return with_id, name_only, misses


def report(with_id: Figures, name_only: Figures) -> str:
    return "\n".join(
        [
            f"with a SIREN or INSEE code: {with_id.accuracy:.1%} top-1 right "
            f"({with_id.right}/{with_id.asked}), {with_id.matches} match: true, "
            f"{with_id.wrong_matches} wrong",
            f"name only:                  {name_only.accuracy:.1%} top-1 right "
            f"({name_only.right}/{name_only.asked}), {name_only.matches} match: true, "
            f"{name_only.wrong_matches} wrong",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="entities drawn (default 1000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--misses", action="store_true", help="print the first misses")
    args = parser.parse_args(argv)
    from service.settings import get_settings
    from service.store.factory import open_store

    started = time.perf_counter()
    store = open_store(get_settings(), read_only=True)
    try:
        index = Index.from_store(store)
    finally:
        store.close()
    cases = labelled(index, args.size, args.seed)
    with_id, name_only, misses = measure(index, cases)
    print(f"{len(index.entities)} entities indexed, {len(cases)} labelled names")
    print(report(with_id, name_only))
    if args.misses:
        print("\n".join(misses))
    print(f"({time.perf_counter() - started:.1f} s)")
    ok = with_id.accuracy >= 0.95 and name_only.accuracy >= 0.90
    return 0 if ok and not (with_id.wrong_matches or name_only.wrong_matches) else 1


if __name__ == "__main__":
    sys.exit(main())
