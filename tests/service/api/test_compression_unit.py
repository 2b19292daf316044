"""The gzip layer (``service.api.compression``) on a bare ASGI app: what it compresses, how it
tags the compressed variant, and that a streamed body comes out chunk by chunk."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from service.api.compression import Compression, accepts_gzip, compressible, gzip_tag

pytestmark = pytest.mark.anyio

TEXT = b'<https://w3id.org/esskg/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n'


def _app(status: int, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


async def _call(app: Any, request_headers: list[tuple[bytes, bytes]]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": request_headers}
    await Compression(app)(scope, receive, send)
    return sent


def _headers(start: Message) -> dict[bytes, bytes]:
    return dict(start["headers"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"gzip", True),
        (b"gzip, deflate, br", True),
        (b"deflate;q=1, gzip;q=0.5", True),
        (b"gzip;q=0", False),
        (b"*", True),
        (b"*;q=0, identity", False),
        (b"identity", False),
        (b"br", False),
    ],
)
def test_accept_encoding_is_read_with_its_q_values(header: bytes, expected: bool) -> None:
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (b"text/turtle; charset=utf-8", True),
        (b"application/sparql-results+json", True),
        (b"application/n-quads", True),
        (b"application/rdf+xml", True),
        (b"image/png", False),
        (b"application/octet-stream", False),
    ],
)
def test_text_and_rdf_are_compressible_images_are_not(content_type: bytes, expected: bool) -> None:
    assert compressible(content_type) is expected


def test_the_compressed_variant_has_its_own_tag() -> None:
    assert gzip_tag('"abc-1"') == '"abc-1-gzip"'
    assert gzip_tag('W/"abc"') == 'W/"abc-gzip"'


async def test_a_large_text_body_is_gzipped_retagged_and_varies() -> None:
    body = TEXT * 100
    headers = [
        (b"content-type", b"application/n-triples"),
        (b"etag", b'"v1"'),
        (b"vary", b"Accept"),
    ]
    sent = await _call(_app(200, headers, [body]), [(b"accept-encoding", b"gzip")])
    start = _headers(sent[0])
    assert start[b"content-encoding"] == b"gzip"
    assert start[b"etag"] == b'"v1-gzip"'
    assert start[b"vary"] == b"Accept, Accept-Encoding"
    assert int(start[b"content-length"]) == len(sent[1]["body"])
    assert gzip.decompress(sent[1]["body"]) == body


async def test_without_accept_encoding_the_body_is_as_it_was_but_still_varies() -> None:
    body = TEXT * 100
    headers = [(b"content-type", b"text/turtle"), (b"etag", b'"v1"')]
    sent = await _call(_app(200, headers, [body]), [])
    start = _headers(sent[0])
    assert b"content-encoding" not in start and start[b"etag"] == b'"v1"'
    assert start[b"vary"] == b"Accept-Encoding"
    assert sent[1]["body"] == body


async def test_small_and_binary_bodies_are_left_alone() -> None:
    gzip_ok = [(b"accept-encoding", b"gzip")]
    small = await _call(_app(200, [(b"content-type", b"text/plain")], [b"tiny"]), gzip_ok)
    assert b"content-encoding" not in _headers(small[0])
    png = await _call(_app(200, [(b"content-type", b"image/png")], [b"\x89PNG" * 1000]), gzip_ok)
    assert b"content-encoding" not in _headers(png[0])


async def test_a_streamed_body_is_compressed_chunk_by_chunk() -> None:
    """Each chunk is flushed: what has arrived decompresses without waiting for the end."""
    chunks = [TEXT * 50, TEXT * 50, TEXT * 50]
    sent = await _call(
        _app(200, [(b"content-type", b"application/n-quads")], chunks),
        [(b"accept-encoding", b"gzip")],
    )
    start = _headers(sent[0])
    assert start[b"content-encoding"] == b"gzip" and b"content-length" not in start
    bodies = [m for m in sent[1:] if m["type"] == "http.response.body"]
    assert len(bodies) == len(chunks)
    reader = zlib.decompressobj(31)
    assert reader.decompress(bodies[0]["body"]) == chunks[0]
    assert reader.decompress(bodies[1]["body"]) == chunks[1]
    assert gzip.decompress(b"".join(m["body"] for m in bodies)) == b"".join(chunks)


async def test_a_revalidated_compressed_variant_is_304_with_its_own_tag() -> None:
    seen: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(dict(scope["headers"])[b"if-none-match"])
        await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"v1"')]})
        await send({"type": "http.response.body", "body": b""})

    sent = await _call(app, [(b"accept-encoding", b"gzip"), (b"if-none-match", b'"v1-gzip"')])
    assert seen == [b'"v1"']  # the app compares its own tag
    assert _headers(sent[0])[b"etag"] == b'"v1-gzip"'
