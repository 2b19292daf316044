"""Conditional writes on graphs: ETags made from a graph's content, RFC 9110 preconditions.

A graph's ETag is a digest of its triples plus the name of the serialisation it was sent
in (two representations of one state must not share a strong tag). A write that sends
``If-Match`` with a tag from any representation of the graph's current content goes
through; one whose tag names an older content gets 412 and changes nothing. So two editors
who read the same version cannot both write it back: the second learns the first wrote.

Pure functions: the write gate calls :func:`check_preconditions` under its lock, with the
digest of the graph as it is then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from service.errors import PreconditionFailed

#: The content part of the tag of an empty graph (the default graph exists even then).
EMPTY = "empty"
_DIGEST_CHARS = 32


def graph_etag(digest: str | None, variant: str) -> str:
    """The strong ETag of one representation (``variant``: its format) of a graph."""
    return f'"{(digest or EMPTY)[:_DIGEST_CHARS]}-{variant}"'


def origin_digest(url: str) -> str:
    """A short digest of a URL of this server that a representation names (the JSON-LD
    context's), for its variant: the same graph from two origins gets two tags."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]


def _tags(header: str) -> Iterator[str]:
    for piece in header.split(","):
        tag = piece.strip()
        if tag:
            yield tag


def _content(tag: str, *, weak: bool) -> str | None:
    """The content part of one of our tags; a weak tag only counts where ``weak`` is allowed."""
    if tag.startswith("W/"):
        if not weak:
            return None
        tag = tag[2:]
    if len(tag) < 2 or tag[0] != '"' or tag[-1] != '"':
        return None
    return tag[1:-1].split("-", 1)[0]


def check_preconditions(
    if_match: str | None, if_none_match: str | None, digest: str | None, *, exists: bool
) -> None:
    """Raise :class:`PreconditionFailed` unless the headers allow a write (RFC 9110 §13.2.2:
    ``If-Match`` first, by strong comparison; then ``If-None-Match``, by weak comparison).

    ``digest``: the graph's content now; ``exists``: whether it has a current representation.
    """
    current = (digest or EMPTY)[:_DIGEST_CHARS]
    if if_match is not None:
        tags = list(_tags(if_match))
        if "*" in tags:
            if not exists:
                raise PreconditionFailed("If-Match: * but the graph does not exist")
        elif not exists or all(_content(t, weak=False) != current for t in tags):
            raise PreconditionFailed(
                "If-Match names no current version of the graph: it changed since it was read "
                "(read it again, with its new ETag, before writing)"
            )
    if if_none_match is not None and exists:
        tags = list(_tags(if_none_match))
        if "*" in tags:
            raise PreconditionFailed("If-None-Match: * but the graph already exists")
        if any(_content(t, weak=True) == current for t in tags):
            raise PreconditionFailed("If-None-Match names the graph's current version")
