"""The ``esskg`` command: build, validate, query and serve the knowledge graph."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Literal, URIRef

from service.errors import BuildFailed, EsskgError
from service.formats import RDF_FORMATS, RESULT_FORMATS, Format
from service.netguard import Guard, GuardUnavailable, hosts_of_urls, protect
from service.settings import Settings, get_settings
from service.store.base import QueryKind, QueryResult, Store, Term

if TYPE_CHECKING:
    from service.graph.contributions import Contribution

TABLE = "table"


def _show_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal)
    return f"{term}@{term.language}" if term.language else str(term)


def render_table(result: QueryResult) -> str:
    """A plain-text table of a SELECT, or the ASK answer, for people at a terminal."""
    if result.kind is QueryKind.ASK:
        return "true" if result.boolean else "false"
    names = result.variables
    rows = [[_show_term(row.get(n)) for n in names] for row in result.rows()]
    widths = [max([len(n) + 1, *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(("?" + n).ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _format_named(name: str, kind: QueryKind) -> Format:
    pool = RDF_FORMATS if kind is QueryKind.GRAPH else RESULT_FORMATS
    for fmt in pool:
        if name in (fmt.name, *fmt.aliases):
            return fmt
    choices = ", ".join(f.name for f in pool)
    raise EsskgError(f"format {name!r} does not fit a {kind} query; choose one of {choices}")


def cmd_build(settings: Settings, _: argparse.Namespace) -> int:
    from service.graph.build import build

    result = build(settings)
    manifest = result.manifest
    for problem in result.warnings:
        print(problem.describe(), file=sys.stderr)
    print(f"built {manifest.triples} triples in {len(manifest.graphs)} named graphs")
    for name, size in sorted(manifest.graphs.items()):
        print(f"  {size:>8}  {name}")
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in manifest.timings.items())
    print(f"{manifest.warnings} warning(s); {timings}")
    _print_carried(settings, result.carried)
    for hidden in result.hidden:
        print(f"  note: {hidden.label} is replaced by the graph written over HTTP")
    print(f"store: {settings.resolve(settings.store_path)} -> {result.folder}")
    return 0


def _print_carried(settings: Settings, carried: Sequence[Contribution]) -> None:
    folder = settings.resolve(settings.contributions_path)
    print(f"{len(carried)} graph(s) written over HTTP, from {folder}:")
    for contribution in carried:
        name = contribution.graph or "(default graph)"
        print(f"  {contribution.triples:>8}  {name}  [{contribution.path.name}]")


def cmd_export_contributions(settings: Settings, args: argparse.Namespace) -> int:
    """A backup of every graph written over HTTP: copy the files back to restore."""
    from service.graph.contributions import Contributions

    carried = Contributions(settings.resolve(settings.contributions_path)).export(args.folder)
    print(f"exported {len(carried)} graph(s) to {args.folder}")
    for contribution in carried:
        print(f"  {contribution.triples:>8}  {contribution.graph or '(default graph)'}")
    return 0


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    from service.graph.build import build_inputs, referentials_of
    from service.graph.check import check_sources
    from service.graph.sources import extra_data_files

    sources = build_inputs(settings).sources + extra_data_files(list(args.files), settings.root)
    checked = check_sources(
        sources,
        reasoner=settings.reasoner,
        validator=settings.validator,
        referentials=referentials_of(settings),
    )
    for problem in checked.warnings:
        print(problem.describe(), file=sys.stderr)
    print(f"valid: {len(sources)} file(s), {len(checked.warnings)} warning(s)")
    return 0


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from service.store.factory import open_store

    if (args.file is None) == (args.name is None):
        raise EsskgError("give either a FILE (or -) or --name AREA/NAME")
    if args.param and args.name is None:
        raise EsskgError("--param only applies to a catalogue query (--name)")
    store = open_store(settings, read_only=True)
    try:
        if args.name is not None:
            result = _run_canned(settings, store, args.name, args.param)
        else:
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
            result = store.query(text)
        if args.format == TABLE:
            print(render_table(result))
        else:
            sys.stdout.buffer.write(result.serialize(_format_named(args.format, result.kind)))
    finally:
        store.close()
    return 0


def _run_canned(settings: Settings, store: Store, name: str, pairs: list[str]) -> QueryResult:
    """A catalogue query with ``key=value`` parameters, typed and bound as on the web API."""
    from service.queries.catalogue import Catalogue
    from service.queries.run import is_member, resolve_params
    from service.sparql.binding import bind_variables

    query = Catalogue.load(settings.root / "queries").get(name)
    if query is None:
        raise EsskgError(f"no query {name!r} in {settings.root / 'queries'}")
    raw: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise EsskgError(f"--param expects key=value, got {pair!r}")
        raw[key] = value
    bindings = resolve_params(query, raw, functools.partial(is_member, store))
    return store.query(bind_variables(query.text, bindings))


def cmd_push(settings: Settings, _: argparse.Namespace) -> int:
    from service.graph.push import push
    from service.store.factory import open_store

    if settings.store_backend != "remote":
        raise EsskgError("push needs ESSKG_STORE_BACKEND=remote and ESSKG_REMOTE_* URLs")
    local = open_store(settings.model_copy(update={"store_backend": "oxigraph"}), read_only=True)
    remote = open_store(settings)
    try:
        for name, size in push(local, remote).items():
            print(f"  {size:>8}  {name}")
    finally:
        local.close()
        remote.close()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from service.api.app import create_app
    from service.api.server import server_config

    update: dict[str, object] = {"host": args.host, "port": args.port}
    if "prepare_writes" not in settings.model_fields_set:  # a server: ready for its first write
        update["prepare_writes"] = True
    settings = settings.model_copy(update=update)
    config = server_config("service.api.app:create_app", settings.host, settings.port)
    listening = config.bind_socket()  # before the guard: no Internet socket is made after it
    if settings.network_guard:
        guard = protect_network(settings)
        print(f"network guard: {guard.mode}, allowed {list(guard.allowed) or 'none'}")
    config.app = create_app(settings)
    uvicorn.Server(config).run(sockets=[listening])
    return 0


def protect_network(settings: Settings) -> Guard:
    """The kernel-enforced outbound policy of ``service.netguard`` for this service."""
    remote = (
        [settings.remote_query_url, settings.remote_update_url, settings.remote_gsp_url]
        if settings.store_backend == "remote"
        else []
    )
    allowed = [*settings.allowed_service_hosts, *hosts_of_urls(remote)]
    try:
        return protect(allowed)
    except GuardUnavailable as exc:
        raise SystemExit(
            f"esskg serve: {exc}. Set ESSKG_NETWORK_GUARD=false to serve without it "
            "(SERVICE and LOAD are then refused by reading the query text only)."
        ) from exc


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="esskg", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    sub.add_parser("build", help="check every source and load a fresh store atomically")

    validate = sub.add_parser("validate", help="check files without loading them (dry run)")
    validate.add_argument("files", nargs="*", type=Path, help="extra data files to check")

    query = sub.add_parser("query", help="run a SPARQL query against the built store")
    query.add_argument("file", nargs="?", help="a .rq file, or - for standard input")
    query.add_argument("--name", help="a catalogue query instead, e.g. spaser/get-adoption-rate")
    query.add_argument(
        "--param", action="append", default=[], help="a parameter of --name, as key=value"
    )
    formats = [TABLE, *(f.name for f in (*RESULT_FORMATS, *RDF_FORMATS))]
    query.add_argument("--format", default=TABLE, choices=formats, help="output format")

    sub.add_parser("push", help="publish the current build to the remote SPARQL engine")

    export = sub.add_parser(
        "export-contributions", help="copy every graph written over HTTP into a folder (backup)"
    )
    export.add_argument("folder", type=Path, help="where the files go (created if missing)")

    serve = sub.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", default=get_settings().host)
    serve.add_argument("--port", type=int, default=get_settings().port)
    return top


COMMANDS = {
    "build": cmd_build,
    "validate": cmd_validate,
    "query": cmd_query,
    "push": cmd_push,
    "export-contributions": cmd_export_contributions,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = get_settings()
    try:
        return COMMANDS[args.command](settings, args)
    except BuildFailed as exc:
        print(f"esskg {args.command}: failed\n{exc.report}", file=sys.stderr)
        return 1
    except EsskgError as exc:
        print(f"esskg {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
