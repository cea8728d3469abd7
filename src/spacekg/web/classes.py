"""`/class/{Name}`: the instances of one ontology class, paginated."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from rdflib import RDF, RDFS, URIRef
from werkzeug.exceptions import NotFound

from spacekg.store.sparql_text import published_graphs_only
from spacekg.vocab import SKG
from spacekg.web.entity import Gatherer
from spacekg.web.layout import current_urls
from spacekg.web.ontology import usage
from spacekg.web.rdfdata import integer, select, term_n3
from spacekg.web.search import reader_languages
from spacekg.web.state import app_state, current_store
from spacekg.web.vocabulary import ontology_of

bp = Blueprint("classes", __name__)

PAGE = 50
_SUB = RDFS.subClassOf


@bp.get("/class/<name>")
def class_page(name: str) -> str:
    """The instances of skg:{name}, asserted or inferred, by label."""
    store, iris = current_store(), app_state().settings.iris
    onto = ontology_of(store, iris)
    cls = URIRef(str(SKG._NS) + name) if name.isidentifier() else None
    if cls is None or cls not in onto.classes:
        raise NotFound(f"the ontology has no class called {name!r}")
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 100_000 else 1
    langs, urls = reader_languages(), current_urls()
    total = usage(store)[0].get(cls, 0)
    rows = select(
        store,
        f"SELECT ?s {only_inferred(iris.inferred_graph)} WHERE {{ "
        f"GRAPH ?g {{ ?s <{RDF.type}> {term_n3(cls)} }} "
        f"{published_graphs_only(store, iris.graph_base)} }} "
        "GROUP BY ?s ORDER BY ?s "
        f"LIMIT {PAGE} OFFSET {(page - 1) * PAGE}",
    )
    gatherer = Gatherer(store, iris, urls, onto, langs)
    names = gatherer.labels([r["s"] for r in rows])
    members = []
    for row in rows:
        value = gatherer.value(row["s"], names)
        value.inferred = integer(row, "inf") == 1
        members.append(value)
    members.sort(key=lambda v: v.text.lower())
    return render_template(
        "class.html",
        name=name,
        label=onto.label(cls, langs),
        comment=onto.comment(cls, langs),
        parents=[(onto.label(t, langs), urls.link(str(t))) for t in onto.objects(cls, _SUB)],
        children=[(onto.label(t, langs), urls.link(str(t))) for t in onto.subjects(_SUB, cls)],
        members=members,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
    )


def only_inferred(inferred: URIRef) -> str:
    """The projection `?inf`: 1 when every graph ?g of the group is `inferred`, else 0.
    Written with IF: Virtuoso gives a comparison as 1 or 0, not true or false. Keep
    multi-row VALUES out of a query using it: Virtuoso (7.2.5) can plan the two into
    a query that never ends (see entity.Gatherer._inferred_links)."""
    return f"(MIN(IF(?g = <{inferred}>, 1, 0)) AS ?inf)"
