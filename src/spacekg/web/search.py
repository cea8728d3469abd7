"""Search over labels and aliases: `/search` for people, `/search.json` for autocomplete.

Matching is case-insensitive, prefix and substring; results are ranked: an
exact name, then a name starting with the text, then a word of it starting
with it, then any substring; a preferred label beats an alias, a name in the
reader's language beats others, shorter names beat longer ones. The text
enters the query as one escaped literal, never as query syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, render_template, request
from rdflib import RDF, RDFS, SKOS, Literal, URIRef

from spacekg.store import Store
from spacekg.store.sparql_text import published_graphs_only
from spacekg.vocab import Iris
from spacekg.web.layout import current_urls
from spacekg.web.rdfdata import Languages, integer, select, uri, values
from spacekg.web.state import app_state, current_store
from spacekg.web.urls import Urls
from spacekg.web.vocabulary import ontology_of

bp = Blueprint("search", __name__)

MAX_QUERY = 100
CANDIDATES = 400


@dataclass(frozen=True)
class Hit:
    iri: URIRef
    label: str
    matched: str  # the name that matched (a label or an alias)
    alias: bool
    type: str | None
    url: str
    rank: tuple[int, int, int, int, str]


def reader_languages() -> Languages:
    """The reader's languages from Accept-Language, English last as the fallback."""
    wanted = [lang.lower() for lang, _ in request.accept_languages if lang != "*"]
    return Languages((*wanted, "en"))


def find(
    store: Store, iris: Iris, urls: Urls, text: str, langs: Languages, limit: int = 20
) -> list[Hit]:
    """Our resources whose label or alias contains `text`, best first."""
    needle = " ".join(text.lower().split())[:MAX_QUERY]
    if not needle:
        return []
    literal = Literal(needle).n3()
    prefix = Literal(iris.resource_prefix).n3()
    # ?alias is 1 or 0, not a boolean: Virtuoso answers true and false as 1 and 0.
    rows = select(
        store,
        "SELECT ?s ?l ?alias WHERE { "
        f"{{ ?s <{RDFS.label}> ?l BIND(0 AS ?alias) }} UNION "
        f"{{ ?s <{SKOS.altLabel}> ?l BIND(1 AS ?alias) }} "
        f"FILTER(STRSTARTS(STR(?s), {prefix}) && CONTAINS(LCASE(STR(?l)), {literal})) "
        f"}} ORDER BY ?s LIMIT {CANDIDATES}",  # the same candidates on every store
    )
    best: dict[URIRef, tuple[tuple[int, int, int, int, str], Literal, bool]] = {}
    for row in rows:
        subject, name = uri(row, "s"), row["l"]
        if not isinstance(name, Literal) or "#" in str(subject):
            continue
        alias = integer(row, "alias") == 1
        rank = _rank(needle, name, alias, langs)
        if subject not in best or rank < best[subject][0]:
            best[subject] = (rank, name, alias)
    # Equal ranks (one label on many postponements) in IRI order, on every store.
    chosen = sorted(best.items(), key=lambda item: (item[1][0], str(item[0])))[:limit]
    subjects = [s for s, _ in chosen]
    labels, types = _labels_and_types(store, subjects, langs, iris)
    hits = []
    for subject, (rank, name, alias) in chosen:
        slug = iris.slug_of(str(subject)) or ""
        hits.append(
            Hit(
                subject,
                labels.get(subject, str(name)),
                str(name),
                alias,
                types.get(subject),
                urls.resource(slug),
                rank,
            )
        )
    return hits


def _rank(
    needle: str, name: Literal, alias: bool, langs: Languages
) -> tuple[int, int, int, int, str]:
    lowered = " ".join(str(name).lower().split())
    if lowered == needle:
        how = 0
    elif lowered.startswith(needle):
        how = 1
    elif re.search(r"(?:^|[\s\-(/])" + re.escape(needle), lowered):
        how = 2
    else:
        how = 3
    return (how, int(alias), min(langs.rank(name), 999), len(lowered), lowered)


def _labels_and_types(
    store: Store, subjects: list[URIRef], langs: Languages, iris: Iris
) -> tuple[dict[URIRef, str], dict[URIRef, str]]:
    if not subjects:
        return {}, {}
    rows = select(
        store,
        f"SELECT ?s ?l ?t WHERE {{ {values('s', subjects)} "
        f"OPTIONAL {{ ?s <{RDFS.label}> ?l }} "
        f"OPTIONAL {{ GRAPH ?g {{ ?s <{RDF.type}> ?t }} "
        f"FILTER(?g != <{iris.inferred_graph}>) "
        f"{published_graphs_only(store, iris.graph_base)} }} }}",
    )
    onto = ontology_of(store, iris)
    labels: dict[URIRef, list[Literal]] = {}
    types: dict[URIRef, str] = {}
    for row in rows:
        subject = uri(row, "s")
        if isinstance(row.get("l"), Literal):
            labels.setdefault(subject, []).append(row["l"])  # type: ignore[arg-type]
        if isinstance(row.get("t"), URIRef):
            types.setdefault(subject, onto.label(row["t"], langs))
    best = {s: str(b) for s, lits in labels.items() if (b := langs.best(lits)) is not None}
    return best, types


def _query_text() -> str:
    return (request.args.get("q") or "").strip()[:MAX_QUERY]


@bp.get("/search")
def search_page() -> str:
    """The search page: a form, and the ranked hits for `q`."""
    text = _query_text()
    settings = app_state().settings
    hits = (
        find(current_store(), settings.iris, current_urls(), text, reader_languages(), 50)
        if text
        else []
    )
    return render_template("search.html", q=text, hits=hits)


@bp.get("/search.json")
def autocomplete() -> Response:
    """Up to 10 suggestions for `q` as JSON: {"query": q, "results": [{label, type, url}]}."""
    text = _query_text()
    settings = app_state().settings
    hits = (
        find(current_store(), settings.iris, current_urls(), text, reader_languages(), 10)
        if len(text) >= 1
        else []
    )
    results = [
        {"label": h.label, "matched": h.matched, "type": h.type, "url": h.url, "iri": str(h.iri)}
        for h in hits
    ]
    return jsonify(query=text, results=results)
