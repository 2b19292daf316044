"""Which resources the graph already has for the referential's entities (one per real entity).

A collectivité that a source page mentions and the referential lists must be one IRI. The
join reads only curated identifiers: the links graph (values marked verified in the
project's reference) and the curated statuses of special-status collectivités, never a
name. Two keys: a verified SIREN, and a territory the curated data says the authority
administers (``ess:hasTerritory``, or ``ess:alsoAdministers`` for a second level, as the
Ville de Paris does for département 75). Territory IRIs are minted from INSEE codes the same
way everywhere (``id/territoire/<kind>-<code>``), so the territory is itself the code key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from service.errors import BuildFailed
from service.namespaces import DEF, LINKS_GRAPH, referential_graph

#: Hand-curated facts about collectivités with a special status, each with its source.
STATUSES_GRAPH = referential_graph("statuts-particuliers")
CURATED_GRAPHS = frozenset({LINKS_GRAPH, STATUSES_GRAPH})

_SIREN = DEF + "siren"
_TERRITORY_KEYS = frozenset({DEF + "hasTerritory", DEF + "alsoAdministers"})


@dataclass
class Known:
    """Existing authorities by verified SIREN and by the territory they administer."""

    by_siren: dict[str, ox.NamedNode] = field(default_factory=dict)
    by_territory: dict[str, ox.NamedNode] = field(default_factory=dict)

    def authority(self, siren: str | None, territory: str) -> ox.NamedNode | None:
        """The one existing resource for this entity; a disagreement stops the build."""
        by_siren = self.by_siren.get(siren) if siren else None
        by_territory = self.by_territory.get(territory)
        if by_siren and by_territory and by_siren != by_territory:
            message = (
                f"curated identifiers disagree: SIREN {siren} is {by_siren.value}, "
                f"the authority of {territory} is {by_territory.value}"
            )
            raise BuildFailed(message, [message])
        return by_siren or by_territory


def known_entities(quads: Iterable[ox.Quad]) -> Known:
    """Read the curated graphs once; a SIREN or territory claimed twice stops the build."""
    sirens: dict[str, set[ox.NamedNode]] = defaultdict(set)
    territories: dict[str, set[ox.NamedNode]] = defaultdict(set)
    for quad in quads:
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph.value not in CURATED_GRAPHS:
            continue
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if predicate == _SIREN and isinstance(obj, ox.Literal):
            sirens[obj.value].add(subject)
        elif predicate in _TERRITORY_KEYS and isinstance(obj, ox.NamedNode):
            territories[obj.value].add(subject)
    clashes = [
        f"{key} is claimed by {', '.join(sorted(n.value for n in nodes))}"
        for table in (sirens, territories)
        for key, nodes in sorted(table.items())
        if len(nodes) > 1
    ]
    if clashes:
        raise BuildFailed("curated identifiers name two resources:\n  " + "\n  ".join(clashes))
    return Known(
        by_siren={k: next(iter(v)) for k, v in sirens.items()},
        by_territory={k: next(iter(v)) for k, v in territories.items()},
    )
