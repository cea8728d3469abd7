"""An external SPARQL 1.1 store, read through the same `Store` interface as the
embedded one.

Queries go to the store's query endpoint (SPARQL 1.1 Protocol, through
SPARQLWrapper); their answers are parsed with pyoxigraph into the objects the
embedded store's `OxigraphResult` writes, so every result format, `table()`
and the result limit behave as on the embedded store. An answer is read no
longer than `query_timeout` and no bigger than `query_memory_mb`.

**The build record.** What the embedded store keeps in meta.json lives in the
store itself, in the graph `BUILD_GRAPH`: the version, and the record (the
caller's metadata, the version, the time, and the quads per graph, quads and
union triples) as one JSON literal. Every spacekg process pointed at the
store therefore sees the same version. A build counts what it staged; an
ingest works out the new counts from what it changes, so neither costs a
count of the whole store. A record without counts is counted when first
asked for.

**The default graph.** The contract: a query with no dataset sees the union of
the named graphs, each triple once. How a store gets there is the setting
`store_default_graph`, never a test of the product:

- `write` (Oxigraph server, Fuseki without a union option): spacekg writes the
  union into the store's default graph, as the embedded store does;
- an IRI (Virtuoso, whose default graph is every graph it holds, its own
  system graphs included, and a triple once per graph holding it): spacekg
  writes the union into that graph and sends it as `default-graph-uri` with
  every query that names no dataset (and has no FROM of its own). A query
  with a GRAPH pattern then also gets the published graphs as
  `named-graph-uri`: Virtuoso would otherwise match the union graph (and its
  system graphs) in `GRAPH ?g`, and a triple would seem asserted everywhere.
  That holds up to `store_named_graph_limit` graphs: Virtuoso compiles every
  named graph into the query (0.2 ms each) and refuses about 5,000 ("SP030
  Too many arguments"), and neither graph groups (refused in FROM NAMED) nor
  its `input:named-graph-exclude` pragma (which empties the default graph
  too) is a way round. Above the limit (rdflib's parser reads the query, once
  per text: see policy.graph_use): a query whose GRAPH patterns all name their
  graph gets those graphs named, which is exact. One with `GRAPH ?var` gets no
  graph named, so the variable ranges over every graph the store holds, the
  union graph and the store's own included; if it reads no default graph, no
  dataset is sent at all, because Virtuoso finds nothing in a `GRAPH <iri>`
  that is not named once a default graph is. Only a query with `GRAPH ?var`,
  `GRAPH <iri>` and default-graph patterns together then misses the
  `GRAPH <iri>` part.
  spacekg's own queries keep graph variables to the published graphs with
  `sparql_text.published_graphs_only` (see `RemoteStore.foreign_graphs`);
- `union` (a store whose default graph is the set union of its named graphs,
  such as Fuseki's unionDefaultGraph): nothing is written. The build record's
  triples are then part of that union too.

A protocol dataset that lists only default graphs (or only named graphs) is
completed with `EMPTY_GRAPH` on the other side, so the omitted part is empty
as the protocol says, on stores whose defaults differ (Virtuoso).

Between two queries of one request a new version may be published (unlike
the embedded store, which keeps each build on disk): pages are consistent per
query, and a dump that spans a publish fails instead of mixing two versions.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from http.client import HTTPResponse
from typing import Any

import pyoxigraph as ox

from spacekg.errors import QueryError, QueryMemoryError, QueryTimeoutError, StoreError
from spacekg.store.embedded import OxigraphResult, _graph, _resolve, _serialize_chunks
from spacekg.store.formats import (
    DUMP_FORMATS,
    GRAPH_FORMATS,
    JSON,
    TSV,
    XML,
    Format,
    QueryKind,
    find_format,
)
from spacekg.store.policy import (
    check_query,
    graph_use,
    names_dataset,
    update_refused,
    uses_graphs,
)
from spacekg.store.remote_http import (
    QUERY_FORMS,
    BoundedReader,
    Connection,
    RemoteConfig,
    RemoteError,
    RequestTimeout,
    query_form,
)
from spacekg.store.sparql_text import terms_text

#: spacekg's own terms for what it keeps in a remote store (never in the union).
STORE = "https://w3id.org/spacekg/store#"
#: The graph holding the build record, and the record's subject.
BUILD_GRAPH = STORE + "build"
VERSION = STORE + "version"
RECORD = STORE + "record"
#: Links the build graph to each graph a publish is loading (see remote_target).
LOADING = STORE + "loading"
#: Links each published graph to the digest of what a publish loaded into it
#: (see remote_target: a later publish leaves a graph whose digest is unchanged).
DIGEST = STORE + "digest"
#: A graph nothing is ever written to: an empty part of a protocol dataset.
EMPTY_GRAPH = STORE + "empty"
#: Graphs a publish or an ingest loads before moving them into place.
STAGING = "https://w3id.org/spacekg/store/staging/"

#: How long a checked version is trusted: readers follow a new version within a
#: second, at one tiny query a second at most.
VERSION_TTL = 1.0

_RESULT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
#: N-Triples streams and needs no prefix table; Turtle is the fallback every store has.
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
#: Formats a store's answer may come in (what we ask for, and what stores send anyway).
_ANSWER_FORMATS: tuple[Format, ...] = (JSON, XML, TSV, *GRAPH_FORMATS)
_KINDS = {
    "SELECT": QueryKind.SELECT,
    "ASK": QueryKind.ASK,
    "CONSTRUCT": QueryKind.GRAPH,
    "DESCRIBE": QueryKind.GRAPH,
}
_BUFFER = 1 << 16
#: Virtuoso's header on a SELECT answer it cut at its ResultSetMaxRows.
_CUT_HEADER = "X-SPARQL-MaxRows"

_VERSION_QUERY = f"SELECT ?v WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> <{VERSION}> ?v }} }}"
_RECORD_QUERY = (
    f"SELECT ?v ?r WHERE {{ GRAPH <{BUILD_GRAPH}> "
    f"{{ <{BUILD_GRAPH}> <{VERSION}> ?v ; <{RECORD}> ?r }} }}"
)
#: Graphs named per query when asking about many (VALUES rows).
_VALUES_BATCH = 500
#: Triples asked about per query (UNION branches).
_MATCH_BATCH = 200
_COUNT_UNION = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?s != <{BUILD_GRAPH}>) }}"
_CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


class RemoteResult:
    """The answer to one query against a remote store (see base.QueryResult): the
    embedded store's result over the parsed answer, plus what the store itself cut."""

    def __init__(self, inner: OxigraphResult, cut_by_store: bool) -> None:
        self._inner = inner
        self._cut_by_store = cut_by_store

    @property
    def kind(self) -> QueryKind:
        return self._inner.kind

    @property
    def truncated(self) -> bool:
        return self._inner.truncated or self._cut_by_store

    def serialize(self, fmt: Format | str, *, limit: int | None = None) -> bytes:
        try:
            return self._inner.serialize(fmt, limit=limit)
        except SyntaxError as exc:  # the answer is parsed while it is written
            raise _malformed(exc) from None

    def table(self, limit: int) -> dict[str, Any]:
        try:
            return self._inner.table(limit)
        except SyntaxError as exc:
            raise _malformed(exc) from None


