"""The Reconciliation Service API 0.2 (what OpenRefine speaks) over the graph.

``index`` reads the entities people reconcile against (authorities, organisations, SPASERs,
events, legal texts) with their SIREN, INSEE code, commune and département; ``matching``
scores candidates with rapidfuzz over French-folded names (``service.french_names``) and
decides ``match``; ``documents`` writes the manifest, results, suggestions, previews and
data extensions; ``schemas`` holds the specification's JSON schemas, against which every
query is decoded and every answer is tested.
"""
