"""What a SPARQL Update would change, as a delta, computed without changing anything.

The gate needs every write as a delta before it commits it (to check it, to record it, to
hand it to the query engine). An update is a sequence of operations; each becomes reads the
store answers natively, and the engine does all the parsing:

* ``INSERT DATA``, ``DELETE DATA`` and ``LOAD`` run on an empty scratch store (``DELETE
  DATA`` as the ``INSERT DATA`` of the same block), so the engine itself reads the data,
  resolves prefixes and fetches (a ``LOAD`` connects from the server, under the network
  guard, like every connection it makes);
* ``DELETE``/``INSERT`` … ``WHERE`` (and ``DELETE WHERE``): the pattern is asked of the
  store as ``SELECT *`` over the operation's dataset (``WITH``, ``USING``), then the engine
  instantiates the templates on a scratch store from those solutions, bound through a
  callback: a blank node from the data stays itself, a template's own is fresh per
  solution, as the standard says;
* ``CLEAR``, ``DROP``, ``CREATE``, ``ADD``, ``MOVE``, ``COPY``: whole graphs, read from
  the store.

Operations run in order, each against the state the ones before it leave. A pattern is
matched against the stored state only, so a ``WHERE`` that follows an operation that changed
something is not answered that way: the whole update then runs on a scratch copy of the
store, which is compared with the store (right, and as costly as a copy: a rare shape).
The store's own default graph (not the union) is what an operation's pattern reads without
``WITH`` or ``USING``, as in the engine's own updates. ``tests/service/test_update_effect.py``
checks the result against the engine's own update on every W3C SPARQL 1.1 Update
evaluation test.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from service.errors import EvaluationError
from service.sparql.safety import Token
from service.sparql.safety import _tokens as lex
from service.sparql.updates import CustomFunctions
from service.store.base import Solution, Store
from service.store.delta import Delta, EngineTerm, GraphName, engine_graph, in_graph
from service.store.oxigraph import syntax_error

T = TypeVar("T")

#: Called back by the engine for the values of one solution (see :func:`_instantiate`).
_SOLUTION_VALUE = ox.NamedNode("urn:esskg:solution-value")
_ROW = "?esskg_effect_row"

_GRAPH_OPERATIONS = frozenset({"CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"})


class _NotSimple(Exception):
    """The update has a shape computed on a scratch copy of the store instead."""


@dataclass
class _Operation:
    kind: str  # INSERT DATA, DELETE DATA, DELETE WHERE, MODIFY, LOAD, or a graph operation
    prologue: str  # the PREFIX and BASE declarations in force
    tokens: list[Token]  # with offsets into ``source``
    text: str  # the operation's own text
    source: str  # the whole update


@dataclass
class _Modify:
    """The parts of a ``DELETE``/``INSERT`` … ``WHERE`` operation, as text."""

    with_graph: str | None = None
    delete: str | None = None
    insert: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    where: str = "{}"


def _end(token: Token) -> int:
    return token.start + len(token.text)


def _split(text: str) -> list[_Operation]:
    """The operations of an update, each with the prologue in force where it starts."""
    tokens, _ = lex(text)
    operations: list[_Operation] = []
    prologue: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "word" and token.upper == "PREFIX" and i + 2 < len(tokens):
            prologue.append(text[token.start : _end(tokens[i + 2])])
            i += 3
            continue
        if token.kind == "word" and token.upper == "BASE" and i + 1 < len(tokens):
            prologue.append(text[token.start : _end(tokens[i + 1])])
            i += 2
            continue
        j = i
        while j < len(tokens) and not (
            tokens[j].depth == 0 and tokens[j].kind == "other" and tokens[j].text == ";"
        ):
            j += 1
        own = tokens[i:j]
        if not own:
            raise _NotSimple("an empty operation")
        operations.append(
            _Operation(
                _kind(own), "\n".join(prologue), own, text[own[0].start : _end(own[-1])], text
            )
        )
        i = j + 1
    return operations


def _kind(tokens: list[Token]) -> str:
    words = [t.upper if t.kind == "word" else "" for t in tokens[:2]] + ["", ""]
    first, second = words[0], words[1]
    if first in ("INSERT", "DELETE") and second in ("DATA", "WHERE"):
        return f"{first} {second}"
    if first in ("INSERT", "DELETE", "WITH"):
        return "MODIFY"
    if first == "LOAD" or first in _GRAPH_OPERATIONS:
        return first
    raise _NotSimple(first)


def _group(tokens: list[Token], open_at: int, text: str) -> tuple[str, int]:
    """The text of the brace group opening at ``tokens[open_at]``, and the index past it."""
    opening = tokens[open_at]
    if opening.kind != "open" or opening.text != "{":
        raise _NotSimple("a group was expected")
    for k in range(open_at + 1, len(tokens)):
        token = tokens[k]
        if token.kind == "close" and token.text == "}" and token.depth == opening.depth:
            return text[opening.start : _end(token)], k + 1
    raise _NotSimple("an unclosed group")


def _modify(operation: _Operation) -> _Modify:
    """Read the parts of a ``MODIFY`` (or a ``DELETE WHERE``) from its tokens."""
    tokens, text = operation.tokens, operation.source
    parts = _Modify()
    i = 0
    while i < len(tokens):
        word = tokens[i].upper if tokens[i].kind == "word" else ""
        if word == "WITH":
            parts.with_graph = tokens[i + 1].text
            i += 2
        elif word in ("DELETE", "INSERT") and tokens[i + 1].kind == "word":  # DELETE WHERE
            group, i = _group(tokens, i + 2, text)
            parts.delete, parts.where = group[1:-1], group
        elif word in ("DELETE", "INSERT"):
            group, i = _group(tokens, i + 1, text)
            if word == "DELETE":
                parts.delete = group[1:-1]
            else:
                parts.insert = group[1:-1]
        elif word == "USING":
            named = tokens[i + 1].kind == "word" and tokens[i + 1].upper == "NAMED"
            target = tokens[i + 2] if named else tokens[i + 1]
            (parts.using_named if named else parts.using).append(target.text)
            i += 3 if named else 2
        elif word == "WHERE":
            parts.where, i = _group(tokens, i + 1, text)
        else:
            raise _NotSimple(tokens[i].text)
    return parts


class _Effect:
    """The update's delta so far, and reads of the state it leaves."""

    def __init__(self, store: Store, base_iri: str | None) -> None:
        self.store = store
        self.base_iri = base_iri
        self.delta = Delta()

    # -- the engine's hand: parsing, resolving, instantiating ------------------------------

    def scratch_update(
        self, prologue: str, text: str, functions: CustomFunctions | None = None
    ) -> set[ox.Quad]:
        """What ``text`` leaves in an empty store."""
        scratch = ox.Store()
        update = f"{prologue}\n{text}"
        _engine(lambda: scratch.update(update, base_iri=self.base_iri, custom_functions=functions))
        return set(scratch)

    def iri(self, prologue: str, spelled: str) -> str:
        """The absolute IRI an IRI or prefixed name of the update stands for."""
        query = f"{prologue}\nSELECT ({spelled} AS ?iri) {{}}"
        answer = _engine(lambda: ox.Store().query(query, base_iri=self.base_iri))
        assert isinstance(answer, ox.QuerySolutions)
        (solution,) = answer
        value = solution["iri"]
        if not isinstance(value, ox.NamedNode):
            raise EvaluationError(f"{spelled} is not an IRI")
        return value.value

    # -- the state the operations so far leave ------------------------------------------------

    def quads(self, name: GraphName) -> set[ox.Quad]:
        target = engine_graph(name)
        kept = {q for q in self.store.quads(name) if q not in self.delta.removed}
        return kept | {q for q in self.delta.added if q.graph_name == target}

    def present(self, quads: Collection[ox.Quad]) -> set[ox.Quad]:
        stored = self.store.present([q for q in quads if q not in self.delta.added])
        return (stored - self.delta.removed) | {q for q in quads if q in self.delta.added}

    def exists(self, name: GraphName) -> bool:
        return name is None or bool(self.quads(name))

    def graph_names(self) -> set[str]:
        names = set(self.store.graph_names())
        for name in self.delta.graphs():
            if name is not None:
                (names.add if self.quads(name) else names.discard)(name)
        return names

    def change(self, removed: Iterable[ox.Quad] = (), added: Iterable[ox.Quad] = ()) -> None:
        """Record one operation's effect: removing ``removed`` and then adding ``added``."""
        gone, new = set(removed), set(added)
        step = Delta.of(self.present(gone) - new, new - self.present(new))
        self.delta = self.delta.then(step)

    # -- the operations ----------------------------------------------------------------------

    def run(self, operation: _Operation) -> None:
        kind = operation.kind
        if kind == "INSERT DATA" or kind == "LOAD":
            self.change(added=self.scratch_update(operation.prologue, operation.text))
        elif kind == "DELETE DATA":
            as_insert = "INSERT" + operation.text[len("DELETE") :]
            self.change(removed=self.scratch_update(operation.prologue, as_insert))
        elif kind in ("MODIFY", "DELETE WHERE"):
            if self.delta:
                raise _NotSimple("a pattern after a change")
            self.modify(operation)
        else:
            self.graph_operation(operation)

    def modify(self, operation: _Operation) -> None:
        parts = _modify(operation)
        prologue = operation.prologue
        with_graph = self.iri(prologue, parts.with_graph) if parts.with_graph else None
        named: list[str] | None = [self.iri(prologue, g) for g in parts.using_named]
        default: list[GraphName]
        if parts.using or parts.using_named:
            default = [self.iri(prologue, g) for g in parts.using]
        else:
            default, named = [with_graph], sorted(self.store.graph_names())
        result = self.store.query(
            f"{prologue}\nSELECT * WHERE {parts.where}",
            default_graphs=default,
            named_graphs=named,
            base_iri=self.base_iri,
        )
        variables = result.variables
        solutions = list(result.solutions())
        with_clause = f"WITH {parts.with_graph} " if parts.with_graph else ""
        removed = self._instantiate(prologue, with_clause, parts.delete, variables, solutions)
        added = self._instantiate(prologue, with_clause, parts.insert, variables, solutions)
        self.change(removed, added)

    def _instantiate(
        self,
        prologue: str,
        with_clause: str,
        template: str | None,
        variables: Sequence[str],
        solutions: Sequence[Solution],
    ) -> set[ox.Quad]:
        """The template's quads for every solution, made by the engine."""
        if template is None or not solutions:
            return set()

        def value(row: ox.Literal, position: ox.Literal) -> EngineTerm | None:
            return solutions[int(row.value)][int(position.value)]

        rows = " ".join(str(i) for i in range(len(solutions)))
        binds = " ".join(
            f"BIND(<{_SOLUTION_VALUE.value}>({_ROW}, {k}) AS ?{name})"
            for k, name in enumerate(variables)
        )
        text = (
            f"{with_clause}INSERT {{ {template} }} WHERE {{ VALUES {_ROW} {{ {rows} }} {binds} }}"
        )
        return self.scratch_update(prologue, text, {_SOLUTION_VALUE: value})

    def graph_operation(self, operation: _Operation) -> None:
        kind, prologue = operation.kind, operation.prologue
        words = operation.tokens[1:]
        silent = bool(words) and words[0].kind == "word" and words[0].upper == "SILENT"
        if silent:
            words = words[1:]
        if kind in ("CLEAR", "DROP"):
            self.clear(prologue, words, silent)
        elif kind == "CREATE":
            name = self.iri(prologue, words[-1].text)
            if self.exists(name) and not silent:
                raise EvaluationError(f"The graph <{name}> already exists")
        else:
            split = next(i for i, t in enumerate(words) if t.kind == "word" and t.upper == "TO")
            source = self._graph_ref(prologue, words[:split])
            target = self._graph_ref(prologue, words[split + 1 :])
            self.transfer(kind, source, target, silent)

    def _graph_ref(self, prologue: str, words: list[Token]) -> GraphName:
        last = words[-1]
        if last.kind == "word" and last.upper == "DEFAULT":
            return None
        return self.iri(prologue, last.text)

    def clear(self, prologue: str, words: list[Token], silent: bool) -> None:
        target = words[0].upper if words[0].kind == "word" else ""
        if target == "GRAPH":
            name = self.iri(prologue, words[1].text)
            if not self.exists(name):
                if silent:
                    return
                raise EvaluationError(f"The graph <{name}> does not exist")
            self.change(removed=self.quads(name))
        elif target == "DEFAULT":
            self.change(removed=self.quads(None))
        else:
            names: list[GraphName] = [*sorted(self.graph_names())]
            if target == "ALL":
                names.append(None)
            self.change(removed={q for name in names for q in self.quads(name)})

    def transfer(self, kind: str, source: GraphName, target: GraphName, silent: bool) -> None:
        if source == target:
            return
        if kind == "MOVE" and not self.exists(source):
            if silent:
                return
            raise EvaluationError(f"The graph <{source}> does not exist")
        moved = in_graph((q.triple for q in self.quads(source)), target)
        if kind == "ADD":
            self.change(added=moved)
            return
        removed = self.quads(target) - moved
        if kind == "MOVE":
            removed |= self.quads(source)
        self.change(removed, moved)


