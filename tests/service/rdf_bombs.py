"""Hostile RDF documents for the parser tests: entity bombs, nesting bombs, and documents
that only a bounded parser process survives (crash, memory, time)."""

from __future__ import annotations

import json

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NAMESPACES = f'xmlns:rdf="{RDF_NS}" xmlns:e="http://e/"'
RDFXML = "application/rdf+xml"


def _entities(count: int = 10) -> str:
    """lol0 is ten characters; each next entity is ten of the previous: lol9 is 10^10."""
    lines = ['<!ENTITY lol0 "lollollolo">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, count)]
    return "\n".join(lines)


def _document(doctype: str, value: str = "&lol9;", about: str = "http://e/s") -> str:
    return (
        f"{doctype}\n<rdf:RDF {NAMESPACES}>"
        f'<rdf:Description rdf:about="{about}"><e:p>{value}</e:p></rdf:Description></rdf:RDF>'
    )


_CLASSIC = _document(f"<!DOCTYPE rdf:RDF [\n{_entities()}\n]>")
_DECLARED = '<?xml version="1.0" encoding="UTF-16"?>\n'

#: name → RDF/XML bytes that would expand to gigabytes (all under a kilobyte or so).
ENTITY_BOMBS: dict[str, bytes] = {
    "nested entities": _CLASSIC.encode(),
    "in an attribute": _document(
        f"<!DOCTYPE rdf:RDF [{_entities()}]>", value="1", about="http://e/&lol9;"
    ).encode(),
    "parameter entities": _document(
        "<!DOCTYPE rdf:RDF [<!ENTITY % pe \"&#60;!ENTITY lol0 'lollollolo'>\"> %pe;"
        + _entities()[len('<!ENTITY lol0 "lollollolo">') :]
        + "]>"
    ).encode(),
    "quadratic": _document(
        f'<!DOCTYPE rdf:RDF [<!ENTITY a "{"x" * 50_000}">]>', value="&a;" * 20_000
    ).encode(),
    "utf-16 with bom": (_DECLARED + _CLASSIC).encode("utf-16"),
    "utf-16 without bom": (_DECLARED + _CLASSIC).encode("utf-16-le"),
    "utf-8 bom": b"\xef\xbb\xbf" + _CLASSIC.encode(),
    "odd case and spacing": _CLASSIC.replace("<!DOCTYPE rdf:RDF [", "<!doctype\n\t rdf:RDF\r\n[")
    .replace("<!ENTITY", "<!ENTITY \t")
    .encode(),
    "after the root": _document("")
    .replace(f"<rdf:RDF {NAMESPACES}>", f"<rdf:RDF {NAMESPACES}><!DOCTYPE x [{_entities()}]>")
    .encode(),
}


def nesting_bombs(depth: int) -> dict[str, tuple[str, bytes]]:
    """name → (media type, body) nested ``depth`` deep in each syntax's own way."""
    return {
        "turtle [": (
            "text/turtle",
            b"<http://e/s> <http://e/p> " + b"[ <http://e/p> " * depth + b"1" + b" ]" * depth,
        ),
        "turtle (": ("text/turtle", b"<http://e/s> <http://e/p> " + b"(" * depth + b")" * depth),
        "trig {": ("application/trig", b"{" * depth + b"}" * depth),
        "n-triples <<(": (
            "application/n-triples",
            b"<http://e/s> <http://e/p> "
            + b"<<( <http://e/s> <http://e/p> " * depth
            + b"<http://e/o>"
            + b" )>>" * depth
            + b" .",
        ),
        "json-ld objects": (
            "application/ld+json",
            b'{"@id": "http://e/s", "http://e/p": '
            + b'{"http://e/p": ' * depth
            + b"1"
            + b"}" * (depth + 1),
        ),
        "json-ld arrays": (
            "application/ld+json",
            b'{"@id": "http://e/s", "http://e/p": ' + b"[" * depth + b"1" + b"]" * depth + b"}",
        ),
        "rdf/xml elements": (
            RDFXML,
            f'<rdf:RDF {NAMESPACES}><rdf:Description rdf:about="http://e/s">'.encode()
            + b"<e:p><rdf:Description>" * (depth // 2)
            + b"</rdf:Description></e:p>" * (depth // 2)
            + b"</rdf:Description></rdf:RDF>",
        ),
        "rdf/xml parseType": (
            RDFXML,
            f'<rdf:RDF {NAMESPACES}><rdf:Description rdf:about="http://e/s">'.encode()
            + b'<e:p rdf:parseType="Resource">' * depth
            + b"</e:p>" * depth
            + b"</rdf:Description></rdf:RDF>",
        ),
    }


def at_depth(depth: int) -> dict[str, tuple[str, bytes]]:
    """name → (media type, body) whose nesting is exactly ``depth`` as the limit counts it."""
    return {
        "turtle": (
            "text/turtle",
            b"<http://e/s> <http://e/p> "
            + b"[ <http://e/p> " * depth
            + b"1"
            + b" ]" * depth
            + b" .",
        ),
        "json-ld": (
            "application/ld+json",
            b'{"@id": "http://e/s", "http://e/p": '
            + b'{"http://e/p": ' * (depth - 1)
            + b"1"
            + b"}" * depth,
        ),
        "rdf/xml": (  # rdf:RDF, rdf:Description, then the properties
            RDFXML,
            f'<rdf:RDF {NAMESPACES}><rdf:Description rdf:about="http://e/s">'.encode()
            + b'<e:p rdf:parseType="Resource">' * (depth - 3)
            + b"<e:q>1</e:q>"
            + b"</e:p>" * (depth - 3)
            + b"</rdf:Description></rdf:RDF>",
        ),
    }


def _scoped_contexts(terms: int = 50_000, depth: int = 60) -> bytes:
    """JSON-LD within the default nesting limit that asks the engine for gigabytes: a big
    context, and a property whose scoped context makes it copy that context at every level."""
    context: dict[str, object] = {f"t{i}": f"http://e/t{i}" for i in range(terms)}
    context["t0"] = {"@id": "http://e/t0", "@context": {"x": "http://e/x"}}
    node: dict[str, object] = {"t1": 1}
    for _ in range(depth):
        node = {"t0": node}
    return json.dumps({"@context": context, "@id": "http://e/s", **node}).encode()


#: Bodies only a bounded parser process survives. The first passes the default nesting
#: limit; the other two need a parser with none: the engine's recursion overflows the
#: stack, its RDF/XML parser runs for minutes.
EXHAUSTS_MEMORY = ("application/ld+json", _scoped_contexts())
CRASHES = nesting_bombs(100_000)["n-triples <<("]
#: 60,000 levels took 4.7 s on a quiet machine, under the tests' 5 s limit; 150,000 run for
#: minutes (the time grows faster than the square of the depth), in 5.4 MB.
RUNS_FOR_MINUTES = nesting_bombs(150_000)["rdf/xml parseType"]
