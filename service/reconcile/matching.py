"""Scores and ``match``: rapidfuzz over French-folded names, identifiers decide.

A SIREN property names one legal person: its entity scores 100 and matches. An INSEE code
restricts the candidates to the entities of that commune (or territory); a commune or a
département property restricts them the same way. Among what is left, names are compared
with rapidfuzz's ``WRatio`` on :func:`service.french_names.core` forms (accents, case,
hyphens, « St », « CA », articles folded). ``match`` is only said when it cannot be wrong
on the evidence: an identifier agreed, or one candidate whose folded name equals the
query's and no other candidate of the query's type bears it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from service.french_names import core
from service.reconcile.index import Entity, Index, departement_of


@dataclass(frozen=True)
class Query:
    """One decoded reconciliation query."""

    text: str
    types: tuple[str, ...] = ()
    limit: int = 5
    siren: str | None = None
    code: str | None = None
    commune: str | None = None
    departement: str | None = None


@dataclass(frozen=True)
class Candidate:
    entity: Entity
    score: float
    match: bool


def _typed(index: Index, ids: list[str], types: tuple[str, ...]) -> list[Entity]:
    found = [index.entities[i] for i in ids]
    return [e for e in found if not types or e.types.intersection(types)]


def _restrict(entities: list[Entity], query: Query) -> list[Entity]:
    if query.commune:
        wanted = core(query.commune)
        entities = [e for e in entities if e.place and core(e.place) == wanted]
    if query.departement:
        entities = [e for e in entities if e.departement == query.departement.upper()]
    return entities


def _name_score(entity: Entity, wanted: str) -> float:
    return max(fuzz.WRatio(wanted, name) for name in entity.names) if entity.names else 0.0


def reconcile(index: Index, query: Query) -> list[Candidate]:
    wanted = core(query.text)
    if query.siren:
        exact = _typed(index, index.by_siren.get(query.siren.replace(" ", ""), []), query.types)
        if len(exact) == 1:
            return [Candidate(exact[0], 100.0, True)]
    if query.code:
        local = _restrict(
            _typed(index, index.by_code.get(query.code.upper(), []), query.types), query
        )
        if local:
            scored = sorted(((_name_score(e, wanted), e) for e in local), key=lambda p: -p[0])
            best_score, best = scored[0]
            runner = scored[1][0] if len(scored) > 1 else 0.0
            decisive = best_score >= 80 and best_score - runner >= 10
            return [Candidate(e, s, decisive and e is best) for s, e in scored[: query.limit]]
    hits = process.extract(wanted, index.names, scorer=fuzz.WRatio, limit=60, score_cutoff=60)
    candidates: dict[str, tuple[float, Entity]] = {}
    for name, score, _ in hits:
        for entity in _restrict(_typed(index, index.by_name[name], query.types), query):
            bonus = 1.0 if name == wanted else 0.0
            total = min(100.0, float(score) + bonus)
            if entity.id not in candidates or candidates[entity.id][0] < total:
                candidates[entity.id] = (total, entity)
    ranked = sorted(candidates.values(), key=lambda p: (-p[0], p[1].id))
    exact = [e for s, e in ranked if wanted in e.names]
    unique = len(exact) == 1
    return [Candidate(e, round(s, 1), unique and e is exact[0]) for s, e in ranked[: query.limit]]


def departement_from(code: str) -> str:
    return departement_of(code)
