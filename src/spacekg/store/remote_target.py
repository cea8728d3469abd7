"""Publishing to an external SPARQL 1.1 store (the write side, see base.Target).

**publish()** loads each named graph into a staging graph of its own (Graph
Store Protocol POSTs when the store has an endpoint for it, SPARQL `INSERT
DATA` otherwise), and the union's changes into staging graphs as well (see
below), and then switches everything in ONE SPARQL Update request: old graphs
dropped, staged graphs MOVEd into place, the union changed where it is (the
default graph or the union graph), the build record replaced. (A store that
refuses requests that large, Virtuoso past ~900 operations, gets the switch in
requests of `store_update_operations` operations, in the same order.) Readers
keep seeing the old dataset until that request commits; a failure before it
leaves the old dataset and drops the staging graphs. On a store whose default
graph is already the union (`store_default_graph = union`) staging graphs would
show through it, so there the whole dataset goes in one update request instead.

**The first publish** (no build record in the store) has no old dataset to
keep readers on: readers are told nothing is published until the record
exists. So each graph, and the union, is loaded where it belongs, and the
record, written last, publishes them; a failure drops what was loaded. That
skips the move into place, the costliest part of a publish on Virtuoso and
Oxigraph server (see the README's Performance section).

**A later publish leaves the graphs that did not change.** Once a publish is
done, the digest of each graph it published (a sum of one hash per triple) is
recorded in the build graph (`DIGEST`). The next publish loads, and moves into
place, only the graphs whose digest differs, and graphs with blank nodes. So
rebuilding after a few new articles moves a few graphs, not ten thousand.
Digests are dropped before a switch and written after it, and an ingest drops
those of the graphs it changes: a missing digest only means a graph is loaded
again. They record what spacekg published, so a graph edited in the store by
other hands is not seen as changed until a build changes its triples.

**Large graphs and the union change in place.** Moving a graph of a million
triples is what a rebuild spent most of its time on (Oxigraph runs the switch
as one transaction). So a later publish reads the published union back, and
each changed graph of `PATCH_TRIPLES` or more, compares it with what the build
streams (`_Diff`), stages only the triples to add and those to delete, and the
switch deletes and adds them in place. Reading the union back also makes it
exactly the union of the graphs again, whoever wrote to it. A union or graph
past `store_diff_triples`, or one the store fails to send or sends short (a
row limit), is loaded whole.

**Graphs being loaded are listed in the build graph** (`LOADING`), each
before its first triple is sent, and the list is removed with the record's
replacement. A publish that died without cleaning up (a killed process)
leaves its list behind, and the next publish drops the graphs on it before
it starts. One publisher at a time, as ever.

**apply()** is one SPARQL Update request too: graphs replaced, triples deleted
and inserted, the union kept (a triple leaves it when no named graph holds it
any more, checked by the store itself), the graph list and record updated.

How atomic "one request" is depends on the store: Oxigraph runs an update
request as one transaction (readers see before or after; a failed request
changes nothing). On Virtuoso readers did not see a request half done in
our tests, but a request that fails part-way keeps the operations that ran
before the failure (tested): a failed switch leaves a mix until the next
publish, which repairs it.

Terms are written by code, never pasted: IRIs, language tags and blank node
labels are checked by pyoxigraph; strings are escaped so that a SPARQL
processor reads back the same text whether or not it decodes `\\u` escapes
before parsing (SPARQL 1.1 Query §19.2). Blank nodes: a SPARQL update cannot
name an existing blank node, so a graph's triples with blank nodes are loaded
in one operation (a blank node stays one node within its graph), and a Change
may hold them only in graphs it replaces.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any, NoReturn

import pyoxigraph as ox
from rdflib import URIRef

from spacekg.errors import StoreError
from spacekg.store import builds
from spacekg.store.base import Change, Quad, Triple
from spacekg.store.publish import RESERVED_METADATA, _term
from spacekg.store.remote import (
    BUILD_GRAPH,
    DIGEST,
    LOADING,
    RECORD,
    STAGING,
    VERSION,
    Reader,
    RemoteStore,
    no_build_error,
    open_remote,
)
from spacekg.store.remote_http import Body, Connection, RemoteConfig
from spacekg.store.sparql_text import sparql_string, triple_text

log = logging.getLogger(__name__)

#: Triples held in memory while loading before they are sent (a few MB of text).
FLUSH_TRIPLES = 50_000
#: Triples per SPARQL Update request when loading without a Graph Store endpoint
#: (the union's copy included), and per GRAPH block of any request. Virtuoso 7.2's
#: SPARQL compiler fails past about 5,000 triples in one block ("memory
#: exhausted") and past 32,767 lines in one request (a syntax error).
UPDATE_TRIPLES = 10_000
BLOCK_TRIPLES = 1_000
#: A changed published graph this large is changed in place by a rebuild (see
#: _Diff) rather than loaded and moved whole.
PATCH_TRIPLES = 10_000
#: Operations per update request when staging graphs are merged or dropped.
_BATCH = 500
_DROP_DIGESTS = f"DELETE WHERE {{ GRAPH <{BUILD_GRAPH}> {{ ?g <{DIGEST}> ?d }} }}"


class RemoteTarget:
    """An external SPARQL store as a place to publish (see base.Target)."""

    def __init__(self, config: RemoteConfig, reader: Reader | None = None) -> None:
        self.config = config
        self._reader = reader or Reader(config)
        self._connection = self._reader.connection

    def open(self) -> RemoteStore:
        return open_remote(self.config, self._reader)

    def publish(self, quads: Iterable[Quad], *, metadata: Mapping[str, str]) -> str:
        _check_metadata(metadata)
        published = self._reader.record()
        version = builds.new_version()
        record = {**metadata, "version": version, "built_at": _now()}
        if self.config.default_graph == "union":
            old = sorted(published["graphs"]) if published else []
            self._publish_in_one_request(quads, old, version, record)
            return version
        self._drop_leftovers()
        if published is None:
            self._publish_in_place(quads, version, record)
        else:
            self._publish_staged(quads, published, version, record)
        return version

    def apply(self, change: Change, *, metadata: Mapping[str, str]) -> str:
        _check_metadata(metadata)
        before = self._reader.record()
        if before is None:
            raise no_build_error(self.config)
        version = builds.new_version()
        removed = f"{STAGING}{secrets.token_hex(6)}/removed"
        writer = _ChangeWriter(change, self._union_target(), removed)
        graphs, triples = self._counts_after(writer, self._reader.counts(before))
        record = {
            **before,
            **metadata,
            "version": version,
            "built_at": _now(),
            "quads": sum(graphs.values()),
            "triples": triples,
            "graphs": graphs,
        }
        text = writer.write(version, record)
        try:
            self._connection.update(text)
        except BaseException:
            self._drop_quietly([removed])  # left behind only by a store without transactions
            raise
        return version

    # --- publish -------------------------------------------------------------------

    def _publish_staged(
        self,
        quads: Iterable[Quad],
        published: Mapping[str, Any],
        version: str,
        record: dict[str, Any],
    ) -> None:
        prefix = f"{STAGING}{secrets.token_hex(6)}/"
        union = f"{prefix}union"
        old = self._reader.counts(published)["graphs"]
        diff = self._read_union()
        loader = _Loader(
            self,
            lambda graph, index: f"{prefix}{index}",
            union=union,
            published=self._reader.digests(sorted(old)),
            sizes=old,
            diff=diff,
        )
        try:
            staged = loader.load(quads)
            target = self._union_target()
            if diff is None:
                [[counted]] = self._reader.rows(
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{union}> {{ ?s ?p ?o }} }}"
                )
                triples = int(counted.value)
                switch_union = [
                    f"CLEAR SILENT {target}",
                    f"MOVE SILENT GRAPH <{union}> TO {target}",
                ]
            else:
                removed = f"{prefix}removed"
                loader.stage(removed, diff.removed())
                triples = diff.triples + loader.blank_triples
                switch_union = _union_operations(diff, target, union, removed, loader.blank_graphs)
            kept = {graph: old[graph] for graph in loader.kept}
            patched = loader.patched
            moved = {graph: where for graph, where in staged.items() if graph not in patched}
            # Counts known without asking the store: kept graphs' and patched ones'.
            known = {**kept, **{graph: patch.triples for graph, patch in patched.items()}}
            record = self._counted(record, moved, triples, known)
            # Digests go first: should a switch split into several requests fail
            # part-way, the next publish finds none and loads every graph.
            operations = [_DROP_DIGESTS]
            operations += [
                _drop(graph) for graph in old if graph not in staged and graph not in kept
            ]
            operations += [
                f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>"
                for graph, staging in moved.items()
            ]
            for graph, patch in patched.items():
                operations += patch.operations(f"GRAPH <{graph}>")
            operations += switch_union
            operations += _record_operations(version, record)
            # One request (atomic where the store has transactions) unless the store
            # cannot take that many operations at once.
            size = self.config.max_update_operations or len(operations)
            for start in range(0, len(operations), size):
                self._connection.update(" ;\n".join(operations[start : start + size]))
        except BaseException:
            self._drop_quietly(loader.loaded_graphs())
            raise
        finally:
            loader.close()
            if diff is not None:
                diff.close()
        log.info(
            "%d graphs loaded into %s, %d left as they were (unchanged), %d changed in place%s",
            len(moved),
            self.config.where,
            len(kept),
            len(patched),
            "" if diff is None else f"; the union: {diff.summary}",
        )
        self._write_digests(loader.digests)

    def _read_union(self) -> _Diff | None:
        """The published union to compare a rebuild's with (see _Diff); None when it
        is too large to hold or the store sent less of it than it counts (a row
        limit): the union is then staged whole."""
        expected = self._reader.count_union()
        if expected > self.config.diff_triples:
            log.info("the union in %s is staged whole (%d triples)", self.config.where, expected)
            return None
        try:
            diff = _Diff.read(self._reader.union_triples(), expected)
        except StoreError as exc:
            log.warning(
                "the union in %s is staged whole: reading it failed: %s", self.config.where, exc
            )
            return None
        if diff is None:
            log.warning(
                "the union in %s is staged whole: fewer of its %d triples could be read",
                self.config.where,
                expected,
            )
        return diff

    def _publish_in_place(
        self, quads: Iterable[Quad], version: str, record: dict[str, Any]
    ) -> None:
        """The first publish: every graph loaded where it belongs (see the module docstring)."""
        target = self._union_target()
        union = self._reader.union_graph  # None: the default graph (not "union" here)
        # A graph of the same name may hold someone else's triples, which a staged
        # publish would have replaced too: such graphs are emptied as they are listed.
        loader = _Loader(self, lambda graph, index: graph, union=union, replace=True)
        try:
            self._connection.update(f"CLEAR SILENT {target} ;\n{_DROP_DIGESTS}")
            loaded = loader.load(quads)
            record = self._counted(record, loaded, self._reader.count_union())
            self._connection.update(" ;\n".join(_record_operations(version, record)))
        except BaseException:
            self._drop_quietly(loader.loaded_graphs(), also=[f"CLEAR SILENT {target}"])
            raise
        self._write_digests(loader.digests)

    def _write_digests(self, digests: Mapping[str, str]) -> None:
        """Record what each published graph holds, for the next publish to leave the
        graphs that did not change. Once the graphs are published: should this fail,
        the next publish finds no digest and loads every graph."""
        digest = ox.NamedNode(DIGEST)
        triples = [
            ox.Triple(ox.NamedNode(graph), digest, ox.Literal(text))
            for graph, text in sorted(digests.items())
        ]
        try:
            for start in range(0, len(triples), UPDATE_TRIPLES):
                block = _quad_data([(BUILD_GRAPH, triples[start : start + UPDATE_TRIPLES])])
                self._connection.update(f"INSERT DATA {{\n{block}}}")
        except StoreError as exc:
            log.warning(
                "published, but could not record which graphs %s holds (the next "
                "publish loads every graph again): %s",
                self.config.where,
                exc,
            )

    def _counted(
        self,
        record: dict[str, Any],
        loaded: Mapping[str, str],
        triples: int,
        known: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """`record` with the counts of what was loaded (graph -> where it was loaded)
        and of the graphs whose count is `known` (graph -> its count)."""
        counted = self._reader.count_graphs(list(loaded.values()))
        graphs = {graph: counted[where] for graph, where in loaded.items()}
        graphs = dict(sorted({**graphs, **(known or {})}.items()))
        return {**record, "quads": sum(graphs.values()), "triples": triples, "graphs": graphs}

    def _drop_leftovers(self) -> None:
        """Drop the graphs an interrupted publish listed as loading, and the list."""
        rows = self._reader.rows(
            f"SELECT ?g WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> <{LOADING}> ?g }} }}"
        )
        leftovers = sorted(str(graph.value) for [graph] in rows)
        if not leftovers:
            return
        log.warning(
            "dropping %d graphs an interrupted publish left in %s",
            len(leftovers),
            self.config.where,
        )
        self._drop_all(leftovers)
        self._connection.update(_unlist_loading())

    def _publish_in_one_request(
        self, quads: Iterable[Quad], old: list[str], version: str, record: dict[str, Any]
    ) -> None:
        with Body() as body:
            drops = [*(f"DROP SILENT GRAPH <{graph}>" for graph in old), _drop(BUILD_GRAPH)]
            body.write((" ;\n".join(drops) + " ;\nINSERT DATA {\n").encode("utf-8"))
            graphs: set[str] = set()
            blank: dict[str, list[ox.Triple]] = {}
            current: str | None = None
            for graph, triple in _checked_quads(quads):
                if _has_blank_node(triple):
                    graphs.add(graph)
                    blank.setdefault(graph, []).append(triple)
                    continue
                if graph != current:
                    body.write(b"}\n" if current is not None else b"")
                    body.write(f"GRAPH <{graph}> {{\n".encode())
                    current = graph
                    graphs.add(graph)
                body.write(triple_text(triple).encode("utf-8"))
            body.write(b"}\n" if current is not None else b"")
            # Counted once the data is in (below): until then, readers count it themselves.
            uncounted = {**record, "graphs": dict.fromkeys(sorted(graphs))}
            body.write(_record_data(version, uncounted).encode("utf-8"))
            body.write(b"}\n")
            if blank:
                body.write(f" ;\n{_insert_blank_nodes(blank.items())}".encode())
            self._connection.update_body(body)
        counted = self._reader.counts(uncounted)
        self._connection.update(" ;\n".join(_record_operations(version, {**record, **counted})))

    def _union_target(self) -> str:
        """Where the union lives, as SPARQL Update names it (for CLEAR, MOVE, ADD);
        empty when the store's default graph is the union already."""
        mode = self.config.default_graph
        if mode == "union":
            return ""
        return "DEFAULT" if mode == "write" else f"GRAPH <{mode}>"

    def _counts_after(
        self, change: _ChangeWriter, before: Mapping[str, Any]
    ) -> tuple[dict[str, int], int]:
        """Quads per graph and union triples once `change` is applied, worked out from
        what the store holds now and what the change does (a few queries the size of
        the change, no count of the whole store). One writer at a time, as on the
        embedded store."""
        graphs: dict[str, int] = dict(before["graphs"])
        left: set[ox.Triple] = set()  # triples that left some graph
        left_blank = 0
        for graph, content in change.replaced.items():
            for triple in self._reader.graph_triples(graph):
                if _has_blank_node(triple):
                    left_blank += 1  # a blank node of a replaced graph is gone for good
                else:
                    left.add(triple)
            graphs[graph] = len(content)
        for graph in sorted({*change.deletes, *change.inserts}):
            deleted = change.deletes.get(graph, set())
            inserted = change.inserts.get(graph, set())
            asked = sorted(deleted | inserted, key=str)
            found = self._reader.matching(asked, f"<{graph}>")
            present = {asked[index] for index, _ in found}
            held = graphs.get(graph, 0) - len(deleted & present)
            graphs[graph] = held + len(inserted) - len((inserted & present) - deleted)
            left |= deleted & present
        graphs = {graph: count for graph, count in sorted(graphs.items()) if count > 0}
        added = set().union(*change.replaced.values(), *change.inserts.values())
        added_blank = {triple for triple in added if _has_blank_node(triple)}
        added -= added_blank
        left -= added
        asked = sorted(added | left, key=str)
        in_union = {asked[index] for index, _ in self._reader.matching(asked, None, union=True)}
        leaving = sorted(left & in_union, key=str)
        kept = {
            leaving[index]
            for index, graph in self._reader.matching(leaving, "?g")
            if str(graph.value) in graphs
            and str(graph.value) not in change.replaced
            and leaving[index] not in change.deletes.get(str(graph.value), ())
        }
        entering = len(added - in_union) + len(added_blank)
        return graphs, int(before["triples"]) + entering - (len(leaving) - len(kept)) - left_blank

    def _drop_all(self, graphs: list[str]) -> None:
        for batch in _batches(graphs):
            self._connection.update(" ;\n".join(_drop(graph) for graph in batch))

    def _drop_quietly(self, graphs: list[str], also: Collection[str] = ()) -> None:
        """Drop the graphs a failed publish loaded (and run the operations `also`),
        never hiding the failure itself. What cannot be dropped stays listed as
        loading, for the next publish to drop."""
        try:
            self._drop_all(graphs)
            self._connection.update(" ;\n".join([*also, _unlist_loading()]))
        except StoreError as exc:
            log.warning(
                "could not drop the graphs a failed publish loaded into %s (the next "
                "publish drops them): %s",
                self.config.where,
                exc,
            )


