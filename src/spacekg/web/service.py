"""The SPARQL 1.1 Service Description of `/sparql`.

https://www.w3.org/TR/sparql11-service-description/ — what a client finds
on GET /sparql with no query and an RDF Accept type: the endpoint, the
languages and result formats it supports, the default dataset with each
named graph (and its size), and the limits a query runs under. The limits
have no term in the sd: vocabulary, so they use a small one of ours
(`LIMITS`), each with a plain-English comment.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from spacekg.config import Settings
from spacekg.store import Store
from spacekg.store.formats import GRAPH_FORMATS, RESULT_FORMATS
from spacekg.vocab import PREFIXES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
#: Terms for the limits a query runs under (not in sd:, which has none).
LIMITS = Namespace("https://w3id.org/spacekg/service#")


def describe(
    endpoint: str, store: Store, settings: Settings, max_request_bytes: int | None
) -> Graph:
    """The service description of the endpoint at `endpoint` serving `store`."""
    graph = Graph(bind_namespaces="none")
    for name, namespace in {**PREFIXES, "sd": SD, "void": VOID, "limits": LIMITS}.items():
        graph.bind(name, namespace)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:  # SERVICE works only then, and only to those endpoints
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        graph.add((service, SD.resultFormat, URIRef(fmt.iri)))
    graph.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only. The default graph is the union of the named graphs; OWL 2 RL "
                "inferences are materialized in the graph <"
                f"{settings.iris.inferred_graph}>. SERVICE is refused unless its "
                "target is allowlisted"
                + (
                    f" ({', '.join(settings.service_allowlist)})."
                    if settings.service_allowlist
                    else " (none is)."
                )
                + f" Results hold at most {settings.result_limit} solutions or triples; "
                "a longer result is cut and says so in its SPARQL-Result-Truncated header.",
                lang="en",
            ),
        )
    )
    _limits(graph, service, settings, max_request_bytes)
    _dataset(graph, service, store)
    return graph


_LIMIT_TERMS = {
    "queryTimeout": "Seconds a query may run; a query that runs longer is stopped (503).",
    "queryMemoryMB": "Memory (address space, in MB) a query may use; a query needing "
    "more is stopped (503).",
    "resultLimit": "Most solutions or triples one result holds; a longer one is cut.",
    "maxRequestBytes": "Largest request body accepted; a larger one gets 413.",
    "federatedEndpoint": "An endpoint a query may name in SERVICE.",
}


def _limits(graph: Graph, service: URIRef, settings: Settings, body: int | None) -> None:
    for name, comment in _LIMIT_TERMS.items():
        graph.add((LIMITS[name], RDF.type, RDF.Property))
        graph.add((LIMITS[name], RDFS.comment, Literal(comment, lang="en")))
    limits = [
        (LIMITS.queryTimeout, Literal(settings.query_timeout, datatype=XSD.decimal)),
        (LIMITS.queryMemoryMB, Literal(settings.query_memory_mb, datatype=XSD.integer)),
        (LIMITS.resultLimit, Literal(settings.result_limit, datatype=XSD.integer)),
    ]
    if body is not None:
        limits.append((LIMITS.maxRequestBytes, Literal(body, datatype=XSD.integer)))
    for predicate, value in limits:
        graph.add((service, predicate, value))
    for allowed in settings.service_allowlist:
        graph.add((service, LIMITS.federatedEndpoint, URIRef(allowed)))


def _dataset(graph: Graph, service: URIRef, store: Store) -> None:
    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    metadata = store.metadata
    if "triples" in metadata:
        graph.add((default, VOID.triples, Literal(int(metadata["triples"]))))
    sizes = metadata.get("graphs", {})
    for name in store.named_graphs():
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        if name in sizes:
            graph.add((described, VOID.triples, Literal(int(sizes[name]))))
