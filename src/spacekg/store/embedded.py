"""The embedded store: a published build, opened read-only with Oxigraph.

Nothing here writes: a build is written once by publish() and never changed,
so any number of processes may read it while the next build is written
elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import pyoxigraph as ox

from spacekg.errors import QueryError, StoreError
from spacekg.store import builds
from spacekg.store.formats import (
    DUMP_FORMATS,
    GRAPH_FORMATS,
    Format,
    QueryKind,
    find_format,
    formats_for,
)
from spacekg.store.policy import check_query, syntax_error
from spacekg.vocab import PREFIXES

#: Quads per chunk of a dump: big enough that chunk overhead (repeated Turtle
#: prefixes) is negligible, small enough that a dump never sits whole in memory.
_DUMP_CHUNK = 20_000

#: What the engine answers; a plain iterator of triples is a graph result parsed from
#: another store's answer (see remote.py), serialized here the same way.
_RawResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterator[ox.Triple]
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class OxigraphResult:
    """The answer to one query against the embedded store (see base.QueryResult)."""

    def __init__(self, raw: _RawResult) -> None:
        self._raw: _RawResult | None = raw
        self.truncated = False
        if isinstance(raw, ox.QuerySolutions):
            self._kind = QueryKind.SELECT
        elif isinstance(raw, ox.QueryBoolean):
            self._kind = QueryKind.ASK
        else:
            self._kind = QueryKind.GRAPH

    @property
    def kind(self) -> QueryKind:
        return self._kind

    def serialize(self, fmt: Format | str, *, limit: int | None = None) -> bytes:
        """The result in `fmt`; raises QueryError when `fmt` does not suit the kind.

        With `limit`, at most that many solutions (or triples) are written and
        `truncated` says whether some were left out.
        """
        chosen = _resolve(fmt, formats_for(self._kind), f"a {self._kind.upper()} result")
        raw = self._consume()
        try:
            if limit is not None and not isinstance(raw, ox.QueryBoolean):
                return self._serialize_limited(raw, chosen, limit)
            # Graph results go through ox.serialize, which (unlike
            # QueryTriples.serialize) writes our prefixes: readable Turtle.
            if not isinstance(raw, ox.QuerySolutions | ox.QueryBoolean):
                assert isinstance(chosen.engine, ox.RdfFormat)
                data = ox.serialize(raw, format=chosen.engine, prefixes=PREFIXES)
            else:
                assert isinstance(chosen.engine, ox.QueryResultsFormat)
                data = raw.serialize(format=chosen.engine)
        except OSError as exc:  # solutions stream from disk while being written
            raise StoreError(f"reading the store failed: {exc}") from exc
        assert data is not None  # no output file given: the bytes are returned
        return data

    def table(self, limit: int) -> dict[str, Any]:
        """The result as SPARQL JSON results (a dict), at most `limit` rows; a graph
        result becomes rows of `subject`, `predicate`, `object`. Sets `truncated`."""
        raw = self._consume()
        try:
            if isinstance(raw, ox.QueryBoolean):
                return {"head": {}, "boolean": bool(raw)}
            if isinstance(raw, ox.QuerySolutions):
                names = [var.value for var in raw.variables]
                rows = self._take(raw, limit)
                bindings = [_binding(names, solution) for solution in rows]
            else:
                names = ["subject", "predicate", "object"]
                bindings = [
                    _binding(names, (t.subject, t.predicate, t.object))
                    for t in self._take(raw, limit)
                ]
        except OSError as exc:
            raise StoreError(f"reading the store failed: {exc}") from exc
        return {"head": {"vars": names}, "results": {"bindings": bindings}}

    def _consume(self) -> _RawResult:
        """The raw result, which this object lets go of: pyoxigraph's results must be
        freed on the thread that made them, and the caller's frame does that when it
        returns (this object may live on in a reference cycle that the garbage
        collector frees later, on any thread)."""
        if self._raw is None:
            raise RuntimeError("a query result can be serialized only once")
        raw, self._raw = self._raw, None
        return raw

    def _take(self, items: Iterator[_Item2], limit: int) -> list[_Item2]:
        taken = list(islice(items, limit + 1))
        self.truncated = len(taken) > limit
        return taken[:limit]

    def _serialize_limited(self, raw: _RawResult, chosen: Format, limit: int) -> bytes:
        if not isinstance(raw, ox.QuerySolutions | ox.QueryBoolean):
            assert isinstance(chosen.engine, ox.RdfFormat)
            data = ox.serialize(self._take(raw, limit), format=chosen.engine, prefixes=PREFIXES)
            assert data is not None
            return data
        assert isinstance(raw, ox.QuerySolutions)
        assert isinstance(chosen.engine, ox.QueryResultsFormat)
        # pyoxigraph cannot write a slice of its solutions, but its TSV writer writes
        # a line per solution and stops the query when its output refuses more; and
        # TSV, which writes every term as Turtle does, reads back as solutions it can
        # write in any format. So the first `limit` never become Python objects (which
        # cost 5 µs a row: 3.5 ms of a 700-row answer).
        sink = _LineSink(limit + 1)  # the header line, then a line per solution
        try:
            raw.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
        except Exception:
            if not sink.full:  # the writer passes on what the sink raised, as it is
                raise
        self.truncated = sink.full
        if chosen.engine == ox.QueryResultsFormat.TSV:
            return sink.data
        solutions = ox.parse_query_results(sink.data, format=ox.QueryResultsFormat.TSV)
        assert isinstance(solutions, ox.QuerySolutions)
        data = solutions.serialize(format=chosen.engine)
        assert data is not None
        return data


class _SinkFull(Exception):
    """Raised by a _LineSink to stop the writer that fills it."""


class _LineSink:
    """A binary output for a line-based writer that keeps its first `lines` lines and
    refuses (raises _SinkFull) the first byte past them: the writer writes a line
    only once it has what goes on it, so `full` means there was more. (Oxigraph's
    writers call only `write` and `flush` of the IO[bytes] they are given.)"""

    def __init__(self, lines: int) -> None:
        self._room = lines
        self._parts: list[bytes] = []
        self.full = False

    def write(self, chunk: bytes | bytearray | memoryview) -> int:
        if self.full:  # the writer may try again (Rust's BufWriter does when dropped)
            raise _SinkFull
        written = bytes(chunk)
        if not written:
            return 0
        count = written.count(b"\n")
        if count < self._room or (count == self._room and written.endswith(b"\n")):
            self._room -= count
            self._parts.append(written)
            return len(written)
        end = -1
        for _ in range(self._room):  # keep this chunk up to the last line that fits
            end = written.index(b"\n", end + 1)
        self._parts.append(written[: end + 1])
        self.full = True
        raise _SinkFull

    def flush(self) -> None:
        pass

    @property
    def data(self) -> bytes:
        return b"".join(self._parts)


_Item2 = TypeVar("_Item2", ox.QuerySolution, ox.Triple)


def _binding(names: Sequence[str], row: Any) -> dict[str, Any]:
    """One solution (indexable by position) as a SPARQL JSON binding; unbound left out."""
    binding = {}
    for index, name in enumerate(names):
        term = row[index]
        if term is not None:
            binding[name] = term_json(term)
    return binding


def term_json(term: Any) -> dict[str, Any]:
    """An Oxigraph term as SPARQL 1.1 (1.2 for triple terms) JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        written: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            written["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            written["datatype"] = term.datatype.value
        return written
    assert isinstance(term, ox.Triple)
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


class OxigraphStore:
    """One published build, read-only (see base.Store for what each method promises)."""

    #: Its named graphs are exactly the published ones.
    foreign_graphs = False

    def __init__(self, database: ox.Store, version: str, metadata: dict[str, Any]) -> None:
        self._db = database
        self._version = version
        self._metadata = metadata

    @property
    def version(self) -> str:
        return self._version

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        allowed_services: Collection[str] = (),
    ) -> OxigraphResult:
        check_query(sparql, allowed_services)
        # The answer is never kept in a local variable: pyoxigraph's results must be
        # freed on the thread that made them, and a frame kept alive in a reference
        # cycle (rdflib's parser leaves some) would free it later, on any thread.
        try:
            if default_graph_uris or named_graph_uris:
                # The protocol's dataset replaces the query's FROM clauses; a
                # list left out means an empty default graph / no named graphs.
                return OxigraphResult(
                    self._db.query(
                        sparql,
                        default_graph=[_graph(iri) for iri in default_graph_uris],
                        named_graphs=[_graph(iri) for iri in named_graph_uris],
                    )
                )
            # The stored default graph is the union (see publish).
            return OxigraphResult(self._db.query(sparql))
        except SyntaxError as exc:
            raise syntax_error(sparql, exc) from None
        except OSError as exc:
            raise StoreError(f"reading the store failed: {exc}") from exc

    def dump(self, fmt: Format | str) -> Iterator[bytes]:
        chosen = _resolve(fmt, DUMP_FORMATS, "a dump")
        if chosen.keeps_graphs:
            return _serialize_chunks(self._named_quads(), chosen)
        return _serialize_chunks(self._union_triples(), chosen)

    def dump_without(self, fmt: Format | str, graphs: Collection[str]) -> Iterator[bytes]:
        chosen = _resolve(fmt, DUMP_FORMATS, "a dump")
        left_out = {_graph(iri) for iri in graphs}
        if chosen.keeps_graphs:
            kept = [graph for graph in self._named_graph_nodes() if graph not in left_out]
            quads = (q for g in kept for q in self._db.quads_for_pattern(None, None, None, g))
            return _serialize_chunks(quads, chosen)
        return _serialize_chunks(self._union_triples_without(left_out), chosen)

    def named_graphs(self) -> list[str]:
        return [graph.value for graph in self._named_graph_nodes()]

    def count(self) -> int:
        # Recorded at publish time; the build never changes afterwards.
        return int(self._metadata["quads"])

    def _named_quads(self) -> Iterator[ox.Quad]:
        for graph in self._named_graph_nodes():
            yield from self._db.quads_for_pattern(None, None, None, graph)

    def _union_triples(self) -> Iterator[ox.Triple]:
        for quad in self._db.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.triple

    def _union_triples_without(self, left_out: set[ox.NamedNode]) -> Iterator[ox.Triple]:
        # The union holds each triple once; a triple goes only when every graph
        # holding it is left out. Two index lookups per triple, no set of seen
        # triples: memory stays flat however big the graph.
        for quad in self._db.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            s, p, o = quad.subject, quad.predicate, quad.object
            if any(ox.Quad(s, p, o, graph) in self._db for graph in left_out) and not any(
                isinstance(held.graph_name, ox.NamedNode) and held.graph_name not in left_out
                for held in self._db.quads_for_pattern(s, p, o, None)
            ):
                continue
            yield quad.triple

    def _named_graph_nodes(self) -> list[ox.NamedNode]:
        return sorted(
            (graph for graph in self._db.named_graphs() if isinstance(graph, ox.NamedNode)),
            key=lambda graph: graph.value,
        )