class _Loader:
    """Loads a stream of quads into the graphs `where(graph, index)` names (index:
    how many graphs were placed before it), a bounded batch at a time, and every
    triple into `union` too (a graph IRI, or None: the store's default graph), so
    that it ends as the union of the graphs in the stream.

    The union gets its own batches, one request each: per-graph requests (`ADD`)
    cost Virtuoso about 5 ms each whatever their size, so for one graph per article
    that took 3× as long. Triples with blank nodes are the exception: they go in
    last, and their graphs are then added to the union whole, which keeps each
    blank node one node.

    **Unchanged graphs are left where they are.** Every graph's triples add up to
    a digest (`digests`). Given the digests recorded when the graphs were last
    published (`published`), a graph whose digest comes out the same is not loaded
    at all (`kept`): its triples only go to the union. Deciding takes the whole
    graph, so a published graph's triples are held until the stream moves on to
    another graph (a build sends one graph after another). A graph the stream
    comes back to after keeping it is copied from where it is published and then
    loaded like any other. Graphs with blank nodes are always loaded: their labels
    differ from build to build.

    Every graph is listed as loading before its first triple is sent (see the
    module docstring). With `replace`, listing a graph also empties it, when it
    holds anything (on Virtuoso a DROP costs 4 ms even when there is nothing to
    drop)."""

    def __init__(
        self,
        target: RemoteTarget,
        where: Callable[[str, int], str],
        *,
        union: str | None,
        replace: bool = False,
        published: Mapping[str, str] | None = None,
        sizes: Mapping[str, int] | None = None,
        diff: _Diff | None = None,
    ) -> None:
        self._connection = target._connection
        self._requests = _Requests(target.config, target._connection)
        self._reader = target._reader
        self._gsp = bool(target.config.graph_store_url)
        self._diff_triples = target.config.diff_triples
        self._where = where
        self._union = union
        self._replace = replace
        self._published = published or {}
        self._sizes = sizes or {}
        self._diff = diff  # the union's
        self._patches: dict[str, _Diff] = {}  # published graphs changed in place
        self.kept: set[str] = set()  # graphs left as published
        self.blank_triples = 0  # triples with blank nodes, loaded last
        self._loaded: dict[str, str] = {}  # graph -> where it is loaded
        self._unlisted: list[str] = [] if union is None else [union]  # not yet listed
        self._sums: dict[str, int] = {}  # graph -> its digest so far
        self._blank_graphs: set[str] = set()
        self._current: str | None = None
        self._held: list[ox.Triple] | None = None  # the current graph's, while undecided
        self._buffers: dict[str, list[ox.Triple]] = {}  # target graph -> triples
        self._buffered = 0
        self._union_buffer: list[ox.Triple] = []
        # Without a Graph Store endpoint a batch is one INSERT DATA request.
        self._flush_at = FLUSH_TRIPLES if self._gsp else min(FLUSH_TRIPLES, UPDATE_TRIPLES)
        self._blank: dict[str, list[ox.Triple]] = {}
        self._staged: list[str] = []  # graphs loaded by `stage`

    def load(self, quads: Iterable[Quad]) -> dict[str, str]:
        """Load every quad; return each graph loaded with the graph it was loaded
        into (graphs `kept` are not in it). Every loading request has ended when
        it returns or raises."""
        try:
            self._load(quads)
            self._requests.wait()
        finally:
            self._requests.end()
        return dict(self._loaded)

    def _load(self, quads: Iterable[Quad]) -> None:
        for graph, triple in _checked_quads(quads):
            if graph != self._current:
                self._settle()
                self._enter(graph)
            digest = _triple_hash(triple)
            total = self._sums.get(graph, 0) + int.from_bytes(digest, "big")
            self._sums[graph] = total % _MODULUS
            if _has_blank_node(triple):
                # Loaded together at the end, in one request: a blank node shared by
                # triples (or graphs) must stay one node.
                self._blank_graphs.add(graph)
                self._release()
                self._blank.setdefault(self._place(graph), []).append(triple)
                self.blank_triples += 1
                continue
            if self._diff is None or self._diff.add(digest):
                self._union_buffer.append(triple)
                if len(self._union_buffer) >= self._flush_at:
                    self._flush_union()
            if self._held is not None:
                self._held.append(triple)
            elif (patch := self._patches.get(graph)) is None or patch.add(digest):
                self._add(self._place(graph), triple)
        self._settle()
        self._flush_graphs()
        self._flush_union()
        self._list()
        # The union's batches are in before its blank-node graphs are added to it.
        self._requests.wait()
        if self._blank:
            self._connection.update(_insert_blank_nodes(self._blank.items()))
        if self._blank and self._diff is None:  # else added once in place (_union_operations)
            union = "DEFAULT" if self._union is None else f"GRAPH <{self._union}>"
            for batch in _batches(list(self._blank)):
                self._connection.update(
                    " ;\n".join(f"ADD SILENT GRAPH <{graph}> TO {union}" for graph in batch)
                )
        for graph, diff in self._patches.items():
            self._stage(f"{self._loaded[graph]}-removed", diff.removed())

    @property
    def patched(self) -> dict[str, _Patch]:
        """The published graphs changed in place, once loaded."""
        patched = {}
        for graph, diff in self._patches.items():
            added = self._loaded[graph]
            blank = len(self._blank.get(added, ()))
            patched[graph] = _Patch(diff, added, f"{added}-removed", blank)
        return patched

    def close(self) -> None:
        for diff in self._patches.values():
            diff.close()

    @property
    def digests(self) -> dict[str, str]:
        """The digest of each graph of the stream that has no blank nodes."""
        return {
            graph: _digest_text(total)
            for graph, total in sorted(self._sums.items())
            if graph not in self._blank_graphs
        }

    @property
    def blank_graphs(self) -> list[str]:
        """The graphs of the stream with blank nodes."""
        return sorted(self._blank_graphs)

    def loaded_graphs(self) -> list[str]:
        """Every named graph this loader has written to, or may have (the union too)."""
        union = [] if self._union is None else [self._union]
        return [*self._loaded.values(), *union, *self._staged]

    def stage(self, graph: str, lines: Iterable[bytes]) -> None:
        """Load N-Triples `lines` (one triple each, no blank nodes) into `graph`,
        listed as loading like the others. Its requests have ended when it returns
        or raises."""
        try:
            self._stage(graph, lines)
            self._requests.wait()
        finally:
            self._requests.end()

    def _stage(self, graph: str, lines: Iterable[bytes]) -> None:
        self._staged.append(graph)
        self._unlisted.append(graph)
        self._list()
        batch: list[bytes] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= self._flush_at:
                self._send(graph, batch)
                batch = []
        if batch:
            self._send(graph, batch)

    def _send(self, graph: str, lines: list[bytes]) -> None:
        data = b"".join(lines)
        if self._gsp:
            self._requests.post_graph(graph, data)
            return
        triples = [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        self._requests.update(f"INSERT DATA {{\n{_quad_data([(graph, triples)])}}}")

    def _enter(self, graph: str) -> None:
        """The stream moves on to `graph`."""
        self._current = graph
        if graph in self.kept:  # back to a graph already left as published
            self.kept.discard(graph)
            where = self._place(graph)
            self._list()
            self._connection.update(f"ADD SILENT GRAPH <{graph}> TO GRAPH <{where}>")
        elif graph not in self._sums and (graph in self._published or self._patchable(graph)):
            self._held = []  # a graph with no digest: changed by an ingest, or never recorded

    def _settle(self) -> None:
        """Decide about the graph the stream is leaving: kept when its digest is the
        one published, changed in place when it is large, loaded otherwise."""
        if self._held is None or self._current is None:
            return
        published = self._published.get(self._current)
        if _digest_text(self._sums[self._current]) == published:
            self.kept.add(self._current)
            self._held = None
        elif (diff := self._read_published(self._current)) is not None:
            held, self._held = self._held, None
            self._patches[self._current] = diff
            where = self._place(self._current)
            for triple in held:
                if diff.add(_triple_hash(triple)):
                    self._add(where, triple)
        else:
            self._release()

    def _patchable(self, graph: str) -> bool:
        return PATCH_TRIPLES <= self._sizes.get(graph, 0) <= self._diff_triples

    def _read_published(self, graph: str) -> _Diff | None:
        """What `graph` holds as published, to change it in place: when it is large
        enough to be worth it and can be read whole without blank nodes."""
        if not self._patchable(graph):
            return None
        try:
            diff = _Diff.read(self._reader.graph_triples(graph), self._sizes[graph])
        except StoreError as exc:
            log.warning("<%s> is loaded whole: reading it failed: %s", graph, exc)
            return None
        if diff is not None and diff.blank:
            diff.close()
            return None
        return diff

    def _release(self) -> None:
        """Load what is held of the current graph: it is not kept."""
        if self._held is None or self._current is None:
            return
        held, self._held = self._held, None
        where = self._place(self._current)
        for triple in held:
            self._add(where, triple)

    def _place(self, graph: str) -> str:
        """Where `graph` is loaded (named the first time it is asked)."""
        where = self._loaded.get(graph)
        if where is None:
            where = self._loaded[graph] = self._where(graph, len(self._loaded))
            self._unlisted.append(where)
        return where

    def _add(self, where: str, triple: ox.Triple) -> None:
        self._buffers.setdefault(where, []).append(triple)
        self._buffered += 1
        if self._buffered >= self._flush_at:
            self._flush_graphs()

    def _list(self) -> None:
        """List the graphs named since the last call as loading (and empty them)."""
        for batch in _batches(self._unlisted):
            counted = self._reader.count_graphs(batch) if self._replace else {}
            operations = [_drop(graph) for graph in batch if counted.get(graph)]
            listed = ", ".join(f"<{graph}>" for graph in batch)
            listing = f"<{BUILD_GRAPH}> <{LOADING}> {listed}"
            operations.append(f"INSERT DATA {{ GRAPH <{BUILD_GRAPH}> {{ {listing} }} }}")
            self._connection.update(" ;\n".join(operations))
        self._unlisted = []

    def _flush_graphs(self) -> None:
        self._list()
        if not self._buffers:
            return
        if self._gsp:
            for where, triples in self._buffers.items():
                self._requests.post_graph(where, _ntriples(triples))
        else:
            self._requests.update(f"INSERT DATA {{\n{_quad_data(self._buffers.items())}}}")
        self._buffers = {}
        self._buffered = 0

    def _flush_union(self) -> None:
        self._list()
        if not self._union_buffer:
            return
        if self._gsp:
            self._requests.post_graph(self._union, _ntriples(self._union_buffer))
        elif self._union is None:
            self._requests.update(
                f"INSERT DATA {{\n{''.join(map(triple_text, self._union_buffer))}}}"
            )
        else:
            block = _quad_data([(self._union, self._union_buffer)])
            self._requests.update(f"INSERT DATA {{\n{block}}}")
        self._union_buffer = []


class _Requests:
    """Loading requests with up to `config.load_requests` in flight at once, each
    sent from a thread of its own on a connection of its own (a digest handler
    counts its nonces per connection). The store loads one batch while this
    process writes the next, and loads two at once where it has the cores: with
    two in flight Virtuoso took small graphs 1.4-1.7x and 50,000-triple batches
    of one graph 2x as fast as one at a time (see the README's Performance section).

    Loading requests only add triples, so their order does not matter; what
    follows them (listing more graphs excepted) waits for `wait()`. A request that
    fails stops the loading: the next call raises its error, once every request
    in flight has ended, so that nothing lands after the caller cleans up."""

    def __init__(self, config: RemoteConfig, connection: Connection) -> None:
        self._config = config
        self._connection = connection  # for one request at a time, in the caller's thread
        self._most = config.load_requests
        self._pool: ThreadPoolExecutor | None = None
        self._connections = threading.local()
        self._state = threading.Condition()
        self._running = 0
        self._failure: BaseException | None = None

    def post_graph(self, graph: str | None, ntriples: bytes) -> None:
        self._send(lambda connection: connection.post_graph(graph, ntriples))

    def update(self, text: str) -> None:
        self._send(lambda connection: connection.update(text))

    def wait(self) -> None:
        """Wait until every request sent has ended; raise the first failure."""
        with self._state:
            self._state.wait_for(lambda: self._running == 0)
            failed = self._failure is not None
        if failed:
            self._raise_failure()

    def _raise_failure(self) -> NoReturn:
        """Raise the first failure, once no request is in flight."""
        with self._state:
            self._state.wait_for(lambda: self._running == 0)
            failure, self._failure = self._failure, None
        assert failure is not None
        raise failure

    def end(self) -> None:
        """Wait until every request sent has ended, and let the threads go (another
        request starts them again)."""
        with self._state:
            self._state.wait_for(lambda: self._running == 0)
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _send(self, request: Callable[[Connection], None]) -> None:
        if self._most <= 1:
            request(self._connection)
            return
        with self._state:
            self._state.wait_for(lambda: self._running < self._most or self._failure is not None)
            failed = self._failure is not None
            if not failed:
                self._running += 1
        if failed:
            self._raise_failure()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._most, thread_name_prefix="spacekg-load")
        self._pool.submit(self._run, request)

    def _run(self, request: Callable[[Connection], None]) -> None:
        failure = None
        try:
            connection = getattr(self._connections, "connection", None)
            if connection is None:
                connection = self._connections.connection = Connection(self._config)
            request(connection)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            failure = exc
        with self._state:
            self._running -= 1
            if failure is not None and self._failure is None:
                self._failure = failure
            self._state.notify_all()


