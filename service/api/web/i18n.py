"""Which language a page speaks (French first), and the words pages are built from.

The choice is ``?lang=`` (remembered in a cookie), else the cookie, else the best of
``Accept-Language``, else French. Pages therefore vary on those headers.
"""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "esskg-lang"
VARY = "Accept, Accept-Language, Cookie"


def _from_accept_language(header: str) -> str | None:
    best: tuple[float, int, str] | None = None
    for order, piece in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in piece.split(";"))
        primary = tag.lower().split("-")[0]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if primary in LANGUAGES and q > 0 and (best is None or (q, -order) > best[:2]):
            best = (q, -order, primary)
    return best[2] if best else None


def language(request: Request) -> str:
    """The page's language for this request."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return _from_accept_language(request.headers.get("accept-language", "")) or DEFAULT


def pick(values: dict[str, str], lang: str) -> str | None:
    """The text in ``lang``, else French, else English, else any."""
    for key in (lang, DEFAULT, "en", ""):
        if values.get(key):
            return values[key]
    return next(iter(values.values()), None)


#: Words of the pages (templates read them as ``t.key``).
WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "site": "esskg — le graphe de l'ESS comme politique publique",
        "skip": "Aller au contenu",
        "nav": "Navigation principale",
        "home": "Accueil",
        "editor": "Éditeur SPARQL",
        "questions": "Questions",
        "vocabulary": "Vocabulaire",
        "api": "API",
        "downloads": "Téléchargements",
        "other_language": "English",
        "switch_hint": "Read this page in English",
        "intro": "Un graphe de connaissances ouvert sur l'économie sociale et solidaire comme "
        "politique publique : SPASER, chartes, conférences, textes de loi, chacun avec la page "
        "source qui l'affirme.",
        "search": "Rechercher dans les libellés",
        "search_button": "Rechercher",
        "holds": "Ce que contient le graphe",
        "colon": "\u00a0:",
        "named_graphs": "graphes nommés",
        "triples": "triplets",
        "by_class": "Ressources par classe",
        "by_graph": "Triplets par graphe nommé",
        "class": "Classe",
        "count": "Nombre",
        "graph": "Graphe",
        "sources": "Sources et provenance",
        "source": "Page source",
        "date": "Date",
        "publisher": "Éditeur",
        "access": "Accès",
        "restricted": "réservé aux membres",
        "public": "public",
        "built": "Dernière construction",
        "never_built": "inconnue",
        "catalogue": "Catalogue des questions",
        "open_editor": "Ouvrir l'éditeur de requêtes",
        "api_docs": "Documentation de l'API (OpenAPI)",
        "contribute": "Contribuer",
        "contribute_title": "Verser les données d'un réseau partenaire",
        "contribute_intro": "Choisissez le type de données, téléchargez le modèle, remplissez-le "
        "dans votre tableur, puis déposez le fichier : l'aperçu montre ce qui serait ajouté, ou "
        "chaque erreur avec sa ligne et sa colonne. Rien n'est écrit avant la confirmation avec la "
        "clé de votre réseau.",
        "contribute_kind": "Type de données",
        "contribute_template": "Modèle",
        "contribute_partner": "Réseau (identifiant, ex. cress-bretagne)",
        "contribute_file": "Fichier (CSV ou XLSX)",
        "contribute_preview": "Prévisualiser",
        "contribute_key": "Clé du réseau",
        "contribute_confirm": "Confirmer l'envoi",
        "contribute_errors": "Erreurs à corriger",
        "contribute_line": "Ligne",
        "contribute_column": "Colonne",
        "contribute_problem": "Problème",
        "contribute_ok": "Le fichier est correct : {added} triplet(s) seraient ajoutés, "
        "{removed} retiré(s), pour {rows} ligne(s).",
        "contribute_unchanged": "Rien ne change : ces {rows} ligne(s) sont déjà dans le graphe.",
        "contribute_done": "Envoi enregistré : {added} triplet(s) ajoutés, {removed} retiré(s), "
        "pour {rows} ligne(s), dans {graph}.",
        "contribute_failed": "L'envoi a échoué",
        "endpoint": "Point d'accès SPARQL",
        "dump": "Tout le jeu de données (N-Quads)",
        "dump_trig": "Tout le jeu de données (TriG)",
        "void": "Description VoID",
        "examples_rdf": "Les questions en RDF (SHACL)",
        "query": "Requête SPARQL",
        "examples": "Exemples",
        "choose_example": "— choisir un exemple —",
        "run": "Exécuter",
        "share": "Copier le lien",
        "answer": "Réponse",
        "views": "Affichage de la réponse",
        "table": "Tableau",
        "bar": "Diagramme en barres",
        "timeline": "Frise chronologique",
        "map": "Carte",
        "download": "Télécharger",
        "csv_excel": "CSV (Excel)",
        "json": "JSON",
        "turtle": "Turtle",
        "editor_help": "Ctrl+Entrée exécute la requête. Les préfixes du projet sont complétés "
        "(Ctrl+Espace) et déclarés au besoin.",
        "noscript": "L'éditeur a besoin de JavaScript ; sans lui, envoyez la requête au point "
        "d'accès SPARQL avec format=csv ou format=json.",
        "ask": "Demander",
        "parameters": "Paramètres",
        "any": "— tous —",
        "optional": "facultatif",
        "required": "obligatoire",
        "the_sparql": "La requête SPARQL exacte",
        "open_in_editor": "Ouvrir dans l'éditeur",
        "data": "Données",
        "incoming": "Liens entrants",
        "inferred": "inféré",
        "query_resource": "Interroger cette ressource",
        "sources_of": "Sources",
        "iri": "IRI",
        "not_found": "Page introuvable",
        "not_found_text": "Rien ici ne porte ce nom. Essayez la recherche ou le catalogue.",
        "classes": "Classes",
        "properties": "Propriétés",
        "shapes": "Formes SHACL",
        "module": "Module",
        "domain": "Domaine",
        "range": "Portée",
        "subclass_of": "Sous-classe de",
        "subproperty_of": "Sous-propriété de",
        "target": "Classe visée",
        "path": "Chemin",
        "message": "Message",
        "term_of": "Terme du vocabulaire",
        "vocab_intro": "Les termes du vocabulaire esskg (https://w3id.org/esskg/def#), par "
        "module, avec les formes SHACL qui vérifient les données.",
        "contents": "Sommaire",
        "graph_holds": "Ce graphe nommé contient",
        "graph_download": "Télécharger ce graphe (Turtle)",
        "error": "Erreur",
        "results_of": "Résultats",
        "language": "Langue",
    },
    "en": {
        "site": "esskg — the knowledge graph of SSE public policy",
        "skip": "Skip to content",
        "nav": "Main navigation",
        "home": "Home",
        "editor": "SPARQL editor",
        "questions": "Questions",
        "vocabulary": "Vocabulary",
        "api": "API",
        "downloads": "Downloads",
        "other_language": "Français",
        "switch_hint": "Lire cette page en français",
        "intro": "An open knowledge graph of the social and solidarity economy as public "
        "policy: SPASERs, charters, conferences, laws, each with the source page that states it.",
        "search": "Search the labels",
        "search_button": "Search",
        "holds": "What the graph holds",
        "colon": ":",
        "named_graphs": "named graphs",
        "triples": "triples",
        "by_class": "Resources by class",
        "by_graph": "Triples by named graph",
        "class": "Class",
        "count": "Count",
        "graph": "Graph",
        "sources": "Sources and provenance",
        "source": "Source page",
        "date": "Date",
        "publisher": "Publisher",
        "access": "Access",
        "restricted": "members only",
        "public": "public",
        "built": "Last build",
        "never_built": "unknown",
        "catalogue": "Question catalogue",
        "open_editor": "Open the query editor",
        "api_docs": "API documentation (OpenAPI)",
        "contribute": "Contribute",
        "contribute_title": "Contribute a partner network's data",
        "contribute_intro": "Choose the kind of data, download the template, fill it in with your "
        "spreadsheet, then drop the file: the preview shows what would be added, or each error "
        "with its line and column. Nothing is written until you confirm with your network's key.",
        "contribute_kind": "Kind of data",
        "contribute_template": "Template",
        "contribute_partner": "Network (identifier, e.g. cress-bretagne)",
        "contribute_file": "File (CSV or XLSX)",
        "contribute_preview": "Preview",
        "contribute_key": "Network's key",
        "contribute_confirm": "Confirm the upload",
        "contribute_errors": "Errors to fix",
        "contribute_line": "Line",
        "contribute_column": "Column",
        "contribute_problem": "Problem",
        "contribute_ok": "The file is correct: {added} triple(s) would be added, {removed} "
        "removed, for {rows} row(s).",
        "contribute_unchanged": "Nothing changes: these {rows} row(s) are already in the graph.",
        "contribute_done": "Upload saved: {added} triple(s) added, {removed} removed, for {rows} "
        "row(s), in {graph}.",
        "contribute_failed": "The upload failed",
        "endpoint": "SPARQL endpoint",
        "dump": "The whole dataset (N-Quads)",
        "dump_trig": "The whole dataset (TriG)",
        "void": "VoID description",
        "examples_rdf": "The questions as RDF (SHACL)",
        "query": "SPARQL query",
        "examples": "Examples",
        "choose_example": "— choose an example —",
        "run": "Run",
        "share": "Copy the link",
        "answer": "Answer",
        "views": "How to show the answer",
        "table": "Table",
        "bar": "Bar chart",
        "timeline": "Timeline",
        "map": "Map",
        "download": "Download",
        "csv_excel": "CSV (Excel)",
        "json": "JSON",
        "turtle": "Turtle",
        "editor_help": "Ctrl+Enter runs the query. The project's prefixes are completed "
        "(Ctrl+Space) and declared when needed.",
        "noscript": "The editor needs JavaScript; without it, send the query to the SPARQL "
        "endpoint with format=csv or format=json.",
        "ask": "Ask",
        "parameters": "Parameters",
        "any": "— any —",
        "optional": "optional",
        "required": "required",
        "the_sparql": "The exact SPARQL query",
        "open_in_editor": "Open in the editor",
        "data": "Data",
        "incoming": "Incoming links",
        "inferred": "inferred",
        "query_resource": "Query this resource",
        "sources_of": "Sources",
        "iri": "IRI",
        "not_found": "Page not found",
        "not_found_text": "Nothing here has that name. Try the search or the catalogue.",
        "classes": "Classes",
        "properties": "Properties",
        "shapes": "SHACL shapes",
        "module": "Module",
        "domain": "Domain",
        "range": "Range",
        "subclass_of": "Subclass of",
        "subproperty_of": "Subproperty of",
        "target": "Target class",
        "path": "Path",
        "message": "Message",
        "term_of": "Vocabulary term",
        "vocab_intro": "The terms of the esskg vocabulary (https://w3id.org/esskg/def#), by "
        "module, with the SHACL shapes that check the data.",
        "contents": "Contents",
        "graph_holds": "This named graph holds",
        "graph_download": "Download this graph (Turtle)",
        "error": "Error",
        "results_of": "Results",
        "language": "Language",
    },
}

#: Names of the catalogue's areas (``queries/<area>/``); an unknown area shows its slug.
AREAS: dict[str, tuple[str, str]] = {
    "charter": ("Chartes", "Charters"),
    "events": ("Événements", "Events"),
    "legal": ("Droit", "Law"),
    "partner": ("Réseaux partenaires", "Partner networks"),
    "procurement": ("Commande publique", "Public procurement"),
    "search": ("Recherche", "Search"),
    "spaser": ("SPASER", "SPASERs"),
    "territory": ("Territoires et collectivités", "Territories and authorities"),
}


def area_name(area: str, lang: str) -> str:
    names = AREAS.get(area)
    return (names[0] if lang == "fr" else names[1]) if names else area
