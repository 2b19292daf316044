"""Client RDF, parsed within bounds: nesting, entities, time, memory and size.

The engine's parsers have no limits of their own (an RDF/XML internal entity expands
without bound, nesting is recursive or superlinear), so a document a client sends is
checked by small exact scanners (``brackets``, ``rdfxml``, dispatched by ``guard``) and
parsed in a short-lived child process with its own memory and CPU limits (``isolated``),
which hands back flat N-Quads.
"""
