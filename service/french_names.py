"""French names as people write them, folded so that spellings of one name compare equal.

« St-Denis », « SAINT DENIS » and « Saint-Denis » are one commune; « CA du Pays de Dreux » is
« Communauté d'agglomération du Pays de Dreux »; « Le Mans » is often typed « Mans ». The
fold keeps words (the fuzzy matcher, rapidfuzz, works on them): case and accents go,
hyphens, apostrophes and punctuation become spaces, the usual abbreviations are expanded
and, in :func:`core`, articles and the words every authority's name carries are dropped.
"""

from __future__ import annotations

import re
import unicodedata

#: Abbreviations of French administrative names, expanded before comparing (folded words).
ABBREVIATIONS: dict[str, str] = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "cc": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
    "agglo": "agglomeration",
    "cte": "communaute",
    "com": "communaute",
    "cd": "conseil departemental",
    "cr": "conseil regional",
    "dept": "departement",
    "mtp": "metropole",
    "assoc": "association",
    "asso": "association",
    "coop": "cooperative",
    "scic": "societe cooperative d interet collectif",
    "scop": "societe cooperative et participative",
}
#: Articles and linking words, which people add or drop freely (« Mans » for « Le Mans »).
ARTICLES = frozenset(
    {"le", "la", "les", "l", "de", "du", "des", "d", "et", "en", "sur", "a", "au", "aux"}
)
#: Words naming the kind of authority rather than which one (kept by :func:`fold`).
GENERIC = frozenset(
    {"ville", "commune", "mairie", "conseil", "departemental", "regional", "region", "departement"}
)

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space, abbreviations expanded."""
    decomposed = unicodedata.normalize(
        "NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae")
    )
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", plain).split()
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def core(text: str) -> str:
    """The words that tell one name from another: :func:`fold` without articles."""
    words = fold(text).split()
    kept = [w for w in words if w not in ARTICLES]
    return " ".join(kept or words)
