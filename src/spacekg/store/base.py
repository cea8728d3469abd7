"""The interface every store offers to the web layer and the CLI.

The embedded Oxigraph store implements it today; a remote SPARQL 1.1 store
(reached through SPARQLWrapper) can implement it later without its callers
changing. Callers see strings and bytes, never engine objects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, Protocol

from spacekg.store.formats import Format, QueryKind


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

    def count(self) -> int:
        """The number of quads across the named graphs."""
        ...
