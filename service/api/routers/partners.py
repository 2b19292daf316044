"""``/contribute/templates/…`` and ``/partners/{partner}/uploads``: partners' spreadsheets.

The templates are public. An upload is a multipart form with the file (``file``) and its
kind (``kind``, or ``?kind=``). ``?dry_run=true`` (public, nothing written) answers what
would be added and removed, or the errors by line and column; without it the partner's key
is needed (Bearer, or HTTP Basic with the partner's name as user) and the upload is written
through the gate into ``graph/partner/{partner}``. Errors are worded in French, in English
with ``Accept-Language: en``.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from service.api.auth import require_graph_writer
from service.api.openapi_protocol import WRITE_SECURITY
from service.api.runtime import app_state, client_address
from service.api.web.i18n import language
from service.errors import BadRequest, UploadConflict, UploadRejected
from service.graph.gate import WriteGate
from service.namespaces import partner_graph
from service.parsing.limits import ParseLimits
from service.partners import templates
from service.partners.keys import check_name
from service.partners.messages import Lang, UploadError
from service.partners.provenance import UploadFacts
from service.partners.upload import (
    REPLANS,
    Checks,
    Plan,
    PlanOutdated,
    UploadJob,
    commit,
    is_rdf,
    kind_named,
    parse_rdf,
    read_upload_table,
)
from service.partners.values import CellError
from service.sparql.execution import Executor

router = APIRouter(tags=["partners"])

#: The OpenAPI description of the upload body (the handler reads the form itself).
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (UTF-8, `,` or `;`), XLSX, or RDF",
                        },
                        "kind": {
                            "type": "string",
                            "enum": ["organisations", "spasers", "events", "charters"],
                        },
                    },
                }
            }
        },
    },
    # anonymous for ?dry_run=true; a partner's key (or the administrator's) to commit
    "security": [{}, *WRITE_SECURITY],
}


@router.get("/contribute/templates/{name}", summary="A contribution template (CSV, XLSX, CSVW)")
def template(name: str, request: Request) -> Response:
    """``<kind>.csv``, ``<kind>.xlsx`` or ``<kind>.csv-metadata.json``."""
    for suffix, media in (
        (".csv-metadata.json", templates.CSVW_MEDIA_TYPE),
        (".csv", templates.CSV_MEDIA_TYPE),
        (".xlsx", templates.XLSX_MEDIA_TYPE),
    ):
        if name.endswith(suffix):
            kind = kind_named(name.removesuffix(suffix))
            disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
            if suffix == ".csv":
                link = f'<{kind.slug}.csv-metadata.json>; rel="describedby"'
                headers = {**disposition, "Link": link}
                return Response(templates.csv_template(kind), media_type=media, headers=headers)
            if suffix == ".xlsx":
                return Response(
                    templates.xlsx_template(kind), media_type=media, headers=disposition
                )
            body = templates.csvw_metadata(
                kind, str(request.url_for("template", name=f"{kind.slug}.csv"))
            )
            return Response(json.dumps(body, ensure_ascii=False, indent=2), media_type=media)
    kind_named(name)  # an unknown kind's 404 names the kinds
    raise BadRequest(f"ask for {name}.csv, {name}.xlsx or {name}.csv-metadata.json")


def _lang(request: Request) -> Lang:
    return "en" if language(request) == "en" else "fr"


async def _form(request: Request) -> tuple[str, str, str, bytes]:
    """(kind, file name, media type, bytes) of the upload form."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise BadRequest("send the file as the multipart/form-data field 'file'")
    kind = str(form.get("kind") or request.query_params.get("kind") or "")
    if not kind:
        raise BadRequest("name the kind of contribution: field 'kind' or ?kind=")
    data = await upload.read()
    return kind, upload.filename or "upload", upload.content_type or "", data


async def _planned_and_committed(
    job: UploadJob, executor: Executor, gate: WriteGate, lang: Lang
) -> Plan:
    """The plan (read where queries run, outside the write lock), then its commit on the
    condition that the partner's graph is still the one planned on; planned again when
    another write changed it meanwhile, ``REPLANS`` times at most (``service.partners.upload``)."""
    for _ in range(REPLANS):
        result: Plan = await anyio.to_thread.run_sync(executor.run, job)
        if job.dry:
            return result
        try:
            return await anyio.to_thread.run_sync(commit, result, gate)
        except PlanOutdated:
            continue
    raise UploadConflict(
        "le graphe du partenaire a changé pendant chaque tentative (d'autres écritures en "
        "cours) : rien n'a été écrit, renvoyez le fichier"
        if lang == "fr"
        else "the partner's graph changed during every attempt (other writes under way): "
        "nothing was written, send the file again"
    )


@router.post(
    "/partners/{partner}/uploads",
    summary="Upload a partner's spreadsheet or RDF (dry run public; commit with the key)",
    openapi_extra=UPLOAD_BODY,
    status_code=200,
)
async def upload(partner: str, request: Request) -> Response:
    """Map the file into ``graph/partner/{partner}``: errors by line and column, or the
    triples added and removed; committed through the gate unless ``?dry_run=true``."""
    state = app_state(request)
    check_name(partner)
    dry = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
    if not dry:
        require_graph_writer(request, state.settings, partner_graph(partner))
    kind, filename, media, data = await _form(request)
    kind_named(kind)
    who = "dry run" if dry else partner
    limits = ParseLimits.from_settings(state.settings)
    client = client_address(request)
    rdf, table, unreadable = None, None, None
    if is_rdf(filename, media):
        parse = partial(parse_rdf, data, filename, media, limits, client)
        rdf = await anyio.to_thread.run_sync(parse)
    else:  # decoded in a bounded child, once: an XLSX is a zip that can expand without end
        read = partial(read_upload_table, kind, data, filename, media, limits, client)
        try:
            table = await anyio.to_thread.run_sync(read)
        except CellError as problem:
            unreadable = UploadError(problem.code, params=problem.params)
    facts = UploadFacts(partner, kind, filename, data, len(table.rows) if table else 0, who=who)
    lang = _lang(request)
    result: Plan
    if unreadable is not None:
        result = Plan(partner, kind, 0, errors=[unreadable])
    else:
        job = UploadJob(facts, media, rdf, dry, Checks.from_settings(state.settings), client, table)
        result = await _planned_and_committed(job, state.executor, state.gate, lang)
    report = result.summary(lang)
    if result.errors and not dry:
        count = len(result.errors)
        detail = (
            f"{count} erreur(s) : rien n'a été écrit"
            if lang == "fr"
            else f"{count} error(s): nothing was written"
        )
        raise UploadRejected(detail, report)
    body = json.dumps(report, ensure_ascii=False).encode("utf-8")
    status = 201 if result.committed else 200
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"Content-Language": lang, "Vary": "Accept-Language"},
    )
