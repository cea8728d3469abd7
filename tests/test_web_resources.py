"""Entity and article pages: content negotiation, what the HTML shows, escaping, 404s."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from spacekg.store import open_store, publish
from spacekg.vocab import SKG
from tests.conftest import (
    ARTICLE_GRAPH,
    ESA,
    INFERRED_GRAPH,
    IRIS,
    REFERENCE_GRAPH,
    LiveServer,
    sample_settings,
)
from tests.stores import STORE_KINDS, serve_store
from tests.web_fixtures import EVIL_LABEL, page_quads, site

__all__ = ["site"]

FORMATS = [
    ("text/turtle", "ttl", ox.RdfFormat.TURTLE),
    ("application/ld+json", "jsonld", ox.RdfFormat.JSON_LD),
    ("application/n-triples", "nt", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML),
]


def parse(body: str, fmt: ox.RdfFormat) -> Graph:
    """`body` parsed by Oxigraph (rdflib's JSON-LD parser warns about its own internals)."""
    triples = ox.serialize(ox.parse(body.encode(), format=fmt), format=ox.RdfFormat.N_TRIPLES)
    assert triples is not None
    return Graph().parse(data=triples.decode(), format="nt")


def get(url: str, accept: str = "text/html") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def stored(server: LiveServer, slug: str) -> Graph:
    iri = f"https://w3id.org/spacekg/resource/{slug}"
    data = open_store(server.root).query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
    return Graph().parse(data=data.serialize("nt"), format="nt")


def assert_same(expected: Graph, got: Graph) -> None:
    if not isomorphic(expected, got):
        _, only_expected, only_got = graph_diff(to_isomorphic(expected), to_isomorphic(got))
        pytest.fail(
            f"missing:\n{only_expected.serialize(format='nt')}\n"
            f"extra:\n{only_got.serialize(format='nt')}"
        )


@pytest.mark.parametrize(("media", "ext", "parser"), FORMATS, ids=[f[1] for f in FORMATS])
@pytest.mark.parametrize("slug", ["european-space-agency", "article-sample", "exomars-2022"])
def test_every_format_holds_what_the_store_holds(
    site: LiveServer, slug: str, media: str, ext: str, parser: ox.RdfFormat
) -> None:
    status, headers, body = get(f"{site.url}/resource/{slug}", accept=media)
    assert status == 200
    assert headers["Content-Type"].startswith(media)
    assert "Accept" in headers["Vary"]
    assert_same(stored(site, slug), parse(body, parser))
    status, _, suffixed = get(f"{site.url}/resource/{slug}.{ext}", accept="text/html")
    assert status == 200
    assert_same(stored(site, slug), parse(suffixed, parser))


def test_json_ld_has_a_context(site: LiveServer) -> None:
    _, _, body = get(f"{site.url}/resource/european-space-agency.jsonld")
    assert json.loads(body)["@context"]["skg"] == "https://w3id.org/spacekg/ontology#"


def test_link_headers_name_every_format(site: LiveServer) -> None:
    _, headers, _ = get(f"{site.url}/resource/european-space-agency")
    for _, ext, _ in FORMATS:
        assert f'/resource/european-space-agency.{ext}>; rel="alternate"' in headers["Link"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_html_shows_names_types_statements_and_links(site: LiveServer) -> None:
    status, headers, html = get(f"{site.url}/resource/european-space-agency")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<h1 lang="en">European Space Agency</h1>' in html
    assert "Europe&#39;s space agency." in html  # the description
    assert "Also known as" in html and "ESA" in html
    assert 'class="badge inferred"' in html  # skg:Organization comes from the inferred graph
    assert "space agency is a subclass of organization" in html  # and the axiom says why
    assert "We suspend ExoMars." in html  # a statement it made
    assert 'href="/resource/exomars-2022"' in html  # our IRIs link locally
    assert "inverse of stated by" in html  # skg:made explained by owl:inverseOf


def test_incoming_links_are_grouped_and_counted(site: LiveServer) -> None:
    _, _, html = get(f"{site.url}/resource/exomars-2022")
    assert "Linked from" in html
    assert "participates in: 2" in html


def test_article_page_highlights_mentions_and_statements(site: LiveServer) -> None:
    _, _, html = get(f"{site.url}/resource/article-sample")
    assert '<mark class="mention"><a href="/resource/european-space-agency"' in html
    assert '<span class="statement"' in html
    assert "Facts extracted from this article" in html


def test_unknown_slug_suggests_similar_entities(site: LiveServer) -> None:
    status, _, html = get(f"{site.url}/resource/european-agency")
    assert status == 404
    assert "Did you mean" in html and 'href="/resource/european-space-agency"' in html
    status, _, body = get(f"{site.url}/resource/european-agency", accept="application/json")
    assert status == 404
    assert json.loads(body)["suggestions"][0]["url"] == "/resource/european-space-agency"


@pytest.mark.parametrize("path", ["/resource/Bad%20Slug", "/resource/a..b", "/resource/x.exe"])
def test_malformed_names_are_404s(site: LiveServer, path: str) -> None:
    status, _, _ = get(site.url + path, accept="application/json")
    assert status == 404


@pytest.mark.parametrize(
    "path", ["/resource/evil-entity", "/resource/exomars-2022", "/search?q=script"]
)
def test_markup_in_the_data_shows_as_text(site: LiveServer, path: str) -> None:
    status, _, html = get(site.url + path)
    assert status == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert EVIL_LABEL not in html


@pytest.mark.parametrize("sorted_by", ["spacekg", "store"])
def test_a_hub_lists_the_articles_that_mention_it_most_and_links_the_rest(
    sorted_by: str, tmp_path: Path, serve: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub's page stays small however many articles mention it; the order is the
    same whether spacekg orders them or (past SORT_HERE_LIMIT) the store does."""
    from spacekg.web import create_app, entity

    monkeypatch.setattr(entity, "MENTION_LIMIT", 2)
    if sorted_by == "store":
        monkeypatch.setattr(entity, "SORT_HERE_LIMIT", 0)
    quads = page_quads()
    for n, mentions in enumerate((1, 3, 2)):  # three more articles, mentioning ESA 1-3 times
        article = IRIS.resource(f"article-more-{n}")
        graph = IRIS.article_graph(f"article-more-{n}")
        quads += [(article, RDF.type, SKG.Article, graph)]
        for k in range(mentions):
            mention = URIRef(f"{article}#mention-{k}")
            quads += [
                (mention, SKG.mentionOf, ESA, graph),
                (mention, SKG.inArticle, article, graph),
            ]
    root = tmp_path / "store"
    publish(root, quads, metadata={"base": IRIS.base})
    url = serve(create_app(sample_settings(root)))

    _, _, html = get(f"{url}/resource/european-space-agency")

    section = html[html.index('id="mentioned"') :].split("</section>")[0]
    assert "Mentioned in (4 articles)" in section
    assert section.count("<li>") == 2  # 3 mentions, then 2 (the first by IRI of a tie)
    assert section.index("article-more-1") < section.index("article-more-2")
    assert "article-sample" not in section and "article-more-0" not in section
    assert "These are the 2 that mention it most" in section
    link = section[section.index('href="/sparql?') + 6 :].split('"')[0]
    status, _, body = get(url + unescape(link), accept="application/sparql-results+json")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 4


@pytest.mark.parametrize("sorted_by", ["spacekg", "store"])
@pytest.mark.parametrize("kind", STORE_KINDS)
def test_incoming_links_page_through_in_property_then_subject_order(
    kind: str,
    sorted_by: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    serve: Callable[[Any], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of links to an entity follow ORDER BY ?p ?s across properties, whether
    spacekg orders the links or (past SORT_HERE_LIMIT) the store does, and every
    link is on exactly one page."""
    from spacekg.web import entity

    monkeypatch.setattr(entity, "INCOMING_PAGE", 3)
    if sorted_by == "store":
        monkeypatch.setattr(entity, "SORT_HERE_LIMIT", 0)
    target = IRIS.resource("linked-target")
    quads = page_quads()
    links = []
    # Added out of order; hasParticipant sorts before mentions, "a-" before "m-".
    for name, predicate in [
        ("z-mission", SKG.hasParticipant),
        ("m-article", SKG.mentions),
        ("a-mission", SKG.hasParticipant),
        ("z-article", SKG.mentions),
        ("b-article", SKG.mentions),
        ("m-mission", SKG.hasParticipant),
        ("a-article", SKG.mentions),
    ]:
        source = IRIS.resource(name)
        quads.append((source, predicate, target, ARTICLE_GRAPH))
        links.append((str(predicate), name))
    site = serve_store(kind, request, tmp_path, serve, quads)

    seen = []
    for page in (1, 2, 3):
        status, _, html = get(f"{site.url}/resource/linked-target?page={page}")
        assert status == 200
        assert f"Page {page} of 3" in html
        table = html[html.index('id="incoming"') :].split("</table>")[0]
        rows = table.split("<tbody>")[1].split("<tr>")[1:]
        assert len(rows) == (3 if page < 3 else 1)
        seen += [row.split('href="/resource/')[1].split('"')[0] for row in rows]
    assert seen == [name for _, name in sorted(links)]


def _property_values(html: str, label: str) -> str:
    """The <dd> of the property table row for `label`."""
    table = html[html.index('id="props"') :].split("</section>")[0]
    return table.split(f">{label}</a></dt>")[1].split("<dt>")[0]


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_property_with_many_values_shows_the_first_and_links_the_rest(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    serve: Callable[[Any], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hub's property table stays small however many values one property has
    (ESA is `skg:mentionedIn` every article about it): the first VALUE_LIMIT
    values, each still marked inferred when only reasoning gave it, then the
    true total and a query listing all."""
    from spacekg.web import entity

    monkeypatch.setattr(entity, "VALUE_LIMIT", 3)
    quads = page_quads()
    for n in range(5):
        article = IRIS.resource(f"article-more-{n}")
        graph = IRIS.article_graph(f"article-more-{n}")
        quads += [
            (article, RDF.type, SKG.Article, graph),
            (article, SKG.mentions, ESA, graph),
            (ESA, SKG.mentionedIn, article, INFERRED_GRAPH),
        ]
    # Inferred and asserted too: the page must see all its graphs to show it as asserted.
    quads += [(ESA, SKG.mentionedIn, IRIS.resource("article-more-1"), ARTICLE_GRAPH)]
    members = [IRIS.resource(f"country-{n}") for n in range(3)]  # just VALUE_LIMIT: all shown
    quads += [(ESA, SKG.hasMemberState, country, REFERENCE_GRAPH) for country in members]
    site = serve_store(kind, request, tmp_path, serve, quads, store_named_graph_limit=0)

    status, _, html = get(f"{site.url}/resource/european-space-agency")

    assert status == 200
    shown = _property_values(html, "mentioned in")
    items = shown.split("<li>")[1:]
    assert len(items) == 3
    for n, item in enumerate(items):  # the first three, in SPARQL order
        assert f'href="/resource/article-more-{n}"' in item
    assert "article-more-3" not in shown and "article-more-4" not in shown
    assert "inferred: " in items[0] and "inverse of mentions" in items[0]
    assert "inferred" not in items[1]
    assert "Showing 3 of 5." in shown and "All 5, as a SPARQL query" in shown
    link = shown[shown.index('href="/sparql?') + 6 :].split('"')[0]
    status, _, body = get(site.url + unescape(link), accept="application/sparql-results+json")
    assert status == 200
    listed = [b["value"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert listed == [str(IRIS.resource(f"article-more-{n}")) for n in range(5)]
    members_shown = _property_values(html, "has member state")
    assert members_shown.count("<li>") == 3 and "Showing" not in members_shown
    assert 'class="badge inferred"' in html  # types stay whole, inferred ones marked
