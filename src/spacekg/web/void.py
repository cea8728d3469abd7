"""`/.well-known/void`: the dataset described for machines, in VoID and DCAT.

https://www.w3.org/TR/void/ (RFC 5785 names this well-known path for it) and
https://www.w3.org/TR/vocab-dcat-3/: the SPARQL endpoint and every dump, the
triple, entity, class and property counts, one subset per named graph with
where it came from (an article, the reference gazetteer, the ontology, or
OWL 2 RL reasoning over the others), the licence, and the version. Turtle by
default, any graph format by Accept or `?format=`. Counts come from the
per-version Catalog, so only the first request after a build runs the queries.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from rdflib import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from werkzeug.http import is_resource_modified

from spacekg.store.formats import (
    GRAPH_FORMATS,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
    Format,
)
from spacekg.vocab import ONTOLOGY_IRI, PREFIXES, Iris
from spacekg.web.catalog import DumpFacts, Statistics, catalog
from spacekg.web.dumps import built_at
from spacekg.web.layout import current_urls
from spacekg.web.negotiation import negotiate
from spacekg.web.state import app_state, current_store

bp = Blueprint("void", __name__)

VOID = Namespace("http://rdfs.org/ns/void#")
#: DCAT 3 terms rdflib's DCAT (version 2) does not define yet.
DCAT3 = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: Our data's licence (the README says so too).
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

#: How rdflib names each format we offer the description in (rdflib writes it, so
#: the void:, dcat: and prov: prefixes come out readable).
_RDFLIB: dict[Format, str] = {
    TURTLE: "turtle",
    N_TRIPLES: "nt",
    JSON_LD: "json-ld",
    RDF_XML: "xml",
    TRIG: "trig",
    N_QUADS: "nquads",
}
OFFERED: tuple[Format, ...] = tuple(fmt for fmt in GRAPH_FORMATS if fmt in _RDFLIB)


@bp.get("/.well-known/void")
def void() -> Response:
    fmt = negotiate(OFFERED, request.accept_mimetypes, request.args.get("format"))
    store = current_store()
    etag = f"{store.version}.void.{fmt.extension}"
    modified = built_at(store)
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
    else:
        iris = app_state().settings.iris
        stats = catalog().statistics(store, iris)
        graph = describe(iris, stats, catalog().dumps(store, iris), store.version, modified)
        response = Response(graph.serialize(format=_RDFLIB[fmt], encoding="utf-8"))
        response.mimetype = fmt.media_type
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Cache-Control"] = app_state().settings.cache_control
    # The absolute URLs inside depend on the host asked, so caches must key on it too.
    response.vary.update(("Accept", "Host"))
    return response


def describe(
    iris: Iris, stats: Statistics, dumps: list[DumpFacts], version: str, modified: object
) -> Graph:
    """The VoID and DCAT description of the dataset served at this request's host."""
    urls = current_urls()
    absolute = request.host_url.rstrip("/")
    here = absolute + urls.void()
    graph = Graph(bind_namespaces="core")  # rdflib's own `schema:` is https, ours http
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    graph.bind("sd", SD)
    dataset, asserted = URIRef(here + "#dataset"), URIRef(here + "#asserted")
    endpoint = URIRef(absolute + urls.sparql())
    add = graph.add

    add((URIRef(here), RDF.type, VOID.DatasetDescription))
    add((URIRef(here), FOAF.primaryTopic, dataset))
    add((URIRef(here), DCTERMS.title, Literal("A VoID description of spacekg", lang="en")))
    for node in (dataset, asserted):
        add((node, RDF.type, VOID.Dataset))
        add((node, RDF.type, DCAT.Dataset))
        add((node, DCTERMS.license, LICENSE))
        add((node, VOID.sparqlEndpoint, endpoint))
        add((node, VOID.uriSpace, Literal(iris.resource_prefix)))
    add((dataset, DCTERMS.title, Literal("spacekg: spaceflight news as linked data", lang="en")))
    add((dataset, DCTERMS.description, Literal(
        "Agencies, missions, spacecraft, people and what they said, extracted from news "
        "articles, joined to a curated reference gazetteer, and reasoned over with OWL 2 RL.",
        lang="en",
    )))  # fmt: skip
    add((asserted, DCTERMS.title, Literal("spacekg, asserted triples only", lang="en")))
    add((dataset, VOID.subset, asserted))
    add((dataset, DCAT3.version, Literal(version)))
    add((dataset, OWL.versionInfo, Literal(version)))
    if modified is not None:
        add((dataset, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    add((dataset, DCAT.landingPage, URIRef(absolute + urls.home())))
    add((dataset, VOID.rootResource, URIRef(absolute + urls.home())))
    add((dataset, VOID.vocabulary, ONTOLOGY_IRI))
    for namespace in ("skos", "schema", "foaf", "prov", "dcterms"):
        add((dataset, VOID.vocabulary, URIRef(PREFIXES[namespace])))
    _counts(graph, dataset, asserted, stats)
    _partitions(graph, dataset, stats)
    _subsets(graph, dataset, asserted, iris, stats)
    _distributions(graph, dataset, asserted, dumps, absolute)
    _service(graph, here, dataset, endpoint)
    return graph


def _counts(graph: Graph, dataset: URIRef, asserted: URIRef, stats: Statistics) -> None:
    integer = XSD.integer
    for predicate, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.classes, len(stats.classes)),
        (VOID.properties, len(stats.properties)),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
    ):
        graph.add((dataset, predicate, Literal(value, datatype=integer)))
    graph.add((asserted, VOID.triples, Literal(stats.asserted_triples, datatype=integer)))


