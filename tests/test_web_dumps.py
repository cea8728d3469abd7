"""Dumps, the /dumps page and the VoID description, served by the real app."""

from __future__ import annotations

import gzip
import io
import re
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

import pytest
from rdflib import DCAT, DCTERMS, RDF, Graph, Literal, Namespace, URIRef
from rdflib.query import Result

from spacekg.store import open_published, published_version
from spacekg.vocab import SKG
from spacekg.web.catalog import DUMPS, Dump
from tests.conftest import INFERRED_GRAPH, LiveServer, Quad
from tests.roundtrip import assert_isomorphic, named_graph, parse_dataset, parse_graph, union_graph
from tests.web_fixtures import page_quads, site_on_every_store

__all__ = ["site_on_every_store"]  # the `site` fixture, on every kind of store

VOID = Namespace("http://rdfs.org/ns/void#")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


def fetch(url: str, **headers: str) -> tuple[int, Message, bytes]:
    """Status, headers (looked up case-insensitively) and the raw body (urllib never
    decompresses it)."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def path(dump: Dump) -> str:
    return f"/dump{'' if dump.inferred else '-asserted'}.{dump.fmt.extension}"


def published(server: LiveServer, dump: Dump) -> list[Quad]:
    """Every quad the store holds (read by SPARQL, not by a dump), the inferred graph's
    left out for an asserted-only dump. Read back rather than taken from page_quads():
    Oxigraph stores xsd:nonNegativeInteger literals as xsd:integer."""
    store = open_published(server.store_settings)
    data = store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    rows = select_rows(data.serialize("json"))
    # A remote store may hold graphs of its own (spacekg's build record among them).
    graphs = {URIRef(graph) for graph in store.named_graphs()}
    quads = [(r["s"], r["p"], r["o"], r["g"]) for r in rows if r["g"] in graphs]
    assert len(quads) == len(set(page_quads()))
    return quads if dump.inferred else [q for q in quads if q[3] != INFERRED_GRAPH]


def select_rows(data: bytes) -> list[dict[str, Any]]:
    result = Result.parse(io.BytesIO(data), format="json")
    return [row.asdict() for row in result]  # type: ignore[union-attr]


@pytest.mark.parametrize("dump", DUMPS, ids=lambda d: f"{path(d)} holds every triple")
def test_each_dump_parses_and_holds_the_whole_graph(site: LiveServer, dump: Dump) -> None:
    status, headers, body = fetch(site.url + path(dump))
    assert status == 200, body
    assert headers["Content-Type"].startswith(dump.fmt.media_type)
    assert headers["Transfer-Encoding"] == "chunked"  # streamed, not sent as one piece
    quads, name = published(site, dump), dump.fmt.name
    if not dump.fmt.keeps_graphs:
        assert_isomorphic(parse_graph(body, name), union_graph(quads))
        return
    dataset = parse_dataset(body, name)
    graphs = sorted({str(g) for *_, g in quads})
    assert sorted(str(g.identifier) for g in dataset.graphs() if len(g)) == graphs
    for graph in graphs:  # blank nodes are per document: compare graph by graph
        assert_isomorphic(dataset.graph(URIRef(graph)), named_graph(quads, URIRef(graph)))


def test_the_asserted_dump_keeps_a_triple_also_inferred_elsewhere(site: LiveServer) -> None:
    """ESA's type Organization sits only in the inferred graph; its type Agency sits in the
    inferred graph's neighbours too: the first goes, the second stays."""
    body = fetch(site.url + "/dump-asserted.nt")[2].decode()
    esa = "<https://w3id.org/spacekg/resource/european-space-agency>"
    rdf_type = f"<{RDF.type}>"
    assert f"{esa} {rdf_type} <{SKG.Agency}> ." in body
    assert f"{esa} {rdf_type} <{SKG.Organization}> ." not in body
    assert f"{esa} {rdf_type} <{SKG.Organization}> ." in fetch(site.url + "/dump.nt")[2].decode()