class _Diff:
    """A published graph, or the union, against what a publish streams for it: a
    rebuild sends the triples that differ instead of the whole graph, and the switch
    deletes and adds them in place (`_patch_operations`), so nothing large is
    loaded or moved.

    Reading the published triples keeps a 128-bit hash of each in memory (about
    80 bytes a triple in a Python set, hence `store_diff_triples`) and the
    triples themselves, as N-Triples lines, in a temporary file, read once more
    only to find those to delete (`removed`, once the stream is done). An update
    cannot name a blank node: triples with blank nodes are left to the caller
    (`blank`). Comparing the store's text with the build's means a literal the
    store writes differently (another lexical form of the same value) is deleted
    and added again each time: still right, only not left alone."""

    def __init__(self) -> None:
        self._published: set[bytes] = set()  # hashes the stream has not met yet
        self._met: set[bytes] = set()  # hashes of the stream's triples
        self.blank = False  # the published triples include some with blank nodes
        self.added = 0
        self.deleted = 0
        self._lines = tempfile.TemporaryFile()  # noqa: SIM115 (see close)

    @classmethod
    def read(cls, triples: Iterable[ox.Triple], expected: int) -> _Diff | None:
        """The published `triples`; None when there are not `expected` of them (the
        store cut its answer short)."""
        diff = cls()
        read = 0
        try:
            for triple in triples:
                read += 1
                if _has_blank_node(triple):
                    diff.blank = True
                    continue
                text = str(triple).encode("utf-8")
                diff._published.add(_hash(text))
                diff._lines.write(text + b" .\n")
        except BaseException:
            diff.close()
            raise
        if read != expected:
            diff.close()
            return None
        return diff

    def add(self, digest: bytes) -> bool:
        """Meet a triple of the stream (by its `_triple_hash`); True when it was not
        published and this is the first time."""
        if digest in self._met:
            return False
        self._met.add(digest)
        if digest in self._published:
            self._published.discard(digest)
            return False
        self.added += 1
        return True

    def removed(self) -> Iterator[bytes]:
        """The published triples (without blank nodes) the stream did not hold, as
        N-Triples lines."""
        if not self._published:
            return
        self._lines.seek(0)
        for line in self._lines:
            if _hash(line[:-3]) in self._published:
                self.deleted += 1
                yield line

    @property
    def triples(self) -> int:
        """How many triples without blank nodes there are once switched."""
        return len(self._met)

    @property
    def summary(self) -> str:
        kept = len(self._met) - self.added
        return f"{kept} triples left, {self.added} added, {self.deleted} deleted"

    def close(self) -> None:
        self._lines.close()