def _malformed(exc: SyntaxError) -> StoreError:
    return StoreError(f"the store's answer could not be read: {exc}")


class Reader:
    """Reads from one remote store: queries (bounded, for clients) and the build
    record and whole graphs (for spacekg itself)."""

    def __init__(self, config: RemoteConfig, connection: Connection | None = None) -> None:
        self.config = config
        self.connection = connection or Connection(config)

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        allowed_services: Collection[str] = (),
        published_graphs: Callable[[], list[str]] = list,
    ) -> RemoteResult:
        """A client's query (see base.Store.query), bounded by query_timeout and
        the answer size; `published_graphs` lists the named graphs of the version
        read. Raises QueryError, QueryLimitError, StoreError."""
        check_query(sparql, allowed_services)
        kind = query_kind(sparql)
        default, named = self.dataset(
            sparql, default_graph_uris, named_graph_uris, published_graphs
        )
        timeout = self.config.query_timeout
        deadline = time.monotonic() + timeout
        try:
            response = self.connection.query(
                sparql,
                accept=_GRAPH_ACCEPT if kind is QueryKind.GRAPH else _RESULT_ACCEPT,
                default_graph_uris=default,
                named_graph_uris=named,
                timeout=timeout,
            )
        except RequestTimeout:
            raise _too_late(timeout) from None
        cut = response.headers.get(_CUT_HEADER) is not None
        reader = BoundedReader(
            response,
            deadline,
            self.config.max_answer_bytes,
            lambda: _too_late(timeout),
            lambda: _too_big(self.config.max_answer_bytes),
        )
        # Not kept in a local variable: see embedded.OxigraphStore.query.
        return RemoteResult(
            OxigraphResult(_parse_answer(response, io.BufferedReader(reader, _BUFFER))), cut
        )

    def dataset(
        self,
        sparql: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        published_graphs: Callable[[], list[str]],
    ) -> tuple[list[str], list[str]]:
        """The protocol dataset to send with `sparql` (see the module docstring)."""
        if default_graph_uris or named_graph_uris:
            for iri in (*default_graph_uris, *named_graph_uris):
                _graph(iri)  # a QueryError for anything but an IRI, as on the embedded store
            return list(default_graph_uris) or [EMPTY_GRAPH], list(named_graph_uris) or [
                EMPTY_GRAPH
            ]
        if self.union_graph is None or names_dataset(sparql):
            return [], []
        # Naming the default graph lets a store (Virtuoso) take the union graph for a
        # named graph too: a GRAPH pattern gets the published graphs named instead,
        # up to the limit (see the module docstring).
        if not uses_graphs(sparql):
            return [self.union_graph], []
        published = published_graphs()
        if len(published) <= self.config.named_graph_limit:
            return [self.union_graph], published or [EMPTY_GRAPH]
        # Too many to name (see the module docstring).
        use = graph_use(sparql)
        if use is None or (use.variables and use.default_graph):
            return [self.union_graph], []
        if use.variables:  # no default graph read: every graph the store holds
            return [], []
        return [self.union_graph], sorted(use.iris.intersection(published)) or [EMPTY_GRAPH]

    @property
    def union_graph(self) -> str | None:
        """The graph holding the union, when it is a named graph (not the store's own
        default graph)."""
        mode = self.config.default_graph
        return None if mode in ("write", "union") else mode

    def rows(self, sparql: str, *, union: bool = False) -> list[list[Any]]:
        """The rows of one of spacekg's own SELECT queries, unbounded but for the
        store timeout. `union` sends the union dataset. Raises StoreError, also
        when the store cut the answer short."""
        default = [self.union_graph] if union and self.union_graph else []
        try:
            response = self.connection.query(
                sparql, accept=_RESULT_ACCEPT, default_graph_uris=default,
                timeout=self.config.timeout,
            )  # fmt: skip
        except QueryError as exc:  # our own query refused: the store speaks another SPARQL
            raise StoreError(str(exc)) from None
        if response.headers.get(_CUT_HEADER) is not None:
            response.close()
            raise _cut_error(f"the answer to {sparql[:60]}...")
        raw = _parse_answer(response, self._unbounded(response))
        try:
            if not isinstance(raw, ox.QuerySolutions):
                raise StoreError(f"the store did not answer {sparql[:60]}... with a table")
            width = len(raw.variables)
            return [[solution[index] for index in range(width)] for solution in raw]
        except SyntaxError as exc:
            raise _malformed(exc) from None

    def version(self) -> str | None:
        """The published version, or None when nothing is published. One small query."""
        rows = self.rows(_VERSION_QUERY)
        return _text(rows[0][0]) if rows else None

    def record(self) -> dict[str, Any] | None:
        """The build record of the published version, or None when there is none."""
        rows = self.rows(_RECORD_QUERY)
        if not rows:
            return None
        try:
            record: dict[str, Any] = json.loads(_text(rows[0][1]))
        except ValueError as exc:
            raise StoreError(
                f"the build record in {self.config.where} is unreadable: {exc}"
            ) from None
        record["version"] = _text(rows[0][0])
        return record

    def count_graphs(self, graphs: Sequence[str]) -> dict[str, int]:
        """The number of triples in each of `graphs` (0 for a graph that does not exist)."""
        counts = dict.fromkeys(graphs, 0)
        for values in _graph_values(graphs):
            sparql = (
                f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }} "
                "GROUP BY ?g"
            )
            for graph, count in self.rows(sparql):
                counts[str(graph.value)] = int(count.value)
        return counts

    def digests(self, graphs: Sequence[str]) -> dict[str, str]:
        """The digest recorded for each of `graphs` that has one (see DIGEST)."""
        digests: dict[str, str] = {}
        for values in _graph_values(graphs):
            sparql = (
                f"SELECT ?g ?d WHERE {{ {values} GRAPH <{BUILD_GRAPH}> {{ ?g <{DIGEST}> ?d }} }}"
            )
            digests.update((str(graph.value), _text(digest)) for graph, digest in self.rows(sparql))
        return digests

    def count_union(self) -> int:
        """The number of triples in the union (queries' default graph)."""
        [[count]] = self.rows(_COUNT_UNION, union=True)
        return int(count.value)

    def counts(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The counts of a build record (`graphs`, `quads`, `triples`), counted in the
        store when the record does not hold them."""
        if isinstance(record.get("quads"), int) and isinstance(record.get("triples"), int):
            graphs = {str(graph): int(count) for graph, count in record["graphs"].items()}
            return {"graphs": graphs, "quads": record["quads"], "triples": record["triples"]}
        counted = self.count_graphs(sorted(record.get("graphs", {})))
        graphs = {graph: count for graph, count in sorted(counted.items()) if count}
        return {"graphs": graphs, "quads": sum(graphs.values()), "triples": self.count_union()}

    def matching(
        self, triples: Sequence[ox.Triple], graph: str | None, *, union: bool = False
    ) -> list[tuple[int, Any]]:
        """Which of `triples` (no blank nodes) the store holds: in named graph `graph`,
        in any named graph (`graph` "?g"), or in the union (`graph` None, with
        `union`). One (index in `triples`, graph or None) per match.

        One ground pattern per triple, in a UNION: Virtuoso does not match some
        literals (long language-tagged strings) bound by a VALUES row."""
        found: list[tuple[int, Any]] = []
        for start in range(0, len(triples), _MATCH_BATCH):
            branches = " UNION ".join(
                f"{{ BIND({start + index} AS ?i) "
                + (
                    f"GRAPH {graph} {{ {terms_text(triple)} }} }}"
                    if graph
                    else f"{terms_text(triple)} }}"
                )
                for index, triple in enumerate(triples[start : start + _MATCH_BATCH])
            )
            found += [
                (int(index.value), name)
                for index, name in self.rows(f"SELECT ?i ?g WHERE {{ {branches} }}", union=union)
            ]
        return found

    def graph_triples(self, graph: str) -> Iterator[ox.Triple]:
        """Every triple of named graph `graph`, streamed (Graph Store GET, or CONSTRUCT
        when the store has no Graph Store endpoint)."""
        sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        return self._read_graph(graph, sparql, union=False)

    def union_triples(self) -> Iterator[ox.Triple]:
        """Every triple of the union, where spacekg keeps it (the union graph, or the
        store's default graph), streamed like `graph_triples`."""
        return self._read_graph(self.union_graph, _CONSTRUCT_ALL, union=True)

    def _read_graph(self, graph: str | None, sparql: str, *, union: bool) -> Iterator[ox.Triple]:
        if self.config.graph_store_url:
            try:
                response = self.connection.get_graph(graph)
            except RemoteError as error:
                if error.status == 404:  # an empty graph does not exist
                    return iter(())
                raise
        else:
            response = self._construct(sparql, union=union)
        return _triples(response, self._unbounded(response))

    def construct(self, sparql: str) -> Iterator[ox.Triple]:
        """The triples one of spacekg's own CONSTRUCT queries makes over the union."""
        response = self._construct(sparql, union=True)
        return _triples(response, self._unbounded(response))

    def _construct(self, sparql: str, *, union: bool) -> HTTPResponse:
        default = [self.union_graph] if union and self.union_graph else []
        return self.connection.query(
            sparql, accept=_GRAPH_ACCEPT, default_graph_uris=default, timeout=self.config.timeout
        )

    def _unbounded(self, response: HTTPResponse) -> io.BufferedReader[Any]:
        """A reader for spacekg's own reads: no deadline but the socket timeout per read."""
        timeout = self.config.timeout
        raw = BoundedReader(
            response,
            math.inf,
            None,
            lambda: StoreError(f"the store sent nothing for {timeout:g} s"),
            lambda: StoreError("unreachable"),
        )
        return io.BufferedReader(raw, _BUFFER)


def query_kind(sparql: str) -> QueryKind:
    """What `sparql` returns, read off its query form. Raises QueryError for an
    update (refused) or a text without a query form."""
    form = query_form(sparql)
    if form is None:
        raise QueryError("SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    if form not in QUERY_FORMS:
        raise update_refused()
    return _KINDS[form]


_Raw = ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]


def _parse_answer(response: HTTPResponse, reader: io.BufferedReader[Any]) -> _Raw:
    """The answer parsed by its media type: solutions, a boolean, or triples (lazily)."""
    media = response.headers.get_content_type()
    fmt = find_format(media, _ANSWER_FORMATS)
    if fmt is None:
        response.close()
        raise StoreError(f"the store answered in {media}, which spacekg cannot read")
    if isinstance(fmt.engine, ox.RdfFormat):
        return _triples_of(reader, fmt.engine)
    if fmt.engine == ox.QueryResultsFormat.JSON:
        reader = io.BufferedReader(_BlankNodeLabels(reader), _BUFFER)
    try:
        return ox.parse_query_results(reader, format=fmt.engine)
    except SyntaxError as exc:
        raise _malformed(exc) from None


#: A blank node in SPARQL JSON results, as stores write it (the type first).
_JSON_BLANK_NODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")([^"\\]*)(")')
#: Bytes held back between reads, so a blank node split across two reads is seen whole.
_CARRY = 1024


class _BlankNodeLabels(io.RawIOBase):
    """SPARQL JSON results with every blank node label one pyoxigraph accepts.

    Labels are the store's business, but pyoxigraph reads only N-Triples-style
    ones: Virtuoso writes `nodeID://b10000`. An unusable label is rewritten, the
    same way each time (so one node keeps one label), streaming.
    """

    def __init__(self, source: io.BufferedReader[Any]) -> None:
        super().__init__()
        self._source = source
        self._pending = b""
        self._ready = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._ready and not (self._ended and not self._pending):
            chunk = self._source.read(_BUFFER)
            self._ended = not chunk
            self._pending += chunk
            cut = len(self._pending) if self._ended else max(0, len(self._pending) - _CARRY)
            for found in _JSON_BLANK_NODE.finditer(self._pending):
                if found.start() < cut < found.end():
                    cut = found.end()
            head, self._pending = self._pending[:cut], self._pending[cut:]
            self._ready = _JSON_BLANK_NODE.sub(_usable_label, head)
        count = min(len(buffer), len(self._ready))
        buffer[:count] = self._ready[:count]
        self._ready = self._ready[count:]
        return count

    def close(self) -> None:
        self._source.close()
        super().close()


def _usable_label(found: re.Match[bytes]) -> bytes:
    label = found[2].decode("utf-8", "replace")
    try:
        ox.BlankNode(label)
    except ValueError:
        label = "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in label)
    return found[1] + label.encode() + found[3]


def _triples(response: HTTPResponse, reader: io.BufferedReader[Any]) -> Iterator[ox.Triple]:
    media = response.headers.get_content_type()
    fmt = find_format(media, GRAPH_FORMATS)
    if fmt is None or not isinstance(fmt.engine, ox.RdfFormat):
        response.close()
        raise StoreError(f"the store sent a graph as {media}, which spacekg cannot read")
    return _triples_of(reader, fmt.engine)


def _triples_of(reader: io.BufferedReader[Any], fmt: ox.RdfFormat) -> Iterator[ox.Triple]:
    try:
        for quad in ox.parse(reader, format=fmt):
            yield quad.triple
    except SyntaxError as exc:
        raise _malformed(exc) from None
    finally:
        reader.close()


def _graph_values(graphs: Sequence[str]) -> Iterator[str]:
    """`VALUES ?g { … }` clauses naming `graphs`, a query's worth at a time."""
    for start in range(0, len(graphs), _VALUES_BATCH):
        yield (
            "VALUES ?g { "
            + " ".join(f"<{g}>" for g in graphs[start : start + _VALUES_BATCH])
            + " }"
        )


def _text(term: Any) -> str:
    if not isinstance(term, ox.Literal):
        raise StoreError(f"the build record holds {term!r} where a literal belongs")
    return term.value


def _too_late(timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(
        f"the query did not finish within the time limit of {timeout:g} s and was "
        "stopped; narrow it (a LIMIT, more specific patterns) and try again"
    )


def _too_big(limit: int) -> QueryMemoryError:
    return QueryMemoryError(
        f"the store's answer was larger than the limit of {limit // 2**20} MB and was "
        "stopped; narrow it (a LIMIT, fewer variables) and try again"
    )


def _cut_error(what: str) -> StoreError:
    return StoreError(
        f"the store cut {what} short (a row limit of the store, such as Virtuoso's "
        "ResultSetMaxRows): raise that limit above the size of the graph"
    )


class RemoteStore:
    """One published version of a remote store (see base.Store). The data is the
    store's live data: a version published later shows through (see the module
    docstring); dumps refuse to mix two versions."""

    #: The store holds spacekg's build record, staged graphs while a build loads, and
    #: (Virtuoso) the union graph and its own graphs, which GRAPH patterns may match.
    foreign_graphs = True

    def __init__(self, reader: Reader, record: dict[str, Any]) -> None:
        self._reader = reader
        self._record = record
        self._version = str(record["version"])
        self._lock = threading.Lock()
        self._counts: dict[str, Any] | None = None

    @property
    def version(self) -> str:
        return self._version

    @property
    def metadata(self) -> dict[str, Any]:
        return {**self._record, **self._counted()}

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        allowed_services: Collection[str] = (),
    ) -> RemoteResult:
        return self._reader.query(
            sparql,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            allowed_services=allowed_services,
            published_graphs=self.named_graphs,
        )

    def named_graphs(self) -> list[str]:
        return sorted(self._counted()["graphs"])

    def count(self) -> int:
        return int(self._counted()["quads"])

    def dump(self, fmt: Format | str) -> Iterator[bytes]:
        chosen = _resolve(fmt, DUMP_FORMATS, "a dump")
        if chosen.keeps_graphs:
            return _serialize_chunks(self._named_quads(self.named_graphs()), chosen)
        union = self._checked(
            self._reader.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s != <{BUILD_GRAPH}>) }}"
            ),
            int(self._counted()["triples"]),
            "the union of the graphs",
        )
        return _serialize_chunks(union, chosen)

    def dump_without(self, fmt: Format | str, graphs: Collection[str]) -> Iterator[bytes]:
        chosen = _resolve(fmt, DUMP_FORMATS, "a dump")
        left_out = set(graphs)
        if chosen.keeps_graphs:
            kept = [graph for graph in self.named_graphs() if graph not in left_out]
            return _serialize_chunks(self._named_quads(kept), chosen)
        # A triple of the union stays when a graph other than those left out holds it.
        others = [*sorted(left_out), BUILD_GRAPH]
        if self._reader.union_graph is not None:
            others.append(self._reader.union_graph)
        excluded = ", ".join(f"<{iri}>" for iri in others)
        where = (
            f"WHERE {{ ?s ?p ?o FILTER(?s != <{BUILD_GRAPH}>) FILTER EXISTS {{ GRAPH ?g "
            f"{{ ?s ?p ?o }} FILTER(?g NOT IN ({excluded}) && !STRSTARTS(STR(?g), "
            f'"{STAGING}")) }} }}'
        )
        [[expected]] = self._reader.rows(f"SELECT (COUNT(*) AS ?n) {where}", union=True)
        triples = self._reader.construct(f"CONSTRUCT {{ ?s ?p ?o }} {where}")
        return _serialize_chunks(
            self._checked(triples, int(expected.value), "the union without some graphs"), chosen
        )

    def _named_quads(self, graphs: list[str]) -> Iterator[ox.Quad]:
        sizes: dict[str, int] = self._counted()["graphs"]
        last_check = time.monotonic()
        for graph in graphs:
            name = ox.NamedNode(graph)
            triples = self._checked(self._reader.graph_triples(graph), sizes.get(graph, 0), graph)
            for triple in triples:
                yield ox.Quad(triple.subject, triple.predicate, triple.object, name)
            if time.monotonic() - last_check > VERSION_TTL:
                self._still_current()
                last_check = time.monotonic()
        self._still_current()

    def _checked(
        self, triples: Iterator[ox.Triple], expected: int, what: str
    ) -> Iterator[ox.Triple]:
        """`triples`, then StoreError if there were fewer than `expected`: a store that
        caps its answers (Virtuoso) must not make a dump silently short."""
        seen = 0
        for triple in triples:
            seen += 1
            yield triple
        if seen < expected:
            raise _cut_error(f"{what} ({seen:,} of {expected:,} triples)")

    def _still_current(self) -> None:
        if self._reader.version() != self._version:
            raise StoreError(
                f"version {self._version} was replaced while it was being read; read again"
            )

    def _counted(self) -> dict[str, Any]:
        """Quads per graph, all quads, and union triples: the record's, or counted once."""
        with self._lock:
            if self._counts is None:
                self._counts = self._reader.counts(self._record)
            return dict(self._counts)


def open_remote(config: RemoteConfig, reader: Reader | None = None) -> RemoteStore:
    """The version published in the store now. Raises StoreError when there is none."""
    reader = reader or Reader(config)
    record = reader.record()
    if record is None:
        raise no_build_error(config)
    return RemoteStore(reader, record)


def no_build_error(config: RemoteConfig) -> StoreError:
    return StoreError(
        f"no knowledge graph has been published to the store at {config.where} yet "
        "(run `spacekg build` first)"
    )


class RemoteHandle:
    """Hands out the version published in a remote store now (like StoreHandle for
    the embedded store), checking the version at most once per VERSION_TTL."""

    def __init__(self, config: RemoteConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._reader = Reader(config)
        self._clock = clock
        self._store: RemoteStore | None = None
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def get(self) -> RemoteStore:
        """The store at its published version. Raises StoreError when nothing is
        published or the store cannot be reached."""
        with self._lock:
            store = self._store
            if store is not None and self._clock() - self._checked_at < VERSION_TTL:
                return store
            version = self._reader.version()
            if version is None:
                raise no_build_error(self.config)
            if store is None or store.version != version:
                store = self._store = open_remote(self.config, self._reader)
            self._checked_at = self._clock()
            return store