def _partitions(graph: Graph, dataset: URIRef, stats: Statistics) -> None:
    base = str(dataset).removesuffix("#dataset")
    # Numbered largest first, zero-padded so that sorted output keeps that order.
    width = len(str(max(len(stats.classes), len(stats.properties), 1)))
    for index, (cls, n) in enumerate(stats.classes):
        part = URIRef(f"{base}#class-{index:0{width}d}")
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(cls)))
        graph.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for index, (prop, n) in enumerate(stats.properties):
        part = URIRef(f"{base}#property-{index:0{width}d}")
        graph.add((dataset, VOID.propertyPartition, part))
        graph.add((part, VOID.property, URIRef(prop)))
        graph.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))


def _subsets(
    graph: Graph, dataset: URIRef, asserted: URIRef, iris: Iris, stats: Statistics
) -> None:
    """One subset per named graph, the graph's IRI naming it, with its provenance."""
    add = graph.add
    reasoning = URIRef(str(dataset).removesuffix("#dataset") + "#reasoning")
    add((reasoning, RDF.type, PROV.Activity))
    add((reasoning, RDFS.label, Literal("OWL 2 RL reasoning (owlrl)", lang="en")))
    sources = []
    for facts in stats.graphs:
        subset = URIRef(facts.iri)
        add((dataset, VOID.subset, subset))
        add((subset, RDF.type, VOID.Dataset))
        add((subset, RDF.type, SD.NamedGraph))
        add((subset, SD.name, subset))
        add((subset, VOID.triples, Literal(facts.quads, datatype=XSD.integer)))
        if facts.iri == str(iris.inferred_graph):
            add((subset, DCTERMS.title, Literal("Inferred by OWL 2 RL reasoning", lang="en")))
            add((subset, PROV.wasGeneratedBy, reasoning))
            continue
        add((asserted, VOID.subset, subset))
        sources.append(subset)
        if facts.article is not None:
            article = URIRef(facts.article)
            add((subset, DCTERMS.title, Literal("Extracted from one news article", lang="en")))
            add((subset, DCTERMS.source, article))
            add((subset, PROV.wasDerivedFrom, article))
            add((dataset, DCTERMS.source, article))
        elif facts.iri == str(iris.reference_graph):
            add((subset, DCTERMS.title, Literal("Reference gazetteer (curated)", lang="en")))
            add((subset, DCTERMS.description, Literal(
                "Agencies, missions, spacecraft, people and places with their names and "
                "aliases, curated by hand (data/reference/ in the spacekg sources).",
                lang="en",
            )))  # fmt: skip
            add((dataset, DCTERMS.source, subset))
        elif facts.iri == str(iris.ontology_graph):
            add((subset, DCTERMS.title, Literal("The spacekg ontology", lang="en")))
            add((subset, DCTERMS.source, ONTOLOGY_IRI))
    for source in sources:
        add((reasoning, PROV.used, source))
    add((dataset, PROV.wasGeneratedBy, reasoning))


def _distributions(
    graph: Graph, dataset: URIRef, asserted: URIRef, dumps: list[DumpFacts], absolute: str
) -> None:
    urls = current_urls()
    for facts in dumps:
        fmt = facts.dump.fmt
        download = URIRef(absolute + urls.dump(fmt.extension, facts.dump.inferred))
        owner = dataset if facts.dump.inferred else asserted
        distribution = URIRef(str(download) + "#distribution")
        graph.add((owner, VOID.dataDump, download))
        graph.add((owner, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(
            f"{fmt.iri.rsplit('/', 1)[-1].replace('_', ' ')}, {facts.dump.title}", lang="en"
        )))  # fmt: skip
        graph.add((distribution, DCAT.downloadURL, download))
        graph.add((distribution, DCAT.accessURL, download))
        graph.add((distribution, DCAT.mediaType, URIRef(_MEDIA_TYPES + fmt.media_type)))
        graph.add((distribution, DCTERMS["format"], URIRef(fmt.iri)))
        graph.add(
            (distribution, DCAT.byteSize, Literal(facts.size, datatype=XSD.nonNegativeInteger))
        )
        graph.add((distribution, DCTERMS.license, LICENSE))


def _service(graph: Graph, here: str, dataset: URIRef, endpoint: URIRef) -> None:
    catalogue = URIRef(here + "#catalog")
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal("spacekg", lang="en")))
    graph.add((catalogue, DCAT.dataset, dataset))
    graph.add((catalogue, DCAT.service, endpoint))
    graph.add((endpoint, RDF.type, DCAT.DataService))
    graph.add((endpoint, RDF.type, SD.Service))
    graph.add((endpoint, DCAT.endpointURL, endpoint))
    graph.add((endpoint, DCAT.servesDataset, dataset))
    graph.add((endpoint, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