def open_store(root: Path) -> OxigraphStore:
    """The build currently published under `root`, opened read-only.

    Raises StoreError when nothing has been published there yet, or the
    build cannot be opened.
    """
    version = builds.current_version(root)
    if version is None:
        raise no_build_error(root)
    return open_build(root, version)


def open_build(root: Path, version: str) -> OxigraphStore:
    """One build under `root`, by version, opened read-only. Raises StoreError."""
    directory = builds.build_dir(root, version)
    try:
        metadata = json.loads((directory / builds.META).read_text(encoding="utf-8"))
        database = ox.Store.read_only(str(directory / builds.DATABASE))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot open build {version} of the store at {root}: {exc}") from exc
    return OxigraphStore(database, version, metadata)


def no_build_error(root: Path) -> StoreError:
    return StoreError(
        f"no knowledge graph has been built at {root} yet (run `spacekg build` first)"
    )


def _resolve(fmt: Format | str, candidates: tuple[Format, ...], what: str) -> Format:
    chosen = fmt if isinstance(fmt, Format) and fmt in candidates else None
    if isinstance(fmt, str):
        chosen = find_format(fmt, candidates)
    if chosen is None:
        name = fmt.name if isinstance(fmt, Format) else fmt
        offered = ", ".join(candidate.name for candidate in candidates)
        raise QueryError(f"{what} cannot be written as {name!r}; choose one of: {offered}")
    return chosen


