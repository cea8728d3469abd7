"""Publish a new version of the knowledge graph, atomically.

publish() writes every quad into a fresh Oxigraph database in its own build
directory, records what it wrote, and only then points `current` at it. If
anything fails on the way, the half-written build is deleted and the graph
that was published before stays published.

The store's default graph is written too: it holds the union of all named
graphs. Oxigraph's `use_default_graph_as_union` mode would save that space,
but it returns a triple once per graph that holds it (so COUNTs over the union
come out inflated) and it overrides a query's own FROM clauses; a real union
graph is what the SPARQL spec means by "the RDF merge", and costs about as
much again as the named graphs at publish time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from spacekg.errors import StoreError
from spacekg.store import builds

RESERVED_METADATA = frozenset({"version", "built_at", "quads", "triples", "graphs"})

_COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_COUNT_UNION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

Quad = tuple[Node, Node, Node, URIRef]


def publish(root: Path, quads: Iterable[Quad], *, metadata: Mapping[str, str]) -> str:
    """Write `quads` as a new build under `root`, make it current, return its version.

    Every quad must name its graph (a URIRef): the default graph is reserved
    for the union. `metadata` is recorded in the build's meta.json next to the
    version, the time and the counts; its keys must not be RESERVED_METADATA.
    Keeps the new build and the one it replaces, deletes older ones.
    Raises StoreError when the store cannot be written or a quad cannot be
    stored; any exception (including one from `quads` itself) leaves the
    previously published build current and readable.
    """
    clash = RESERVED_METADATA & set(metadata)
    if clash:
        raise ValueError(f"metadata keys reserved by the store: {', '.join(sorted(clash))}")
    with builds.publish_lock(root):
        previous = builds.current_version(root)
        version = builds.new_version()
        directory = builds.build_dir(root, version)
        directory.mkdir(parents=True)
        try:
            graphs, triples = _write_database(directory / builds.DATABASE, quads)
            record = {
                **metadata,
                "version": version,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "quads": sum(graphs.values()),
                "triples": triples,
                "graphs": graphs,
            }
            _write_json(directory / builds.META, record)
            builds.switch_current(root, version)
        except BaseException:
            # Checked, not assumed: if only the fsync after the swap failed,
            # the new build is already what readers see and must stay.
            if builds.current_version(root) != version:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        builds.prune(root, keep={version} | ({previous} if previous else set()))
    return version


def _write_database(path: Path, quads: Iterable[Quad]) -> tuple[dict[str, int], int]:
    """Load the quads (and their union) into a new database; return the quad count
    per graph IRI and the number of distinct triples in the union."""
    try:
        database = ox.Store(path)
    except OSError as exc:
        raise StoreError(f"cannot create the store at {path}: {exc}") from exc
    try:
        # bulk_extend on terms converted directly from rdflib. Measured on
        # 50,000 quads (median of 5): 0.73 s, against 0.72 s for writing the
        # same quads as N-Quads text and bulk_load-ing it (0.40 s and 0.38 s
        # without the union copy); the transactional extend() took 1.1-1.8 s.
        # The bulk paths are within noise of each other; this one streams (no
        # serialization held whole in memory) and needs no private rdflib
        # serializer. publish() as a whole took 0.76 s. No transaction is
        # needed: nobody reads this directory until `current` points at it.
        database.bulk_extend(_with_union(quads))
        database.flush()
        graphs = {
            row["g"].value: int(row["n"].value) for row in _solutions(database, _COUNT_PER_GRAPH)
        }
        triples = sum(int(row["n"].value) for row in _solutions(database, _COUNT_UNION))
    except OSError as exc:
        raise StoreError(f"cannot write the store at {path}: {exc}") from exc
    finally:
        # pyoxigraph has no close(): dropping the last reference closes
        # RocksDB, which must let go of its files before the build is opened
        # read-only or deleted.
        del database
    return dict(sorted(graphs.items())), triples


def _solutions(database: ox.Store, sparql: str) -> list[ox.QuerySolution]:
    result = database.query(sparql)
    assert isinstance(result, ox.QuerySolutions)  # a SELECT
    return list(result)


def _with_union(quads: Iterable[Quad]) -> Iterator[ox.Quad]:
    graphs: dict[str, ox.NamedNode] = {}  # few graphs, many quads: convert each once
    default = ox.DefaultGraph()
    for quad in quads:
        subject, predicate, object_, graph = quad
        if not isinstance(graph, URIRef):
            raise StoreError(f"cannot store {quad!r}: every quad needs a named graph (an IRI)")
        try:
            name = graphs.get(graph)
            if name is None:
                name = graphs[graph] = ox.NamedNode(graph)
            s, p, o = _term(subject), _term(predicate), _term(object_)
            if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
                raise TypeError("subjects must be IRIs or blank nodes, predicates IRIs")
        except (TypeError, ValueError) as exc:  # ValueError: an IRI or tag pyoxigraph rejects
            raise StoreError(f"cannot store {quad!r}: {exc}") from None
        yield ox.Quad(s, p, o, name)
        yield ox.Quad(s, p, o, default)


def _term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(node)
    if isinstance(node, BNode):
        return ox.BlankNode(node)
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(node.datatype))
        return ox.Literal(str(node))
    raise TypeError(f"{type(node).__name__} is not an IRI, a blank node or a literal")


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
