"""The request lexer (``service.sparql.safety``) reads every W3C SPARQL 1.1 text as the engine.

The lexer decides where IRIs, strings and comments begin and end. If it misread one, it would
see other keywords and brackets than the engine does. The check: every IRI the lexer found is
replaced by a fresh IRI, every string by a fresh string, every comment and run of white space
by one space. Read by the engine, that text must still parse, as the same kind of request,
whenever the original parses: a boundary drawn in the wrong place (``<2)#>`` taken for an
IRI where the engine reads less-than and a comment) breaks it. Run over the W3C syntax suites,
positive and negative, and over every query and update of the evaluation suites.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from service.netguard import protect
from service.sparql.safety import _TOKEN, _tokens, scan
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


def _update_parses(text: str) -> bool:
    """Whether the engine parses an update. Parsing means running, on an empty store; a
    ``LOAD`` would then fetch, so it runs in a child that the network guard keeps offline."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            protect([])
        except BaseException:
            os._exit(3)
        code = 0
        try:
            ox.Store().update(text)
        except SyntaxError:
            code = 1
        except BaseException:
            code = 0  # parsed, then failed while running (a refused LOAD, say)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError(f"the parsing child failed ({code})")
    return code == 0


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


@pytest.mark.skipif(not TEXTS, reason=MISSING)
@pytest.mark.parametrize(("name", "path", "update"), TEXTS, ids=[t[0] for t in TEXTS])
def test_the_lexer_draws_the_engines_boundaries(name: str, path: Path, update: bool) -> None:
    text = path.read_text(encoding="utf-8")
    original = _engine_kind(text, update)
    found = scan(text)  # never raises, whatever the text
    if original is None:
        return  # the engine refuses it: the lexer is no validator
    assert found.nesting <= 128, "a text the engine accepts must not be refused as too deep"
    if not update and original != "parsed":
        assert found.form is original
    redrawn = _redrawn(text)
    assert _engine_kind(redrawn, update) is not None, f"the lexer misread {name}:\n{redrawn}"


def test_the_check_catches_a_misread_iri() -> None:
    """The oracle itself: a lexer that takes ``<2)#>`` for an IRI makes the text unparsable."""
    text = "SELECT * WHERE { FILTER(1<2)#> }\n}"
    assert _engine_kind(text, False) is QueryKind.SELECT
    misread = "SELECT * WHERE { FILTER(1<urn:esskg:lexed:1> }\n}"
    assert _engine_kind(misread, False) is None
    assert _engine_kind(_redrawn(text), False) is QueryKind.SELECT


def test_there_are_hundreds_of_texts() -> None:
    if not TEXTS:
        pytest.skip(MISSING)
    assert len(TEXTS) > 400
