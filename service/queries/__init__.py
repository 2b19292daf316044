"""Canned queries: a catalogue of plain ``.rq`` files with typed parameters.

``header`` reads the grlc-style ``#+`` YAML metadata, ``params`` turns request strings into RDF
terms (or a typed refusal), ``catalogue`` loads and indexes the files, ``run`` executes one
query with its bindings and a real row count, ``describe`` publishes the catalogue as RDF.
"""
