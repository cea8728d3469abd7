"""Fixtures for the page tests: a small store with an article, the real ontology, and a
label holding markup, served by the real app on a loopback port.

Import the fixtures into a test module (`from tests.web_fixtures import site`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef

from spacekg.store import publish
from spacekg.vocab import SKG
from tests.conftest import (
    ARTICLE,
    ARTICLE_GRAPH,
    ESA,
    EXOMARS,
    INFERRED_GRAPH,
    IRIS,
    REFERENCE_GRAPH,
    LiveServer,
    Quad,
    sample_quads,
    sample_settings,
)
from tests.stores import STORE_KINDS, serve_store

ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "spacekg.ttl"
EVIL = IRIS.resource("evil-entity")
EVIL_LABEL = "<script>alert('x')</script> & co"
BODY = 'ESA said on Thursday: "We suspend ExoMars." The European Space Agency decided.'
QUOTE = IRIS.resource("article-sample-quote-1")


def _mention(begin: int, end: int, target: URIRef) -> list[Quad]:
    node = URIRef(f"{ARTICLE}#mention-{begin}-{end}")
    return [
        (node, RDF.type, SKG.Mention, ARTICLE_GRAPH),
        (node, SKG.mentionOf, target, ARTICLE_GRAPH),
        (node, SKG.inArticle, ARTICLE, ARTICLE_GRAPH),
        (node, SKG.beginIndex, Literal(begin, datatype=XSD.nonNegativeInteger), ARTICLE_GRAPH),
        (node, SKG.endIndex, Literal(end, datatype=XSD.nonNegativeInteger), ARTICLE_GRAPH),
        (node, SKG.anchorText, Literal(BODY[begin:end]), ARTICLE_GRAPH),
    ]


def page_quads() -> list[Quad]:
    """sample_quads() plus the ontology, an article with a text, and a label with markup."""
    ontology = Graph().parse(ONTOLOGY_FILE)
    onto_graph = IRIS.ontology_graph
    quads: list[Quad] = list(sample_quads())
    quads += [(s, p, o, onto_graph) for s, p, o in ontology]  # type: ignore[misc]
    q_begin = BODY.index('"')
    q_end = BODY.index('."') + 2
    quads += [
        (ARTICLE, RDF.type, SKG.Article, ARTICLE_GRAPH),
        (ARTICLE, RDFS.label, Literal("ESA suspends ExoMars", lang="en"), ARTICLE_GRAPH),
        (ARTICLE, SKG.articleBody, Literal(BODY), ARTICLE_GRAPH),
        (ESA, SKOS.altLabel, Literal("ESA", lang="en"), REFERENCE_GRAPH),
        (ESA, RDFS.comment, Literal("Europe's space agency.", lang="en"), REFERENCE_GRAPH),
        (ESA, RDF.type, SKG.Organization, INFERRED_GRAPH),
        (EXOMARS, RDF.type, SKG.Mission, REFERENCE_GRAPH),
        (EXOMARS, RDFS.label, Literal("ExoMars 2022", lang="en"), REFERENCE_GRAPH),
        (QUOTE, RDF.type, SKG.Quote, ARTICLE_GRAPH),
        (QUOTE, SKG.text, Literal("We suspend ExoMars.", lang="en"), ARTICLE_GRAPH),
        (QUOTE, SKG.statedBy, ESA, ARTICLE_GRAPH),
        (QUOTE, SKG.mentions, EXOMARS, ARTICLE_GRAPH),
        (QUOTE, SKG.reportedIn, ARTICLE, ARTICLE_GRAPH),
        (QUOTE, SKG.beginIndex, Literal(q_begin), ARTICLE_GRAPH),
        (QUOTE, SKG.endIndex, Literal(q_end), ARTICLE_GRAPH),
        (ESA, SKG.made, QUOTE, INFERRED_GRAPH),
        (EVIL, RDF.type, SKG.Agency, REFERENCE_GRAPH),
        (EVIL, RDFS.label, Literal(EVIL_LABEL, lang="en"), REFERENCE_GRAPH),
        (EVIL, SKOS.altLabel, Literal("<b>bold</b>"), REFERENCE_GRAPH),
        (EVIL, SKG.participatesIn, EXOMARS, REFERENCE_GRAPH),
    ]
    quads += _mention(0, 3, ESA)
    quads += _mention(BODY.index("ExoMars"), BODY.index("ExoMars") + 7, EXOMARS)
    quads += _mention(BODY.index("The European"), len(BODY) - len(" decided."), ESA)
    return quads


@pytest.fixture
def site(tmp_path: Path, serve: Callable[[Any], str]) -> LiveServer:
    """The spacekg app over page_quads(), on a loopback port."""
    from spacekg.web import create_app

    root = tmp_path / "store"
    publish(root, page_quads(), metadata={"base": IRIS.base})
    return LiveServer(serve(create_app(sample_settings(root))), root)


@pytest.fixture(name="site", params=STORE_KINDS)
def site_on_every_store(
    request: pytest.FixtureRequest, tmp_path: Path, serve: Callable[[Any], str]
) -> LiveServer:
    """The spacekg app over page_quads() on each kind of store (tests/stores.py).

    A remote store names no graph in queries here (as Virtuoso past a thousand
    articles): the pages' own queries must keep to the published graphs."""
    return serve_store(
        request.param, request, tmp_path, serve, page_quads(), store_named_graph_limit=0
    )
