"""``esskg import`` and ``esskg partner``: the partner path from a terminal.

``esskg import`` writes to the built store through the same gate as HTTP writes, and keeps
the partner's graph as a contribution file, so the next ``esskg build`` carries it. Run it
while no server holds the store (a running server takes uploads at
``/partners/{P}/uploads``).
"""

from __future__ import annotations

import argparse
import mimetypes
import sys

from service.graph.contributions import Contributions
from service.graph.gate import WriteGate
from service.parsing.limits import ParseLimits
from service.partners.keys import PartnerKeys, check_name
from service.partners.messages import Lang
from service.partners.provenance import UploadFacts
from service.partners.upload import (
    Checks,
    Plan,
    UploadJob,
    commit,
    count_rows,
    is_rdf,
    parse_rdf,
)
from service.partners.vocabulary import shown
from service.settings import Settings


def print_plan(result: Plan, lang: Lang, *, dry: bool) -> None:
    for error in result.errors:
        print(error.describe(lang), file=sys.stderr)
    if result.errors:
        print(f"{len(result.errors)} erreur(s) : rien n'a été écrit", file=sys.stderr)
        return
    if result.unchanged:
        print(f"{result.rows} ligne(s) : rien ne change dans <{result.graph}>")
        return
    verb = "seraient" if dry else "ont été"
    print(
        f"{result.rows} ligne(s) : {len(result.added)} triplet(s) {verb} ajouté(s), "
        f"{len(result.removed)} retiré(s) dans <{result.graph}>"
    )
    if dry:
        for triple in result.added:
            print("  + " + " ".join(shown(triple)))
        for triple in result.removed:
            print("  - " + " ".join(shown(triple)))


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from service.store.factory import open_store

    partner = check_name(args.partner)
    data = args.file.read_bytes()
    media = mimetypes.guess_type(args.file.name)[0] or "application/octet-stream"
    rows = count_rows(data, args.file.name, media, args.kind)
    facts = UploadFacts(partner, args.kind, args.file.name, data, rows, who="esskg import")
    limits = ParseLimits.from_settings(settings)
    rdf = parse_rdf(data, args.file.name, media, limits) if is_rdf(args.file.name, media) else None
    store = open_store(settings)
    try:
        job = UploadJob(facts, media, rdf, args.dry_run, Checks.from_settings(settings))
        result = job.answer(store)
        if not args.dry_run:
            gate = WriteGate(
                store,
                reason=settings.infer_on_write,
                reasoner=settings.reasoner,
                validator=settings.validator,
                contributions=Contributions(settings.resolve(settings.contributions_path)),
            )
            result = commit(result, gate)
    finally:
        store.close()
    print_plan(result, "fr", dry=args.dry_run)
    return 1 if result.errors else 0


def cmd_partner(settings: Settings, args: argparse.Namespace) -> int:
    keys = PartnerKeys(settings.resolve(settings.partner_keys_path))
    if args.action == "add":
        keys.add(args.name)
        print(f"partner {args.name} added; its graph: graph/partner/{args.name}")
    elif args.action == "token":
        key = keys.issue(args.name)
        print(f"key of {args.name} (shown once; only its hash is kept):")
        print(key)
    else:
        keys.revoke(args.name)
        print(f"the key of {args.name} is revoked")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pathlib import Path

    from service.partners.kinds import KINDS

    upload = sub.add_parser("import", help="import a partner's CSV, XLSX or RDF file")
    upload.add_argument("file", type=Path)
    upload.add_argument("--kind", required=True, choices=sorted(KINDS))
    upload.add_argument("--partner", required=True, help="the partner's name (graph/partner/P)")
    upload.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    partner = sub.add_parser("partner", help="register partners and manage their write keys")
    partner.add_argument("action", choices=["add", "token", "revoke"])
    partner.add_argument("name")
