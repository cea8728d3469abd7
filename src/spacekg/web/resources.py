"""`/resource/{slug}`: one entity, for people (HTML) and machines (RDF).

Content negotiation picks HTML or one of the graph formats from Accept; the
suffix forms (`.ttl`, `.jsonld`, `.nt`, `.rdf`, `.html`) choose explicitly.
Every answer varies on Accept and lists its alternates in `Link` headers.
The RDF is what the store holds with the entity as subject, inferences
included (they are marked as such on the HTML page).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from rdflib import Graph, URIRef

from spacekg.store.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format
from spacekg.vocab import PREFIXES, is_slug
from spacekg.web import articles
from spacekg.web.entity import Gatherer
from spacekg.web.errors import error_response
from spacekg.web.layout import current_urls
from spacekg.web.page_cache import cached_page
from spacekg.web.rdfdata import construct, values
from spacekg.web.search import find, reader_languages
from spacekg.web.state import app_state, current_store
from spacekg.web.vocabulary import ontology_of

bp = Blueprint("resources", __name__)

HTML = "text/html"
#: The RDF formats an entity is offered in (triples only: a description has no named graphs).
ENTITY_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
_BY_EXTENSION: dict[str, Format] = {fmt.extension: fmt for fmt in ENTITY_FORMATS}


@bp.get("/resource/<name>")
@cached_page
def resource(name: str) -> Response:
    """The entity called `name` (a slug, optionally with a format suffix)."""
    slug, _, extension = name.partition(".")
    fmt: Format | None = None
    if extension and extension != "html":
        fmt = _BY_EXTENSION.get(extension)
        if fmt is None:
            known = ", ".join(f".{ext}" for ext in ("html", *_BY_EXTENSION))
            return error_response(404, f"no format {extension!r}; try one of {known}")
    if not is_slug(slug):
        return _not_found(slug)
    store = current_store()
    settings = app_state().settings
    iri = settings.iris.resource(slug)
    urls = current_urls()
    gatherer = Gatherer(
        store, settings.iris, urls, ontology_of(store, settings.iris), reader_languages()
    )
    if not gatherer.exists(iri):
        return _not_found(slug)
    if fmt is None and not extension:
        fmt = _negotiate()
    if fmt is not None:
        response = Response(describe(iri, fmt), mimetype=fmt.media_type)
    else:
        page = request.args.get("page", "1")
        number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
        view = gatherer.entity(iri, number)
        article = articles.reader(store, settings.iris, urls, iri) if view.is_article else None
        facts = []
        if article is not None:
            names = gatherer.labels([t for fact in article.facts for t in fact])
            facts = [
                (gatherer.value(s, names), gatherer.group(p, []), gatherer.value(o, names))
                for s, p, o in article.facts
            ]
        page_html = render_template(
            "resource.html", e=view, article=article, facts=facts, slug=slug
        )
        response = Response(page_html, mimetype=HTML)
    return _headers(response, slug)


def describe(iri: URIRef, fmt: Format) -> bytes:
    """What the store holds with `iri` as subject, written in `fmt`."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {values('s', [iri])} ?s ?p ?o }}"
    if fmt == JSON_LD:
        graph: Graph = construct(current_store(), query)
        context = {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "xsd"}
        context["xsd"] = PREFIXES["xsd"]
        return graph.serialize(format="json-ld", context=context, auto_compact=True).encode()
    return current_store().query(query).serialize(fmt)


def _negotiate() -> Format | None:
    """The graph format the client prefers, or None for HTML."""
    offered = [HTML, *(media for fmt in ENTITY_FORMATS for media in fmt.media_types)]
    best = request.accept_mimetypes.best_match(offered, default=HTML)
    if best == HTML:
        return None
    return next(fmt for fmt in ENTITY_FORMATS if best in fmt.media_types)


def _headers(response: Response, slug: str) -> Response:
    urls = current_urls()
    alternates = [f'<{urls.resource(slug)}.html>; rel="alternate"; type="{HTML}"'] + [
        f'<{urls.resource(slug, fmt.extension)}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in ENTITY_FORMATS
    ]
    response.headers["Link"] = ", ".join(alternates)
    response.vary.update(("Accept", "Accept-Language"))
    return response


def _not_found(slug: str) -> Response:
    """A 404 that suggests entities whose names are like the slug asked for."""
    settings = app_state().settings
    words = [w for w in slug.replace("_", "-").split("-") if len(w) >= 3][:4]
    hits = []
    seen: set[URIRef] = set()
    for text in [" ".join(words), *words] if words else []:
        for hit in find(current_store(), settings.iris, current_urls(), text, reader_languages()):
            if hit.iri not in seen:
                seen.add(hit.iri)
                hits.append(hit)
    hits.sort(key=lambda h: h.rank)
    suggestions = [(h.label, h.url) for h in hits[:8]]
    return error_response(404, f"nothing is called {slug!r} here", suggestions=suggestions)
