"""The request lexer (``service.sparql.safety``) reads every W3C SPARQL 1.1 text as the engine.

The lexer decides where IRIs, strings and comments begin and end. If it misread one, it would
see other keywords and brackets than the engine does. The check: every IRI the lexer found is
replaced by a fresh IRI, every string by a fresh string, every comment and run of white space
by one space. Read by the engine, that text must still parse, as the same kind of request,
whenever the original parses: a boundary drawn in the wrong place (``<2)#>`` taken for an
IRI where the engine reads less-than and a comment) breaks it. Run over the W3C syntax suites,
positive and negative, and over every query and update of the evaluation suites.

What the lexer reports is compared with the engine's own reading, where the engine shows it:

* ``SERVICE`` targets: the engine's query plan (the ``oxigraph`` command's ``--explain-file``,
  same engine as pyoxigraph, run offline) names each ``SERVICE`` it would call; every one
  must be among the lexer's (or the lexer must report one it cannot name, which is refused);
* ``FROM`` and ``FROM NAMED``: the query is evaluated offline on a store where every IRI of
  the text names a graph of its own, once with its own dataset and once with the dataset the
  lexer read given explicitly (the protocol's override): the answers must be the same;
* ``LOAD``: an update in which the lexer sees neither ``LOAD`` nor ``SERVICE`` must not make
  the engine try the network when it runs, offline, on an empty store (a ``SILENT`` one hides
  its attempt: the network guard is what stops it, see ``tests/security``);
* nesting: the brackets left in the redrawn text (where the engine agreed on every boundary)
  nest exactly as deep as the lexer says.

On a text the engine refuses, the lexer and the checks built on it must not fail otherwise
than with a refusal. Without the suites, the module fails under CI (``CI`` set: they are
cloned beside the repository there) and is skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from service.errors import BadRequest, QueryRefused
from service.netguard import protect
from service.sparql.safety import (
    _TOKEN,
    Scan,
    _resolve,
    _tokens,
    check_nesting,
    check_query,
    check_update,
    scan,
)
from service.store.base import QueryKind
from tests.w3c.common import MF, MISSING, SPARQL11, W3C

SYNTAX_FOLDERS = ("syntax-query", "syntax-update-1", "syntax-update-2", "syntax-fed")
UPDATE_TYPES = {"PositiveUpdateSyntaxTest11", "NegativeUpdateSyntaxTest11", "UpdateEvaluationTest"}


def _texts() -> list[tuple[str, Path, bool]]:
    """(id, file, is an update) for every syntax test and every evaluation request."""
    if not W3C.exists():
        return []
    found: dict[Path, tuple[str, Path, bool]] = {}
    for folder in SYNTAX_FOLDERS:
        manifest = SPARQL11 / folder / "manifest.ttl"
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for entry, kind in graph.subject_objects(RDF.type):
            action = graph.value(entry, MF.action)
            if action is None or not str(action).startswith("file://"):
                continue
            path = Path(str(action).removeprefix("file://"))
            update = str(kind).rsplit("#", 1)[-1] in UPDATE_TYPES
            found[path] = (f"{folder}/{path.name}", path, update)
    for path in sorted(SPARQL11.glob("*/*.r[qu]")):
        found.setdefault(path, (f"{path.parent.name}/{path.name}", path, path.suffix == ".ru"))
    return sorted(found.values())


TEXTS = _texts()
#: The suites are cloned beside the repository in CI: there, a missing suite is a failure.
IN_CI = bool(os.environ.get("CI"))


def _missing() -> None:
    if IN_CI:
        pytest.fail(MISSING)
    pytest.skip(MISSING)


def _engine_kind(text: str, update: bool) -> QueryKind | str | None:
    """What the engine reads: the query's kind, ``update``, or None when it refuses."""
    if update:
        return "update" if _update_parses(text) else None
    try:
        answer = ox.Store().query(text)
    except SyntaxError:
        return None
    except (OSError, RuntimeError, ValueError):  # parsed; failed while running
        return "update" if update else "parsed"
    if isinstance(answer, ox.QuerySolutions):
        return QueryKind.SELECT
    if isinstance(answer, ox.QueryBoolean):
        return QueryKind.ASK
    return QueryKind.GRAPH


def _offline(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a child that the network guard keeps offline (running a text
    may make the engine connect: ``SERVICE``, ``LOAD``); its result comes back pickled."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            os.close(read_end)
            protect([])
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(function(*args)))
        except BaseException:
            code = 3
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reply:
        data = reply.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        raise RuntimeError(f"the offline child failed ({status})")
    return pickle.loads(data)


def _run_update(text: str) -> str:
    """Run an update on an empty store: ``syntax``, ``ok``, or the error it failed with."""
    try:
        ox.Store().update(text)
    except SyntaxError:
        return "syntax"
    except Exception as exc:  # parsed, then failed while running (a refused LOAD, say)
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def _update_parses(text: str) -> bool:
    """Whether the engine parses an update (parsing means running it: offline)."""
    return bool(_offline(_run_update, text) != "syntax")


