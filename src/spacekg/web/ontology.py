"""`/ontology`: every class and property documented for people; the Turtle for clients.

Usage counts come from two grouped queries over the whole graph, run once per
published version and kept (the graph never changes under a version).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from rdflib import OWL, RDF, RDFS, URIRef

from spacekg.store import Store
from spacekg.store.formats import TURTLE
from spacekg.vocab import Iris
from spacekg.web.layout import current_urls
from spacekg.web.rdfdata import Languages, integer, select, uri
from spacekg.web.search import reader_languages
from spacekg.web.state import app_state, current_store
from spacekg.web.urls import Link, Urls
from spacekg.web.vocabulary import Ontology, ontology_of

bp = Blueprint("ontology", __name__)


@dataclass
class TermDoc:
    iri: URIRef
    name: str
    label: str
    comment: str | None
    kind: str
    count: int
    parents: list[tuple[str, Link]]
    children: list[tuple[str, Link]]
    domain: list[tuple[str, Link]]
    range: list[tuple[str, Link]]
    inverse: list[tuple[str, Link]]


_counts: dict[str, tuple[dict[URIRef, int], dict[URIRef, int]]] = {}
_lock = threading.Lock()


def usage(store: Store) -> tuple[dict[URIRef, int], dict[URIRef, int]]:
    """Instances per class and triples per property, for this published version."""
    if store.version not in _counts:
        classes = select(
            store,
            f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF.type}> ?c }} GROUP BY ?c",
        )
        props = select(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
        with _lock:
            _counts.clear()
            _counts[store.version] = (
                {uri(r, "c"): integer(r, "n") for r in classes},
                {uri(r, "p"): integer(r, "n") for r in props},
            )
    return _counts[store.version]


def document(onto: Ontology, urls: Urls, langs: Languages, store: Store) -> list[TermDoc]:
    """The documentation of every class, then every property, of the ontology."""
    class_counts, prop_counts = usage(store)

    def refs(terms: list[URIRef]) -> list[tuple[str, Link]]:
        return [(onto.label(t, langs), urls.link(str(t))) for t in terms]

    docs = []
    for term in onto.terms():
        is_class = term in onto.classes
        axis = RDFS.subClassOf if is_class else RDFS.subPropertyOf
        docs.append(
            TermDoc(
                iri=term,
                name=str(term).rsplit("#", 1)[-1],
                label=onto.label(term, langs),
                comment=onto.comment(term, langs),
                kind="class" if is_class else "property",
                count=(class_counts if is_class else prop_counts).get(term, 0),
                parents=refs(onto.objects(term, axis)),
                children=refs(onto.subjects(axis, term)),
                domain=refs(onto.objects(term, RDFS.domain)),
                range=refs(onto.objects(term, RDFS.range)),
                inverse=refs(sorted(onto.inverses(term))) if not is_class else [],
            )
        )
    return docs


def ontology_turtle(store: Store, iris: Iris) -> bytes:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iris.ontology_graph}> {{ ?s ?p ?o }} }}"
    return store.query(query).serialize(TURTLE)


@bp.get("/ontology")
@bp.get("/ontology.ttl")
def ontology_page() -> Response:
    """The documented ontology (HTML), or its Turtle (`.ttl`, or Accept: text/turtle)."""
    store, iris = current_store(), app_state().settings.iris
    wants = request.accept_mimetypes.best_match(["text/html", *TURTLE.media_types])
    if request.path.endswith(".ttl") or (wants and wants != "text/html"):
        response = Response(ontology_turtle(store, iris), mimetype=TURTLE.media_type)
    else:
        onto = ontology_of(store, iris)
        docs = document(onto, current_urls(), reader_languages(), store)
        header = onto.graph.value(URIRef(str(iris.ontology_graph)), RDFS.label)
        page = render_template(
            "ontology.html",
            classes=[d for d in docs if d.kind == "class"],
            properties=[d for d in docs if d.kind == "property"],
            title=str(header) if header else "spacekg ontology",
            owl=OWL,
        )
        response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response