def _engine(action: Callable[[], T]) -> T:
    """Call the engine, with its failures as the service's typed errors."""
    try:
        return action()
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    except (OSError, RuntimeError, ValueError) as exc:
        raise EvaluationError(str(exc)) from exc


def update_effect(store: Store, text: str, base_iri: str | None = None) -> Delta:
    """The delta the update ``text`` would make to ``store``; the store is left as it is.

    Raises the engine's syntax errors with their positions, and :class:`EvaluationError`
    where the engine would refuse to carry the update out.
    """
    try:
        operations = _split(text)
    except _NotSimple:
        operations = None
    if operations is not None and not any(o.kind == "LOAD" for o in operations):
        _check_syntax(text, base_iri)
    if operations is None:
        return _on_a_copy(store, text, base_iri)
    effect = _Effect(store, base_iri)
    try:
        for operation in operations:
            effect.run(operation)
    except _NotSimple:
        return _on_a_copy(store, text, base_iri)
    return effect.delta


def _check_syntax(text: str, base_iri: str | None) -> None:
    """Raise the engine's syntax error for ``text``, if any: the rules a rewritten operation
    would not meet (no blank node in a ``DELETE``) are checked on the text as sent. The
    engine has no parse-only call, so the update runs on an empty store, where whatever
    else it might refuse (a graph that does not exist) is of no interest."""
    try:
        ox.Store().update(text, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    except (OSError, RuntimeError, ValueError):
        pass


def _on_a_copy(store: Store, text: str, base_iri: str | None) -> Delta:
    """The update run on a scratch copy of the whole store, then compared with it."""
    before = set(store.all_quads())
    scratch = ox.Store()
    scratch.extend(before)
    _engine(lambda: scratch.update(text, base_iri=base_iri))
    after = set(scratch)
    return Delta(frozenset(before - after), frozenset(after - before))