@dataclass(frozen=True)
class _Patch:
    """A published graph changed in place: its new triples loaded into `added`, the
    triples it no longer holds into `removed` (see _Diff)."""

    diff: _Diff
    added: str
    removed: str
    blank: int  # triples with blank nodes loaded into `added` besides

    @property
    def triples(self) -> int:
        return self.diff.triples + self.blank

    def operations(self, target: str) -> list[str]:
        return _patch_operations(self.diff, target, self.added, self.removed)


def _patch_operations(diff: _Diff, target: str, added: str, removed: str) -> list[str]:
    """Switch operations changing `target` (as RemoteTarget._union_target names a
    graph) by the triples staged in `removed` and `added`, which are then dropped."""
    pattern = "?s ?p ?o" if target == "DEFAULT" else f"{target} {{ ?s ?p ?o }}"
    operations = []
    if diff.deleted:
        operations.append(f"DELETE {{ {pattern} }} WHERE {{ GRAPH <{removed}> {{ ?s ?p ?o }} }}")
    operations += [f"ADD SILENT GRAPH <{added}> TO {target}", _drop(added), _drop(removed)]
    return operations


def _union_operations(
    diff: _Diff, target: str, added: str, removed: str, blank_graphs: Collection[str]
) -> list[str]:
    """The switch's operations on the union, once the graphs are in place: its
    triples with blank nodes deleted (an update cannot name them), the difference
    applied, and the graphs with blank nodes added whole."""
    pattern = "?s ?p ?o" if target == "DEFAULT" else f"{target} {{ ?s ?p ?o }}"
    operations = []
    if diff.blank:
        operations.append(
            f"DELETE {{ {pattern} }} WHERE {{ {pattern} FILTER(isBlank(?s) || isBlank(?o)) }}"
        )
    operations += _patch_operations(diff, target, added, removed)
    operations += [f"ADD SILENT GRAPH <{graph}> TO {target}" for graph in blank_graphs]
    return operations


