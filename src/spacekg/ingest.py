"""Add or replace articles in the published graph without rebuilding it.

`Ingester.ingest(name, data)` runs one article through the same flow as a
build (read, extract, reason, validate, publish), but reasons only about what
the article changes (`spacekg.incremental`) and publishes one atomic
`Change`: the article's graph replaced, the inferred graph edited. Readers see
the graph before or after, never half an article; any failure leaves the
published graph (and data/articles) as they were and names the cause.

The article text is kept in `data/articles/` next to the others, so a later
full build reproduces what was ingested (tests check that the two publish
the same dataset). `spacekg ingest FILE...` and `POST /articles` both come
here.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from spacekg import validation
from spacekg.articles import Article, article_slug, parse_article
from spacekg.build import _extract_one, build, inputs_fingerprint, load_graph, load_reference
from spacekg.config import Settings
from spacekg.errors import ArticleError, IngestError, SpacekgError, StoreError
from spacekg.extract import Gazetteer
from spacekg.incremental import BATCH, NeedsFullBuild, nodes_of, reason_change
from spacekg.store import Change, EmbeddedTarget, Store, Target, open_target
from spacekg.store.sparql_text import published_graphs_only
from spacekg.vocab import Iris

__all__ = ["IngestError", "Ingested", "Ingester"]

Triple = tuple[Node, Node, Node]

#: Rows any one query of the published graph may return (far above what one
#: article's neighbourhood needs; a bound, not a working limit).
_MAX_ROWS: Final = 5_000_000


@dataclass(frozen=True)
class Ingested:
    """What one ingest did."""

    source: str
    slug: str
    #: "added", "replaced", "unchanged" (same triples as published: nothing
    #: done), or "rebuilt" (a full build was needed; `note` says why).
    status: str
    version: str
    triples: int
    inferred_added: int
    inferred_removed: int
    seconds: float
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


class Ingester:
    """Ingests articles into the store `settings.store` names, one at a time.

    Reads the ontology, shapes and reference data once (they do not change
    between ingests; if they change on disk, ingest refuses until a build).
    Thread-safe: ingests are serialized, within the process and, on the
    embedded store, across processes.
    """

    def __init__(self, settings: Settings, target: Target | None = None) -> None:
        self.settings = settings
        self.iris: Iris = settings.iris
        self.target = target if target is not None else open_target(settings)
        self._lock = threading.Lock()
        self._inputs: tuple[Graph, Graph, Graph, Gazetteer] | None = None

    def ingest_file(self, path: Path) -> Ingested:
        """Ingest the article at `path` (its file name names it)."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArticleError(path.name, f"cannot be read ({exc.strerror})") from None
        return self.ingest(path.name, data, source_path=path)

    def ingest(self, name: str, data: bytes, *, source_path: Path | None = None) -> Ingested:
        """Ingest one article, `data` being the file's bytes and `name` its file name.

        Raises ArticleError (a bad article), InconsistencyError or
        ValidationError (the article would break the graph), IngestError or
        StoreError; the published graph is then as it was.
        """
        started = time.perf_counter()
        name = _file_name(name)
        article = parse_article(name, data, max_bytes=self.settings.max_article_bytes)
        with self._lock, self._store_lock():
            ontology, shapes, reference, gazetteer = self._load_inputs()
            store = self.target.open()
            self._check_same_inputs(store, ontology, reference)
            graph_iri = self.iris.article_graph(article.slug)
            new = set(_extract_one(article, gazetteer, self.iris))
            old = _graph_triples(store, graph_iri)
            if old == new:
                return Ingested(
                    article.source, article.slug, "unchanged", store.version, len(new), 0, 0,
                    time.perf_counter() - started,
                )  # fmt: skip
            published = StorePublished(store, self.iris, graph_iri)
            try:
                change = reason_change(ontology, published, old, new)
            except NeedsFullBuild as why:
                return self._rebuild(article, name, data, source_path, started, str(why))
            validation.validate(
                self._validation_graph(published, new, change.insert, change.delete), shapes
            )
            status = "replaced" if old else "added"
            with self._article_file(article, name, data, source_path):
                meta = store.metadata
                version = self.target.apply(
                    Change(
                        replace={graph_iri: new},
                        delete={self.iris.inferred_graph: change.delete},
                        insert={self.iris.inferred_graph: change.insert},
                    ),
                    metadata={
                        "articles": str(int(meta.get("articles", 0)) + (0 if old else 1)),
                        "asserted": str(int(meta.get("asserted", 0)) - len(old) + len(new)),
                        "inferred": str(
                            int(meta.get("inferred", 0)) + len(change.insert) - len(change.delete)
                        ),
                        "inputs": inputs_fingerprint(self.settings),
                    },
                )
            return Ingested(
                article.source,
                article.slug,
                status,
                version,
                len(new),
                len(change.insert),
                len(change.delete),
                time.perf_counter() - started,
            )

    # -- steps ---------------------------------------------------------------

    def _load_inputs(self) -> tuple[Graph, Graph, Graph, Gazetteer]:
        if self._inputs is None:
            settings = self.settings
            ontology = load_graph(settings.ontology_file)
            shapes = load_graph(settings.shapes_file)
            reference = load_reference(settings.reference_dir, self.iris)
            gazetteer = Gazetteer.from_graph(reference, ontology)
            self._inputs = (ontology, shapes, reference, gazetteer)
        return self._inputs

    def _check_same_inputs(self, store: Store, ontology: Graph, reference: Graph) -> None:
        """Incremental reasoning assumes the ontology and reference data are those
        of the published build; refuse (rather than publish a wrong closure) when
        their triple counts say otherwise."""
        graphs = store.metadata.get("graphs", {})
        for what, graph, iri in (
            ("ontology", ontology, self.iris.ontology_graph),
            ("reference data", reference, self.iris.reference_graph),
        ):
            if graphs.get(str(iri)) != len(graph):
                raise IngestError(
                    f"the {what} on disk is not what the published graph was built from "
                    f"({len(graph)} triples here, {graphs.get(str(iri), 0)} published): "
                    "run `spacekg build` to publish it, then ingest"
                )

    def _validation_graph(
        self,
        published: StorePublished,
        new: set[Triple],
        inferred: Collection[Triple],
        deleted: Collection[Triple],
    ) -> Graph:
        """The article's triples, what the change infers, and what the published
        closure says about every node the article names: each focus node the
        article can affect, with everything its shapes may read. (The rest of
        the published graph was valid and the article does not change it.)"""
        graph = Graph()
        for triple in new:
            graph.add(triple)
        for triple in inferred:
            graph.add(triple)
        for triple in published.closure_of(nodes_of(new)) - set(deleted):
            graph.add(triple)
        return graph

    def _rebuild(
        self,
        article: Article,
        name: str,
        data: bytes,
        source_path: Path | None,
        started: float,
        why: str,
    ) -> Ingested:
        with self._article_file(article, name, data, source_path):
            report = build(self.settings, target=self.target)
            if article.source not in report.articles:
                failure = next((f for f in report.failures if f.source == article.source), None)
                raise IngestError(
                    f"{article.source}: left out of the rebuild"
                    + (f" ({failure.reason})" if failure else "")
                )
        # The build published a new version, but the article file must stay: it is in it.
        return Ingested(
            article.source, article.slug, "rebuilt", report.version, 0, 0, 0,
            time.perf_counter() - started, note=why,
        )  # fmt: skip

    @contextmanager
    def _article_file(
        self, article: Article, name: str, data: bytes, source_path: Path | None
    ) -> Iterator[None]:
        """Keep the article's text in data/articles while the block publishes it;
        put back what was there when the block fails."""
        folder = self.settings.articles_dir
        destination = folder / name
        if source_path is not None and _same_file(source_path, destination):
            yield
            return
        for other in folder.glob("*.txt") if folder.is_dir() else ():
            if other.name != name and article_slug(other.stem) == article.slug:
                raise IngestError(
                    f"{name} has the same identifier as {other.name} in {folder}; "
                    f"name it {other.name} to replace that article"
                )
        folder.mkdir(parents=True, exist_ok=True)
        previous = destination.read_bytes() if destination.exists() else None
        _write_atomically(destination, data)
        try:
            yield
        except BaseException:
            if previous is None:
                destination.unlink(missing_ok=True)
            else:
                _write_atomically(destination, previous)
            raise

    @contextmanager
    def _store_lock(self) -> Iterator[None]:
        """Across processes on the embedded store: two ingests reading the same
        version would each publish a closure that misses the other's article."""
        if not isinstance(self.target, EmbeddedTarget):
            yield
            return
        root = self.target.root
        root.mkdir(parents=True, exist_ok=True)
        with (root / ".ingest.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class StorePublished:
    """`incremental.Published` over a Store: each question is a few SPARQL queries.

    The graph of the article being replaced is left out of every answer: the
    questions are about the graph as it will be without it.

    Terms go into queries as pyoxigraph writes them in N-Triples (escaped by
    the engine's own serializer), never as pasted text.
    """

    def __init__(self, store: Store, iris: Iris, replaced_graph: URIRef) -> None:
        self.store = store
        inferred = _nt(iris.inferred_graph)
        replaced = _nt(replaced_graph)
        published = published_graphs_only(store, iris.graph_base)
        self._asserted_filter = f"FILTER(?g != {inferred} && ?g != {replaced}) {published}"
        self._closure = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {replaced}) {published}"
        self._inferred = inferred

    def asserted(self, triples: Collection[Triple]) -> set[Triple]:
        return self._triples_in(triples, f"GRAPH ?g {{ ?s ?p ?o }} {self._asserted_filter}")

    def inferred(self, triples: Collection[Triple]) -> set[Triple]:
        return self._triples_in(triples, f"GRAPH {self._inferred} {{ ?s ?p ?o }}")

    def asserted_joins(self, nodes: Collection[Node], predicates: Collection[Node]) -> set[Triple]:
        pattern = f"GRAPH ?g {{ ?s ?p ?o }} {self._asserted_filter}"
        pairs = [(n, p) for n in nodes if not isinstance(n, Literal) for p in predicates]
        return self._each_batch("?s ?p", pairs, pattern) | self._each_batch("?o ?p", pairs, pattern)

    def asserted_about(self, nodes: Collection[Node]) -> set[Triple]:
        return self._select(
            "?s", nodes, f"GRAPH ?g {{ ?s ?p ?o }} {self._asserted_filter}"
        ) | self._select("?o", nodes, f"GRAPH ?g {{ ?s ?p ?o }} {self._asserted_filter}")

    def closure_about(self, nodes: Collection[Node], predicates: Collection[Node]) -> set[Triple]:
        # Subject and predicate go in as pairs: with one VALUES for each, Oxigraph
        # (0.5) joins them after scanning every quad (0.7 s at 10,000 articles,
        # against 12 ms for the pairs).
        subjects = [n for n in nodes if not isinstance(n, Literal)]
        pairs = [(s, p) for s in subjects for p in predicates]
        return self._each_batch("?s ?p", pairs, self._closure)

    def closure_of(self, subjects: Collection[Node]) -> set[Triple]:
        """Every triple of the closure about `subjects`."""
        return self._select("?s", subjects, self._closure)

    # -- queries -------------------------------------------------------------

    def _triples_in(self, triples: Collection[Triple], pattern: str) -> set[Triple]:
        rows = list(triples)
        return self._each_batch("?s ?p ?o", rows, pattern)

    def _select(self, variable: str, terms: Collection[Node], pattern: str) -> set[Triple]:
        rows = [(t,) for t in terms if not isinstance(t, Literal) or variable == "?o"]
        return self._each_batch(variable, rows, pattern)

    def _each_batch(
        self, variables: str, rows: Sequence[tuple[Node, ...]], pattern: str
    ) -> set[Triple]:
        found: set[Triple] = set()
        for start in range(0, len(rows), BATCH):
            block = _values(variables, rows[start : start + BATCH])
            found |= self._run(f"SELECT DISTINCT ?s ?p ?o WHERE {{ {block} {pattern} }}")
        return found

    def _run(self, sparql: str) -> set[Triple]:
        table = self.store.query(sparql).table(_MAX_ROWS)
        return {
            (_term(row["s"]), _term(row["p"]), _term(row["o"]))
            for row in table["results"]["bindings"]
        }


