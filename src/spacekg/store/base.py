"""The interface every store offers to the web layer and the CLI.

Two sides: `Store` is one published version, read-only (queries, dumps);
`Target` is where builds and ingests write new versions. The embedded
Oxigraph store and remote SPARQL 1.1 stores implement both. Readers see
strings and bytes, never engine objects; writers hand over rdflib terms.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rdflib import URIRef
from rdflib.term import Node

from spacekg.store.formats import Format, QueryKind

Triple = tuple[Node, Node, Node]
#: A triple and the named graph holding it. The default graph is the store's
#: business (the union of the named graphs), never a writer's.
Quad = tuple[Node, Node, Node, URIRef]


class QueryResult(Protocol):
    """The answer to one SPARQL query, not yet serialized."""

    @property
    def kind(self) -> QueryKind:
        """SELECT, ASK or GRAPH (CONSTRUCT/DESCRIBE): decides the formats offered."""
        ...

    @property
    def truncated(self) -> bool:
        """True once serialize() or table() left solutions out to keep to its `limit`."""
        ...

    def serialize(self, fmt: Format | str, *, limit: int | None = None) -> bytes:
        """The result written in `fmt` (a Format, a short name or a media type),
        at most `limit` solutions (or triples) of it when a limit is given.

        Raises QueryError when the format does not suit the result's kind.
        A result can be serialized once: its solutions are streamed from the store.
        """
        ...

    def table(self, limit: int) -> dict[str, Any]:
        """The result as SPARQL JSON results (parsed), at most `limit` rows; a graph
        result as rows of `subject`, `predicate`, `object`. Instead of serialize()."""
        ...


class Store(Protocol):
    """One published, read-only version of the knowledge graph."""

    @property
    def version(self) -> str:
        """The published version this store shows; changes with every build."""
        ...

    @property
    def metadata(self) -> dict[str, Any]:
        """What the build recorded: version, built_at, quad counts per graph, and more."""
        ...

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        allowed_services: Collection[str] = (),
    ) -> QueryResult:
        """Run a SPARQL 1.1 query.

        Without dataset IRIs, the default graph is the union of all named graphs
        (and FROM / FROM NAMED in the query are honoured). With them, the
        dataset is exactly what the SPARQL protocol says: the listed graphs, an
        omitted list meaning an empty default graph or no named graphs.
        SERVICE is refused unless its target is one of `allowed_services`.
        Raises QueryError for syntax errors, updates and refused features.
        """
        ...

    def dump(self, fmt: Format | str) -> Iterator[bytes]:
        """The whole dataset, in chunks. Formats with named graphs (TriG, N-Quads,
        JSON-LD) keep them; the others get the union of all graphs."""
        ...

    def dump_without(self, fmt: Format | str, graphs: Collection[str]) -> Iterator[bytes]:
        """Like dump(), with the named graphs `graphs` left out: formats with named
        graphs lose those graphs' quads; the others lose the triples that no other
        graph holds (for an asserted-only dump, leave out the inferred graph)."""
        ...

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    @property
    def foreign_graphs(self) -> bool:
        """True when a GRAPH pattern of a query that names no dataset may also match
        graphs that are not published (the store's own, or the graph an external store
        keeps the union in). spacekg's own queries then keep to the published graphs
        with `sparql_text.published_graphs_only`."""
        ...

    def count(self) -> int:
        """The number of quads across the named graphs."""
        ...


@dataclass(frozen=True)
class Change:
    """One atomic edit of the published dataset: what an ingest publishes.

    Applied in this order: each graph in `replace` is emptied and then holds
    exactly the triples given (an empty collection drops the graph); then the
    triples in `delete` are removed from, and those in `insert` added to, the
    graphs they are filed under. Graphs are named by IRI. The default graph
    (the union, where the store keeps one) follows: a triple leaves it only
    when no named graph holds it any more.
    """

    replace: Mapping[str, Collection[Triple]] = field(default_factory=dict)
    delete: Mapping[str, Collection[Triple]] = field(default_factory=dict)
    insert: Mapping[str, Collection[Triple]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.replace) or any(self.delete.values()) or any(self.insert.values())


class Target(Protocol):
    """Where builds and ingests publish: the write side of one store."""

    def publish(self, quads: Iterable[Quad], *, metadata: Mapping[str, str]) -> str:
        """Replace the whole dataset with `quads`; return the new version.

        `metadata` is recorded with the version (its keys must not be the
        store's own: version, built_at, quads, triples, graphs). Readers see
        the old dataset or the new one, never a mix; on any error (including
        one raised by `quads` itself) the published dataset stays as it was.
        """
        ...

    def apply(self, change: Change, *, metadata: Mapping[str, str]) -> str:
        """Apply `change` to the published dataset; return the new version.

        `metadata` updates the recorded metadata key by key; the store
        recomputes its own keys. Atomic like publish(). Raises StoreError when
        nothing is published yet.
        """
        ...

    def open(self) -> Store:
        """The published version, read-only. Raises StoreError when there is none."""
        ...


class Handle(Protocol):
    """Follows the published version from a long-running process (the web server)."""

    def get(self) -> Store:
        """The store at the version published now. Raises StoreError when there is none."""
        ...