class _ChangeWriter:
    """The one SPARQL Update request applying a Change (see the module docstring)."""

    def __init__(self, change: Change, union: str, removed: str) -> None:
        self.union = union  # "" when the store keeps the union itself
        self.removed = removed  # a scratch graph: triples that may leave the union
        deletes = _by_graph(change.delete)
        inserts = _by_graph(change.insert)
        # A replaced graph's final content is known here: the change's order
        # (replace, delete, insert) is applied now, so it goes in as one block.
        self.replaced = {
            graph: (triples - deletes.pop(graph, set())) | inserts.pop(graph, set())
            for graph, triples in _by_graph(change.replace).items()
        }
        self.deletes = {graph: triples for graph, triples in deletes.items() if triples}
        self.inserts = {graph: triples for graph, triples in inserts.items() if triples}
        for graph, triples in (*self.deletes.items(), *self.inserts.items()):
            if any(_has_blank_node(triple) for triple in triples):
                raise StoreError(
                    f"cannot delete or insert triples with blank nodes in <{graph}> of a "
                    "SPARQL store (an update cannot name an existing blank node); "
                    "replace the whole graph instead"
                )

    def write(self, version: str, record: dict[str, Any]) -> str:
        operations = self._remember_removed() if self.union else []
        operations += [_drop(graph) for graph in self.replaced]
        filled = {graph: triples for graph, triples in self.replaced.items() if triples}
        if filled:
            blank = any(_has_blank_node(t) for triples in filled.values() for t in triples)
            block = _quad_data(filled.items())
            operations.append(
                _insert_blank_nodes(filled.items()) if blank else f"INSERT DATA {{\n{block}}}"
            )
        if self.deletes:
            operations.append(f"DELETE DATA {{\n{_quad_data(self.deletes.items())}}}")
        if self.inserts:
            operations.append(f"INSERT DATA {{\n{_quad_data(self.inserts.items())}}}")
        if self.union:
            operations += self._update_union(filled)
        # The digests of the graphs changed no longer tell what they hold.
        changed = " ".join(f"<{graph}>" for graph in {*self.replaced, *self.deletes, *self.inserts})
        if changed:
            digest = f"GRAPH <{BUILD_GRAPH}> {{ ?g <{DIGEST}> ?d }}"
            operations.append(
                f"DELETE {{ {digest} }} WHERE {{ VALUES ?g {{ {changed} }} {digest} }}"
            )
        operations += _record_operations(version, record)
        return " ;\n".join(operations)

    def _remember_removed(self) -> list[str]:
        # `removed` has a fresh name: nothing to drop first (and Virtuoso ignores a
        # second DROP of a graph within one request).
        operations: list[str] = []
        operations += [
            f"ADD SILENT GRAPH <{graph}> TO GRAPH <{self.removed}>" for graph in self.replaced
        ]
        deleted = set().union(*self.deletes.values()) if self.deletes else set()
        if deleted:
            block = _quad_data([(self.removed, deleted)])
            operations.append(f"INSERT DATA {{\n{block}}}")
        return operations

    def _update_union(self, filled: Mapping[str, set[ox.Triple]]) -> list[str]:
        template = "?s ?p ?o" if self.union == "DEFAULT" else f"{self.union} {{ ?s ?p ?o }}"
        excluded = [self.removed, BUILD_GRAPH]
        if self.union != "DEFAULT":
            excluded.append(self.union.removeprefix("GRAPH <").removesuffix(">"))
        not_in = ", ".join(f"<{graph}>" for graph in excluded)
        operations = [
            f"DELETE {{ {template} }} WHERE {{ GRAPH <{self.removed}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({not_in})) }} }}"
        ]
        operations += [f"ADD SILENT GRAPH <{graph}> TO {self.union}" for graph in filled]
        if self.inserts:
            added = set().union(*self.inserts.values())
            if self.union == "DEFAULT":
                operations.append(f"INSERT DATA {{\n{''.join(map(triple_text, added))}}}")
            else:
                union_graph = excluded[-1]
                operations.append(f"INSERT DATA {{\n{_quad_data([(union_graph, added)])}}}")
        operations.append(_drop(self.removed))
        return operations