def _values(variables: str, rows: Sequence[tuple[Node, ...]]) -> str:
    """A VALUES block binding `variables` ("?s ?p") to `rows`, written so that
    Virtuoso (7.2) reads it right too. Virtuoso fails a column that mixes literals
    with IRIs ("SR066: Unsupported case in CONVERT (INTEGER -> IRI_ID)"), and
    matches no language-tagged literal in a VALUES block of more than one row.
    So rows are grouped by which of their terms are literals, a row with a
    language tag gets a block of its own, and the blocks are joined by UNION.
    One block (the common case) is written plainly: Oxigraph plans that best."""
    groups: dict[tuple[bool, ...], list[str]] = {}
    alone: list[str] = []
    for row in rows:
        text = f"({' '.join(map(_nt, row))})"
        if any(isinstance(term, Literal) and term.language for term in row):
            alone.append(text)
        else:
            groups.setdefault(tuple(isinstance(term, Literal) for term in row), []).append(text)
    blocks = [f"VALUES ({variables}) {{ {' '.join(texts)} }}" for texts in groups.values()]
    blocks += [f"VALUES ({variables}) {{ {text} }}" for text in alone]
    if len(blocks) == 1:
        return blocks[0]
    return " UNION ".join(f"{{ {block} }}" for block in blocks)