def _redrawn(text: str) -> str:
    """The text with each lexed IRI, string and comment replaced (see the module docstring)."""
    out: list[str] = []
    for count, (kind, value) in enumerate(scan_tokens(text)):
        if kind == "iri":
            out.append(f"<urn:esskg:lexed:{count}>")
        elif kind == "string":
            out.append('"s"')
        elif kind in ("ws", "comment"):
            out.append(" ")
        else:
            out.append(value)
    return "".join(out)


def scan_tokens(text: str) -> list[tuple[str, str]]:
    """Every token as the lexer cuts it, white space and comments included."""
    significant, _ = _tokens(text)
    starts = {t.start: t for t in significant}
    pieces: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        token = starts.get(pos)
        if token is not None:
            pieces.append((token.kind, token.text))
            pos += len(token.text)
            continue
        match = _TOKEN.match(text, pos)
        assert match is not None and match.lastgroup in ("ws", "comment"), (pos, text[pos:])
        pieces.append((match.lastgroup, match.group()))
        pos = match.end()
    return pieces


@pytest.mark.parametrize(("name", "path", "update"), TEXTS, ids=[t[0] for t in TEXTS])
def test_the_lexer_draws_the_engines_boundaries(
    name: str, path: Path, update: bool, plan_store: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    original = _engine_kind(text, update)
    found = scan(text)  # never raises, whatever the text
    if original is None:
        _only_refusals(found, update)  # the engine refuses it: the lexer is no validator
        return
    assert found.nesting <= 128, "a text the engine accepts must not be refused as too deep"
    if not update and original != "parsed":
        assert found.form is original
    redrawn = _redrawn(text)
    assert _engine_kind(redrawn, update) is not None, f"the lexer misread {name}:\n{redrawn}"
    assert _depth(redrawn) == found.nesting, "the lexer's nesting is not the engine's"
    if update:
        _no_unseen_fetch(text, found)
        return
    _same_services(text, found, plan_store)
    _same_dataset(text, found)


def _only_refusals(found: Scan, update: bool) -> None:
    """The checks built on the lexer refuse a text or let it through, never fail otherwise."""
    try:
        check_nesting(found, 128)
        if update:
            check_update(found, ["example.org"])
        else:
            check_query(found, ["example.org"], ["http://example.org/g"])
    except (BadRequest, QueryRefused):
        pass


def _depth(redrawn: str) -> int:
    """Bracket nesting of the redrawn text, in which the only brackets left are syntax."""
    depth = deepest = 0
    for char in redrawn:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest


# -- SERVICE: the engine's plan -------------------------------------------------------------------

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
_PLANNED = re.compile(r"(?:Service\(|SERVICE (?:SILENT )?)(<[^>]*>|\?\w+)")


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An Oxigraph store on disk for the command to plan queries against (one triple)."""
    if not Path(OXIGRAPH).is_file():
        if IN_CI:
            pytest.fail("the oxigraph command (a test dependency) is not installed")
        pytest.skip("the oxigraph command is not installed")
    folder = tmp_path_factory.mktemp("plans")
    data = folder / "data.nt"
    data.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    store = folder / "store"
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(store), "--file", str(data)],
        check=True,
        capture_output=True,
    )
    yield store


def _planned_services(text: str, store: Path) -> set[str] | None:
    """``SERVICE`` targets in the engine's plan of ``text`` (None: no plan, it refused it).
    The command evaluates the query too, so it runs offline (the guard, kept across exec)."""
    explain = store.parent / "explain.json"
    explain.unlink(missing_ok=True)
    command = [OXIGRAPH, "query", "--location", str(store), "--results-format", "json"]
    subprocess.run(
        [*command, "--explain-file", str(explain), "--query", text],
        capture_output=True,
        timeout=60,
        preexec_fn=lambda: protect([]),
        check=False,
    )
    if not explain.is_file():
        return None
    names: list[str] = []
    pending = [json.loads(explain.read_text())["plan"]]
    while pending:
        node = pending.pop()
        names.append(node["name"])
        pending.extend(node.get("children", []))
    return {m.group(1).strip("<>") for name in names for m in _PLANNED.finditer(name)}


def _same_services(text: str, found: Scan, store: Path) -> None:
    planned = _planned_services(text, store)
    if planned is None or None in found.services:  # refused by one or the other
        return
    lexed = {t for t in found.services if t is not None}
    for target in planned:
        if target.startswith("?"):
            raise AssertionError(f"the engine calls SERVICE {target}, which the lexer missed")
        assert target in lexed, f"the engine calls SERVICE <{target}>; the lexer saw {lexed}"


# -- FROM and FROM NAMED: the answers with the dataset the lexer read --------------------------


def _iris(text: str) -> set[str]:
    """Every absolute IRI of the text, as the lexer resolves them."""
    tokens, _ = _tokens(text)
    prefixes = {}
    for i, token in enumerate(tokens[:-2]):
        if token.upper == "PREFIX" and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
    found = {_resolve(t, prefixes, None) for t in tokens if t.kind in ("iri", "pname")}
    return {i for i in found if i and re.match(r"^[a-zA-Z][\w+.-]*:[^\s<>\"{}|^`\\]*$", i)}


def _answers(text: str, graphs: list[str], dataset: tuple[list[str], list[str]] | None) -> Any:
    """The answer on a store where each IRI names a graph holding itself; ``dataset``: the
    default and named graphs given explicitly (None: the query's own)."""
    store = ox.Store()
    for iri in graphs:
        node = ox.NamedNode(iri)
        store.add(ox.Quad(node, node, node, node))
        store.add(ox.Quad(ox.NamedNode("urn:esskg:s"), ox.NamedNode("urn:esskg:p"), node, node))
    mark, other = ox.NamedNode("urn:esskg:default"), ox.NamedNode("urn:esskg:other")
    store.add(ox.Quad(mark, mark, mark, ox.DefaultGraph()))
    store.add(ox.Quad(other, other, other, other))  # a graph no dataset clause names
    try:
        if dataset is None:
            answer = store.query(text)
        else:
            default, named = dataset
            if not default and not named:  # no dataset clause: the store's own dataset
                default_graph: list[Any] = [ox.DefaultGraph()]
                named_graphs = [other, *(ox.NamedNode(g) for g in graphs)]
            else:
                default_graph = [ox.NamedNode(g) for g in default]
                named_graphs = [ox.NamedNode(g) for g in named]
            answer = store.query(text, default_graph=default_graph, named_graphs=named_graphs)
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        return sorted(str(row) for row in answer)
    except Exception as exc:  # a SERVICE refused offline, an evaluation error: no answer
        return ("error", type(exc).__name__)


def _same_dataset(text: str, found: Scan) -> None:
    if None in found.from_graphs:
        return  # an IRI the lexer cannot resolve: refused
    tokens, _ = _tokens(text)
    kinds = list(zip(_from_words(tokens), found.from_graphs, strict=True))
    named = [g for is_named, g in kinds if is_named and g]
    default = [g for is_named, g in kinds if not is_named and g]
    _dataset_read_as(text, default, named)


def _dataset_read_as(text: str, default: list[str], named: list[str]) -> None:
    """The engine's answers with its own dataset are those with ``default`` and ``named``."""
    graphs = sorted(_iris(text) | set(default) | set(named))
    own = _offline(_answers, text, graphs, None)
    read = _offline(_answers, text, graphs, (default, named))
    if isinstance(own, tuple) or isinstance(read, tuple):
        return  # not answered offline
    assert own == read, f"the engine's dataset is not the one the lexer read ({default}, {named})"


def _from_words(tokens: list[Any]) -> list[bool]:
    """For each top-level FROM, whether it is FROM NAMED (in the order ``scan`` records)."""
    found = []
    for i, token in enumerate(tokens):
        if token.kind == "word" and token.upper == "FROM" and token.depth == 0:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            found.append(following is not None and following.upper == "NAMED")
    return found


# -- LOAD: no fetch the lexer did not see ------------------------------------------------------

_NETWORK = re.compile(r"lookup address|os error 13|Permission denied|[Cc]onnect|network", re.I)


def _no_unseen_fetch(text: str, found: Scan) -> None:
    if found.loads or found.services:
        return
    outcome = _offline(_run_update, text)
    assert not _NETWORK.search(outcome), f"the engine fetched what the lexer did not see: {outcome}"


def test_the_check_catches_a_misread_iri() -> None:
    """The oracle itself: a lexer that takes ``<2)#>`` for an IRI makes the text unparsable."""
    text = "SELECT * WHERE { FILTER(1<2)#> }\n}"
    assert _engine_kind(text, False) is QueryKind.SELECT
    misread = "SELECT * WHERE { FILTER(1<urn:esskg:lexed:1> }\n}"
    assert _engine_kind(misread, False) is None
    assert _engine_kind(_redrawn(text), False) is QueryKind.SELECT


def test_there_are_hundreds_of_texts() -> None:
    if not TEXTS:
        _missing()
    assert len(TEXTS) > 400


def test_the_oracles_catch_what_a_lexer_would_miss(plan_store: Path) -> None:
    """Each comparison, fed a reading that misses the target, fails."""
    service = "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://example.org/q> {} } }"
    assert _planned_services(service, plan_store) == {"http://example.org/q"}
    with pytest.raises(AssertionError, match="the lexer saw"):
        _same_services(service, Scan(), plan_store)
    _same_services(service, scan(service), plan_store)
    dataset = "SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }"
    with pytest.raises(AssertionError, match="dataset"):
        _dataset_read_as(dataset, [], [])
    _dataset_read_as(dataset, [], ["http://example.org/g"])
    default = "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"
    with pytest.raises(AssertionError, match="dataset"):
        _dataset_read_as(default, [], [])
    with pytest.raises(AssertionError, match="fetched"):
        _no_unseen_fetch("LOAD <http://example.org/data.ttl>", Scan())
    _no_unseen_fetch("INSERT DATA { <http://x/s> <http://x/p> 1 }", Scan())
    assert _depth("SELECT * { { ?s ?p (1) } }") == 3