def _graph(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(f"not a graph IRI: {iri!r} ({exc})") from None


_Item = TypeVar("_Item", ox.Quad, ox.Triple)


def _serialize_chunks(items: Iterator[_Item], fmt: Format) -> Iterator[bytes]:
    assert isinstance(fmt.engine, ox.RdfFormat)
    if fmt.engine == ox.RdfFormat.JSON_LD:
        yield from _json_ld_chunks(items)
        return
    if not fmt.chunkable:  # RDF/XML is one document
        data = ox.serialize(items, format=fmt.engine, prefixes=PREFIXES)
        assert data is not None
        yield data
        return
    while batch := list(islice(items, _DUMP_CHUNK)):
        # Each chunk restates the prefixes: redeclaring one is valid Turtle/TriG.
        data = ox.serialize(batch, format=fmt.engine, prefixes=PREFIXES)
        assert data is not None
        yield data


def _json_ld_chunks(items: Iterator[_Item]) -> Iterator[bytes]:
    """JSON-LD in chunks: one top-level array, filled with the members of the arrays
    Oxigraph writes for each batch. A node or graph split between two batches shows
    up as two objects with the same @id, which JSON-LD merges back into one."""
    yield b"["
    separator = b""
    while batch := list(islice(items, _DUMP_CHUNK)):
        data = ox.serialize(batch, format=ox.RdfFormat.JSON_LD)
        assert data is not None
        members = data.strip()[1:-1]  # Oxigraph always writes one array, without a context
        if members:
            yield separator + members
            separator = b","
    yield b"]\n"


def write_graph(ntriples: bytes, fmt: Format | str) -> bytes:
    """An N-Triples document rewritten in `fmt` (any RDF format of the table), with
    our prefixes. For small graphs made outside the store (a service description)."""
    chosen = _resolve(fmt, GRAPH_FORMATS, "a graph")
    assert isinstance(chosen.engine, ox.RdfFormat)
    triples = [quad.triple for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
    data = ox.serialize(triples, format=chosen.engine, prefixes=PREFIXES)
    assert data is not None
    return data