def test_gzip_is_negotiated_and_round_trips(site: LiveServer) -> None:
    plain = fetch(site.url + "/dump.trig")
    packed = fetch(site.url + "/dump.trig", **{"Accept-Encoding": "gzip, deflate"})
    assert packed[1]["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain[1]
    assert "Accept-Encoding" in packed[1]["Vary"]
    assert gzip.decompress(packed[2]) == plain[2]
    assert packed[1]["ETag"] != plain[1]["ETag"]  # different bytes, different tag
    refused = fetch(site.url + "/dump.trig", **{"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused[1] and refused[2] == plain[2]


def test_downloads_are_named_after_the_version(site: LiveServer) -> None:
    version = published_version(site.store_settings)
    for suffix, name in (("/dump.ttl", f"spacekg-{version}.ttl"),
                         ("/dump-asserted.nq", f"spacekg-{version}-asserted.nq")):  # fmt: skip
        headers = fetch(site.url + suffix)[1]
        assert headers["Content-Disposition"] == f'attachment; filename="{name}"'


@pytest.mark.parametrize(
    "condition",
    ["If-None-Match", "If-Modified-Since"],
    ids=["a matching ETag gets 304", "an unchanged date gets 304"],
)
def test_conditional_requests_get_304(site: LiveServer, condition: str) -> None:
    for url in (site.url + "/dump.ttl", site.url + "/.well-known/void"):
        _, headers, _ = fetch(url)
        validator = headers["ETag"] if condition == "If-None-Match" else headers["Last-Modified"]
        status, again, body = fetch(url, **{condition: validator})
        assert (status, body) == (304, b"")
        assert again["ETag"] == headers["ETag"]
    status, _, _ = fetch(site.url + "/dump.ttl", **{"If-None-Match": '"another-version.ttl"'})
    assert status == 200


def test_an_unknown_dump_is_a_404_in_the_error_shape(site: LiveServer) -> None:
    status, headers, body = fetch(site.url + "/dump.xlsx", Accept="application/json")
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert b'"status": 404' in body and b".ttl" in body


def test_dumps_page_lists_every_dump_with_size_and_count(site: LiveServer) -> None:
    status, _, body = fetch(site.url + "/dumps")
    html = body.decode()
    assert status == 200
    store = open_published(site.store_settings)
    for dump in DUMPS:
        size = len(fetch(site.url + path(dump))[2])
        assert re.search(rf'href="{re.escape(path(dump))}"[^>]*data-bytes="{size}"', html), dump
    assert f"{store.metadata['triples']:,} triples" in html
    assert f"{store.count():,} quads" in html
    assert "Accept-Encoding: gzip" in html


def void_graph(site: LiveServer, accept: str = "text/turtle") -> Graph:
    status, headers, body = fetch(site.url + "/.well-known/void", Accept=accept)
    assert status == 200 and headers["Content-Type"].startswith(accept)
    return parse_graph(body, "ttl" if accept == "text/turtle" else "jsonld")


def test_void_describes_endpoint_dumps_counts_and_licence(site: LiveServer) -> None:
    graph = void_graph(site)
    dataset = URIRef(site.url + "/.well-known/void#dataset")
    store = open_published(site.store_settings)
    assert (dataset, RDF.type, VOID.Dataset) in graph and (dataset, RDF.type, DCAT.Dataset) in graph
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(site.url + "/sparql")
    assert graph.value(dataset, VOID.triples) == Literal(store.metadata["triples"])
    assert graph.value(dataset, DCTERMS.license) == LICENSE
    assert int(graph.value(dataset, VOID.entities)) >= 4  # type: ignore[arg-type]
    dumps = {str(d) for d in graph.objects(None, VOID.dataDump)}
    assert dumps == {site.url + path(d) for d in DUMPS}
    for distribution in graph.objects(dataset, DCAT.distribution):
        assert str(graph.value(distribution, DCAT.downloadURL)) in dumps
        assert str(graph.value(distribution, DCAT.mediaType)).startswith("https://www.iana.org/")
    classes = {
        graph.value(part, VOID["class"]): graph.value(part, VOID.entities)
        for part in graph.objects(dataset, VOID.classPartition)
    }
    assert classes[SKG.Agency] == Literal(3)
    properties = {
        graph.value(part, VOID.property): graph.value(part, VOID.triples)
        for part in graph.objects(dataset, VOID.propertyPartition)
    }
    assert properties[SKG.participatesIn] == Literal(2)
    subsets = set(graph.objects(dataset, VOID.subset))
    assert {URIRef(g) for g in store.named_graphs()} <= subsets
    article_graph = URIRef("https://w3id.org/spacekg/graph/article-sample")
    assert graph.value(article_graph, DCTERMS.source) == URIRef(
        "https://w3id.org/spacekg/resource/article-sample"
    )


def test_void_speaks_json_ld_too(site: LiveServer) -> None:
    graph = void_graph(site, "application/ld+json")
    assert any(graph.triples((None, VOID.sparqlEndpoint, URIRef(site.url + "/sparql"))))
