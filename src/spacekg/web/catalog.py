"""What the dump files and the VoID description say about one published version.

The dumps on offer (one table, `DUMPS`), how big each is and how many triples
(or quads) it holds, and the statistics VoID publishes (class and property
partitions, entities, the named graphs and where each came from).

A build never changes once published, so all of it is computed once per
dataset version, by the first request that needs it, and kept in memory by
the app (`Catalog`, one per app, holding the current version only; a new
build makes the next request recompute). Sizes are measured by streaming
every dump through a byte counter (and a gzip compressor, for the gzipped
size): on the published graph (about 19,000 quads) all ten take about 2 s.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app
from rdflib import Literal

from spacekg.store import Store
from spacekg.store.formats import JSON_LD, N_QUADS, N_TRIPLES, TRIG, TURTLE, Format
from spacekg.store.sparql_text import published_graphs_only
from spacekg.vocab import SKG, Iris
from spacekg.web.rdfdata import integer, select, uri

#: The formats offered as dumps, in the order the /dumps page lists them. RDF/XML
#: is left out: it cannot be written in chunks, so it could not be streamed.
OFFERED: tuple[Format, ...] = (TURTLE, N_TRIPLES, TRIG, N_QUADS, JSON_LD)

#: Compression level of gzipped dumps (zlib's default: most of the gain, little CPU).
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Dump:
    """One downloadable file: the whole graph in one format, with or without inferences."""

    fmt: Format
    inferred: bool

    @property
    def name(self) -> str:
        """`ttl`, or `asserted.ttl` for the asserted-only variant (used in ETags)."""
        return self.fmt.extension if self.inferred else f"asserted.{self.fmt.extension}"

    @property
    def title(self) -> str:
        return "with inferences" if self.inferred else "asserted only"

    def filename(self, version: str) -> str:
        """The name a download is saved under: `spacekg-{version}.ttl`."""
        variant = "" if self.inferred else "-asserted"
        return f"spacekg-{version}{variant}.{self.fmt.extension}"

    def chunks(self, store: Store, iris: Iris) -> Iterator[bytes]:
        """The dump, streamed from the store in chunks."""
        if self.inferred:
            return store.dump(self.fmt)
        return store.dump_without(self.fmt, [str(iris.inferred_graph)])


DUMPS: tuple[Dump, ...] = tuple(
    Dump(fmt, inferred) for inferred in (True, False) for fmt in OFFERED
)


def find_dump(extension: str, inferred: bool) -> Dump | None:
    """The dump with this file extension and variant, or None."""
    for dump in DUMPS:
        if dump.fmt.extension == extension and dump.inferred == inferred:
            return dump
    return None


def gzipped(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks` compressed as one gzip stream, chunk by chunk (never held whole)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()


@dataclass(frozen=True)
class DumpFacts:
    dump: Dump
    size: int
    gzip_size: int
    #: Triples, or quads for the formats that keep the named graphs.
    statements: int


@dataclass(frozen=True)
class GraphFacts:
    """One named graph: its IRI, size, and (for an article's graph) the article."""

    iri: str
    quads: int
    article: str | None


@dataclass(frozen=True)
class Statistics:
    triples: int
    asserted_triples: int
    quads: int
    asserted_quads: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    #: (class IRI, distinct instances), largest first.
    classes: list[tuple[str, int]]
    #: (property IRI, triples), largest first.
    properties: list[tuple[str, int]]
    graphs: list[GraphFacts]


_T = TypeVar("_T")


class Catalog:
    """Per-version facts about the published graph, computed once and kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._cache: dict[str, Any] = {}

    def statistics(self, store: Store, iris: Iris) -> Statistics:
        return self._once(store, "statistics", lambda: _statistics(store, iris))

    def dumps(self, store: Store, iris: Iris) -> list[DumpFacts]:
        """Every dump of DUMPS with its sizes and counts."""

        def measure() -> list[DumpFacts]:
            stats = self.statistics(store, iris)
            return [_measure(dump, store, iris, stats) for dump in DUMPS]

        return self._once(store, "dumps", measure)

    def _once(self, store: Store, key: str, compute: Callable[[], _T]) -> _T:
        with self._lock:
            if self._version != store.version:
                self._version, self._cache = store.version, {}
            if key in self._cache:
                cached: _T = self._cache[key]
                return cached
        # Computed outside the lock (statistics() is called from inside dumps()'s
        # computation); two requests racing on a new version both compute, once.
        value = compute()
        with self._lock:
            if self._version == store.version:
                self._cache[key] = value
        return value


_KEY = "spacekg.catalog"


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = Catalog()


def catalog() -> Catalog:
    """The current app's catalog."""
    found: Catalog = current_app.extensions[_KEY]
    return found


def _measure(dump: Dump, store: Store, iris: Iris, stats: Statistics) -> DumpFacts:
    size = 0

    def counted() -> Iterator[bytes]:
        nonlocal size
        for chunk in dump.chunks(store, iris):
            size += len(chunk)
            yield chunk

    gzip_size = sum(len(chunk) for chunk in gzipped(counted()))
    if dump.fmt.keeps_graphs:
        statements = stats.quads if dump.inferred else stats.asserted_quads
    else:
        statements = stats.triples if dump.inferred else stats.asserted_triples
    return DumpFacts(dump, size, gzip_size, statements)


def _count(store: Store, sparql: str) -> int:
    rows = select(store, sparql)
    return integer(rows[0], "n") if rows else 0


def _statistics(store: Store, iris: Iris) -> Statistics:
    metadata = store.metadata
    inferred = str(iris.inferred_graph)
    sizes: dict[str, int] = {name: int(n) for name, n in metadata.get("graphs", {}).items()}
    quads = int(metadata.get("quads", store.count()))
    triples = int(metadata["triples"]) if "triples" in metadata else _count(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    )  # fmt: skip
    published = published_graphs_only(store, iris.graph_base)
    articles = {
        str(row["g"]): str(row["a"])
        for row in select(
            store, f"SELECT ?g ?a WHERE {{ GRAPH ?g {{ ?a a <{SKG.Article}> }} {published} }}"
        )
    }
    return Statistics(
        triples=triples,
        asserted_triples=_count(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
            f"FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{inferred}>) {published} }} "
            "}",
        ),
        quads=quads,
        asserted_quads=quads - sizes.get(inferred, 0),
        entities=_count(
            store,
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f"FILTER(STRSTARTS(STR(?s), {Literal(iris.resource_prefix).n3()})) }}",
        ),
        distinct_subjects=_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"),
        distinct_objects=_count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }"),
        classes=[
            (str(uri(row, "c")), integer(row, "n"))
            for row in select(
                store,
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
                "GROUP BY ?c ORDER BY DESC(?n) ?c",
            )
        ],
        properties=[
            (str(uri(row, "p")), integer(row, "n"))
            for row in select(
                store,
                "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p",
            )
        ],
        graphs=[
            GraphFacts(name, sizes.get(name, 0), articles.get(name))
            for name in store.named_graphs()
        ],
    )
