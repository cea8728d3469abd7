"""`/`: what the graph holds, the latest articles, the most-mentioned entities,
and example questions that open the query page."""

from __future__ import annotations

from flask import Blueprint, render_template

from spacekg.vocab import SKG
from spacekg.web.entity import Gatherer
from spacekg.web.layout import current_urls
from spacekg.web.ontology import usage
from spacekg.web.page_cache import cached_page
from spacekg.web.rdfdata import integer, select
from spacekg.web.search import reader_languages
from spacekg.web.state import app_state, current_store
from spacekg.web.vocabulary import ontology_of

bp = Blueprint("home", __name__)

_P = "PREFIX skg: <https://w3id.org/spacekg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

#: Questions a newcomer might ask, each with the query that answers it.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Which agencies take part in which missions?",
        _P + "SELECT ?agency ?mission WHERE {\n  ?a skg:participatesIn ?m .\n"
        "  ?a rdfs:label ?agency . ?m rdfs:label ?mission .\n} ORDER BY ?agency",
    ),
    (
        "Who said what, and in which language?",
        _P + "SELECT ?speaker ?text (LANG(?text) AS ?lang) WHERE {\n"
        "  ?s skg:statedBy ?p ; skg:text ?text . ?p rdfs:label ?speaker .\n}",
    ),
    (
        "Which spacecraft carry other spacecraft?",
        _P + "SELECT ?carrier ?carried WHERE {\n  ?x skg:carries ?y .\n"
        "  ?x rdfs:label ?carrier . ?y rdfs:label ?carried .\n}",
    ),
)


@bp.get("/")
@cached_page
def home() -> str:
    store, iris = current_store(), app_state().settings.iris
    langs, urls = reader_languages(), current_urls()
    onto = ontology_of(store, iris)
    class_counts = usage(store)[0]
    counts = sorted(
        ((onto.label(c, langs), str(c).rsplit("#", 1)[-1], class_counts.get(c, 0))
         for c in onto.classes if class_counts.get(c, 0)),
        key=lambda item: -item[2],
    )  # fmt: skip
    gatherer = Gatherer(store, iris, urls, onto, langs)
    articles = select(
        store,
        f"SELECT ?a ?d WHERE {{ ?a a <{SKG.Article}> OPTIONAL {{ ?a <{SKG.datePublished}> ?d }} }} "
        "ORDER BY DESC(?d) ?a LIMIT 10",
    )
    mentioned = select(
        store,
        f"SELECT ?x (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m <{SKG.mentionOf}> ?x }} "
        "GROUP BY ?x ORDER BY DESC(?n) ?x LIMIT 12",
    )
    names = gatherer.labels([r["a"] for r in articles] + [r["x"] for r in mentioned])
    return render_template(
        "home.html",
        counts=counts,
        articles=[(gatherer.value(r["a"], names), str(r.get("d", ""))) for r in articles],
        mentioned=[(gatherer.value(r["x"], names), integer(r, "n")) for r in mentioned],
        examples=EXAMPLES,
        quads=store.count(),
        version=store.version,
    )