# --- SPARQL text --------------------------------------------------------------------


def _quad_data(
    graphs: Iterable[tuple[str, Iterable[ox.Triple]]], block: int | None = BLOCK_TRIPLES
) -> str:
    """QuadData: GRAPH blocks of at most `block` triples (None: one block per graph)."""
    blocks = []
    for graph, triples in graphs:
        listed = list(triples)
        size = block or len(listed) or 1
        for start in range(0, len(listed), size):
            text = "".join(map(triple_text, listed[start : start + size]))
            blocks.append(f"GRAPH <{graph}> {{\n{text}}}\n")
    return "".join(blocks)


def _insert_blank_nodes(graphs: Iterable[tuple[str, Iterable[ox.Triple]]]) -> str:
    """Operations inserting triples with blank nodes: `INSERT {...} WHERE {}`, which
    means what INSERT DATA means (each label one fresh node) and which Virtuoso takes
    blank nodes in (its INSERT DATA refuses them). One operation per graph: Virtuoso
    fails a template with blank nodes in two graphs, so a blank node shared by two
    graphs becomes two nodes (spacekg's graphs share none). One block per graph: a
    label names one node across a template, but not every store may agree."""
    return " ;\n".join(
        f"INSERT {{\n{_quad_data([(graph, triples)], None)}}} WHERE {{}}"
        for graph, triples in graphs
    )


