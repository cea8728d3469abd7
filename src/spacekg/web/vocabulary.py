"""The ontology as the pages see it: labels, hierarchy, inverses, domains.

Read from the store's ontology graph (a few hundred triples) once per
published version, so a page can name properties, explain inferences and
document terms without asking the store again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from spacekg.store import Store
from spacekg.vocab import SCHEMA, SKG, Iris
from spacekg.web.rdfdata import Languages, construct, curie

#: Names for the terms of other vocabularies that pages show often.
_KNOWN_LABELS: dict[URIRef, str] = {
    RDF.type: "type",
    RDFS.label: "label",
    RDFS.comment: "description",
    RDFS.seeAlso: "see also",
    RDFS.subClassOf: "subclass of",
    RDFS.subPropertyOf: "subproperty of",
    OWL.sameAs: "same as",
    SKOS.altLabel: "alternative name",
    SKOS.prefLabel: "preferred name",
    SKOS.exactMatch: "exact match",
    SCHEMA.url: "website",
    SCHEMA.description: "description",
    SCHEMA.foundingDate: "founding date",
    SCHEMA.name: "name",
}


@dataclass
class Ontology:
    """One version of the ontology, read-only once built."""

    graph: Graph
    classes: list[URIRef] = field(default_factory=list)
    properties: list[URIRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        skg = str(SKG._NS)
        self.classes = sorted(
            URIRef(str(c)) for c in self.graph.subjects(RDF.type, OWL.Class) if _is_skg(c, skg)
        )
        self.properties = sorted(
            {
                URIRef(str(p))
                for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
                for p in self.graph.subjects(RDF.type, kind)
                if _is_skg(p, skg)
            }
        )

    def label(self, term: Node, languages: Languages) -> str:
        """The term's label in the reader's language, or a readable fallback."""
        literals = [o for o in self.graph.objects(term, RDFS.label) if isinstance(o, Literal)]
        best = languages.best(literals)
        if best is not None:
            return str(best)
        return _KNOWN_LABELS.get(URIRef(str(term)), curie(str(term)))

    def comment(self, term: Node, languages: Languages) -> str | None:
        literals = [o for o in self.graph.objects(term, RDFS.comment) if isinstance(o, Literal)]
        best = languages.best(literals)
        return str(best) if best is not None else None

    def is_class(self, term: Node) -> bool:
        return (term, RDF.type, OWL.Class) in self.graph

    def objects(self, term: Node, predicate: URIRef) -> list[URIRef]:
        return sorted(o for o in self.graph.objects(term, predicate) if isinstance(o, URIRef))

    def subjects(self, predicate: URIRef, term: Node) -> list[URIRef]:
        return sorted(s for s in self.graph.subjects(predicate, term) if isinstance(s, URIRef))

    def ancestors(self, term: URIRef, predicate: URIRef) -> set[URIRef]:
        """Every term above `term` along `predicate` (subClassOf / subPropertyOf), transitively."""
        seen: set[URIRef] = set()
        todo = [term]
        while todo:
            for parent in self.objects(todo.pop(), predicate):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def inverses(self, prop: URIRef) -> set[URIRef]:
        return set(self.objects(prop, OWL.inverseOf)) | set(self.subjects(OWL.inverseOf, prop))

    def is_symmetric(self, prop: URIRef) -> bool:
        return (prop, RDF.type, OWL.SymmetricProperty) in self.graph

    def terms(self) -> Iterator[URIRef]:
        yield from self.classes
        yield from self.properties


def _is_skg(term: Node, namespace: str) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(namespace)


_cache: dict[str, Ontology] = {}
_lock = threading.Lock()


def ontology_of(store: Store, iris: Iris) -> Ontology:
    """The ontology of this published version (read once, then kept while it is current)."""
    cached = _cache.get(store.version)
    if cached is not None:
        return cached
    graph = construct(
        store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iris.ontology_graph}> {{ ?s ?p ?o }} }}"
    )
    built = Ontology(graph)
    with _lock:
        _cache.clear()  # only the current version is ever asked for again
        _cache[store.version] = built
    return built