def _graph_triples(store: Store, graph: URIRef) -> set[Triple]:
    table = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {_nt(graph)} {{ ?s ?p ?o }} }}").table(
        _MAX_ROWS
    )
    return {
        (_term(row["s"]), _term(row["p"]), _term(row["o"])) for row in table["results"]["bindings"]
    }


def _nt(term: Node) -> str:
    """A term in N-Triples syntax, written by pyoxigraph (which escapes it)."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return str(ox.Literal(str(term), language=term.language))
        if term.datatype:
            return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))))
        return str(ox.Literal(str(term)))
    raise StoreError(f"cannot name {term!r} in a query")


def _term(binding: dict[str, str]) -> Node:
    """An rdflib term from a SPARQL JSON results binding."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind in ("literal", "typed-literal"):
        language = binding.get("xml:lang")
        if language:
            return Literal(value, lang=language)
        datatype = binding.get("datatype")
        return Literal(value, datatype=URIRef(datatype) if datatype else None)
    raise StoreError(f"the store returned a {kind} where incremental reasoning needs IRIs")


def _file_name(name: str) -> str:
    """The article's file name: a plain name ending in .txt (no folders, no tricks)."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
        raise ArticleError(name or "(no name)", "is not a usable file name")
    return name if name.endswith(".txt") else f"{name}.txt"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def ingest_json(results: list[Ingested], failures: list[SpacekgError]) -> str:
    """What `spacekg ingest --json` prints."""
    return json.dumps(
        {
            "ingested": [result.as_json() for result in results],
            "failures": [str(failure) for failure in failures],
        },
        indent=2,
        ensure_ascii=False,
    )