def _record_data(version: str, record: Mapping[str, Any]) -> str:
    """The build record as QuadData."""
    return (
        f"GRAPH <{BUILD_GRAPH}> {{\n<{BUILD_GRAPH}> <{VERSION}> {sparql_string(version)} ;\n"
        f"  <{RECORD}> {sparql_string(json.dumps(record, ensure_ascii=False))} .\n}}\n"
    )


def _record_operations(version: str, record: Mapping[str, Any]) -> list[str]:
    """Replace the build record."""
    return [
        f"DELETE WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> ?p ?o }} }}",
        f"INSERT DATA {{\n{_record_data(version, record)}}}",
    ]


def _unlist_loading() -> str:
    return f"DELETE WHERE {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> <{LOADING}> ?g }} }}"


def _drop(graph: str) -> str:
    return f"DROP SILENT GRAPH <{graph}>"


def _batches(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


# --- terms ----------------------------------------------------------------------------


def _checked_quads(quads: Iterable[Quad]) -> Iterator[tuple[str, ox.Triple]]:
    """Each quad as (graph IRI, Oxigraph triple). Raises StoreError for a quad the
    store cannot hold (no named graph, a literal subject, a bad IRI...)."""
    for quad in quads:
        subject, predicate, object_, graph = quad
        if not isinstance(graph, URIRef):
            raise StoreError(f"cannot store {quad!r}: every quad needs a named graph (an IRI)")
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise StoreError(f"cannot store {quad!r}: {exc}") from None
        yield str(graph), _ox_triple((subject, predicate, object_), quad)


def _ox_triple(triple: Triple, shown: object) -> ox.Triple:
    try:
        s, p, o = (_term(node) for node in triple)
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            raise TypeError("subjects must be IRIs or blank nodes, predicates IRIs")
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {shown!r}: {exc}") from None
    return ox.Triple(s, p, o)


def _by_graph(graphs: Mapping[str, Collection[Triple]]) -> dict[str, set[ox.Triple]]:
    checked: dict[str, set[ox.Triple]] = {}
    for iri, triples in graphs.items():
        try:
            ox.NamedNode(str(iri))
        except ValueError as exc:
            raise StoreError(f"not a graph IRI: {iri!r} ({exc})") from None
        checked.setdefault(str(iri), set()).update(_ox_triple(t, t) for t in triples)
    return checked


def _ntriples(triples: list[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data


#: Digests are sums of 128-bit hashes, one per triple: the same whatever the order.
_MODULUS = 1 << 128


def _triple_hash(triple: ox.Triple) -> bytes:
    return _hash(str(triple).encode("utf-8"))


def _hash(text: bytes) -> bytes:
    """The 128-bit hash of a triple's N-Triples text (without the final " .")."""
    return blake2b(text, digest_size=16).digest()


def _digest_text(total: int) -> str:
    return f"{total:032x}"


def _has_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _check_metadata(metadata: Mapping[str, str]) -> None:
    clash = RESERVED_METADATA & set(metadata)
    if clash:
        raise ValueError(f"metadata keys reserved by the store: {', '.join(sorted(clash))}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
