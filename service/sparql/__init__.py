"""SPARQL text handling that does not depend on a particular engine."""
