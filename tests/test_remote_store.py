"""One store interface, two kinds: the same behaviour on the embedded store, a real
Oxigraph server and Virtuoso (where installed), chosen by settings alone.

The store-level contract (base.Store, base.Target) runs on every kind; what only
a remote store has (staging graphs, answers bounded by time and size, redirects,
text that must survive SPARQL escaping) runs on the remote kinds.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.query import Result, ResultRow

from spacekg.errors import QueryError, QueryLimitError, StoreError
from spacekg.store import Change, QueryKind, open_target, remote_target, store_handle
from spacekg.store.formats import DUMP_FORMATS, GRAPH_FORMATS, RESULT_FORMATS, Format
from spacekg.store.policy import GraphUse, Remembered, graph_use
from spacekg.store.remote import BUILD_GRAPH, STAGING, Reader, RemoteHandle, RemoteStore
from spacekg.store.remote_http import Connection, RemoteConfig
from spacekg.store.remote_target import RemoteTarget
from spacekg.store.sparql_text import sparql_string
from spacekg.vocab import SKG
from tests.conftest import (
    ARTICLE_GRAPH,
    ESA,
    EXOMARS,
    INFERRED_GRAPH,
    IRIS,
    REFERENCE_GRAPH,
    ROSCOSMOS,
    Quad,
    sample_quads,
)
from tests.roundtrip import (
    RDFLIB_NAMES,
    assert_isomorphic,
    named_graph,
    parse_dataset,
    parse_graph,
    union_graph,
)
from tests.stores import (
    VIRTUOSO_UNION_GRAPH,
    StoreUnderTest,
    any_store,
    emptied,
    empty_any_store,
    remote_store,
)

__all__ = ["any_store", "empty_any_store", "remote_store"]

PREFIXES = """
PREFIX skg: <https://w3id.org/spacekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
AGENCIES = PREFIXES + "SELECT ?agency WHERE { ?agency a skg:Agency } ORDER BY ?agency"
LABELS = PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"
ALL_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
#: store_diff_triples that reads graphs back (off in Virtuoso's settings, as the README has it).
DIFF_ON = 1_000_000
GRAPHS = {str(ARTICLE_GRAPH): 6, str(INFERRED_GRAPH): 1, str(REFERENCE_GRAPH): 4}


#: How many of spacekg's graphs hold something (graphs of the store's own left out).
SPACEKG_GRAPH_COUNT = f"""SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{IRIS.base}graph/"))
}}"""


def numbered_graphs(count: int) -> list[Quad]:
    """`count` article graphs, graph aN holding one label, "N"."""
    return [
        (IRIS.resource(f"thing-{n}"), RDFS.label, Literal(f"{n}"), IRIS.article_graph(f"a{n}"))
        for n in range(count)
    ]


def values(store: StoreUnderTest, sparql: str, **dataset: list[str]) -> list[list[str]]:
    """The rows of a SELECT, each value as a string, through the JSON results."""
    data = store.open().query(sparql, **dataset).serialize("json")
    return [[str(value) for value in row] for row in solutions(data, "json")]


def solutions(data: bytes, fmt: str) -> list[ResultRow]:
    result = Result.parse(io.BytesIO(data), format=RDFLIB_NAMES[fmt])
    return [row for row in result if isinstance(row, ResultRow)]


def dataset_quads(store: StoreUnderTest) -> set[tuple[str, str, str, str]]:
    """Every quad of the published dataset (blank nodes as `_:`), read by a dump."""
    dataset = parse_dataset(b"".join(store.open().dump("nq")), "nq")
    return {
        (_show(s), _show(p), _show(o), str(g)) for s, p, o, g in dataset.quads() if g is not None
    }


def _show(term: Any) -> str:
    return "_:" if isinstance(term, BNode) else term.n3()


def assert_counts_are_right(store: StoreUnderTest) -> None:
    """The recorded counts (a remote store works them out from each change) equal what
    the store holds, counted afresh."""
    opened = store.open()
    recorded = opened.metadata
    rows = values(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counted = {graph: int(n) for graph, n in rows if graph in opened.named_graphs()}
    assert recorded["graphs"] == counted
    assert recorded["quads"] == sum(counted.values()) == opened.count()
    assert values(store, ALL_TRIPLES) == [[str(recorded["triples"])]]


def expected_quads(quads: list[Quad]) -> set[tuple[str, str, str, str]]:
    return {(_show(s), _show(p), _show(o), str(g)) for s, p, o, g in quads}


# --- publication ------------------------------------------------------------------------


def test_publish_records_version_and_counts_per_graph(any_store: StoreUnderTest) -> None:
    store = any_store.open()
    assert store.version == any_store.version()
    assert store.metadata["base"] == "https://w3id.org/spacekg/"
    assert store.metadata["version"] == store.version
    assert store.metadata["graphs"] == GRAPHS
    assert store.count() == 11
    assert store.metadata["triples"] == 10  # ESA's type is in two graphs, once in the union
    assert store.named_graphs() == sorted(GRAPHS)


def test_nothing_published_says_so(empty_any_store: StoreUnderTest) -> None:
    assert empty_any_store.version() is None
    with pytest.raises(StoreError, match=r"(built|published).* yet"):
        empty_any_store.open()
    with pytest.raises(StoreError, match="build"):
        open_target(empty_any_store.settings()).apply(Change(), metadata={})


def test_a_failing_quad_stream_leaves_the_previous_dataset(any_store: StoreUnderTest) -> None:
    before = any_store.version()

    def broken() -> Iterator[Quad]:
        yield from sample_quads()[:3]
        raise RuntimeError("the build broke midway")

    with pytest.raises(RuntimeError, match="midway"):
        any_store.publish(broken())
    assert any_store.version() == before
    assert values(any_store, AGENCIES) == [[str(ESA)], [str(ROSCOSMOS)]]
    assert any_store.open().count() == 11
    assert no_staging_graphs(any_store)


def test_a_quad_without_a_named_graph_is_refused_and_nothing_changes(
    any_store: StoreUnderTest,
) -> None:
    before = any_store.version()
    quads: list[Any] = [*sample_quads(), (ESA, ESA, ESA, None)]
    with pytest.raises(StoreError, match="named graph"):
        any_store.publish(quads)
    assert any_store.version() == before
    assert any_store.open().count() == 11
    assert no_staging_graphs(any_store)


def test_a_new_publish_replaces_every_graph(any_store: StoreUnderTest) -> None:
    version = any_store.publish(sample_quads()[:2], metadata={"note": "second"})
    store = any_store.open()
    assert store.version == version and store.metadata["note"] == "second"
    assert "base" not in store.metadata  # a record of its own, not merged with the last
    assert store.named_graphs() == [str(REFERENCE_GRAPH)]
    assert values(any_store, ALL_TRIPLES) == [["2"]]
    assert dataset_quads(any_store) == expected_quads(sample_quads()[:2])


def stored_graphs(store: StoreUnderTest) -> dict[str, int]:
    """Triples per graph of everything in a remote store, the store's own graphs left
    out: what a user of the store itself sees, not only what spacekg publishes."""
    assert store.endpoint is not None
    config = RemoteConfig.from_settings(store.settings())
    rows = Reader(config).rows(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    ignored = {*store.endpoint.system_graphs, BUILD_GRAPH}
    return {str(g.value): int(n.value) for g, n in rows if str(g.value) not in ignored}


def broken_after(quads: list[Quad]) -> Iterator[Quad]:
    yield from quads
    raise RuntimeError("the build broke midway")


@pytest.mark.parametrize("requests", [1, 3], ids=["one-request-at-a-time", "three-in-flight"])
@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql-update"])
def test_first_and_later_publishes_hold_the_graphs_and_their_union(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch, graph_store: bool, requests: int
) -> None:
    """Loaded in place (first) or staged (later), through the Graph Store Protocol or
    SPARQL Update, in several batches, one at a time or several in flight: the
    graphs, and a union with each triple once (blank nodes included: one node in its
    graph and in the union)."""
    if not graph_store:
        remote_store.overrides["store_graph_store_url"] = ""
    remote_store.overrides["store_load_requests"] = requests
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 3)
    for quads in (sample_quads(), [*sample_quads()[4:], *numbered_graphs(5)]):
        remote_store.publish(quads)
        assert dataset_quads(remote_store) == expected_quads(quads)
        assert_counts_are_right(remote_store)
        unions = {(_show(s), _show(p), _show(o)) for s, p, o, _ in quads}
        assert values(remote_store, ALL_TRIPLES) == [[str(len(unions))]]
        assert no_staging_graphs(remote_store)


def publish_line(caplog: pytest.LogCaptureFixture) -> str:
    """The log line of the last staged publish."""
    [message] = [
        record.getMessage() for record in caplog.records if "left as they were" in record.message
    ][-1:]
    return message


def kept_and_loaded(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """(graphs loaded, graphs left as they were) by the last staged publish, as its log
    line says."""
    found = re.match(r"(\d+) graphs loaded into \S+, (\d+) left as they were", publish_line(caplog))
    assert found, publish_line(caplog)
    return int(found[1]), int(found[2])


def union_changes(caplog: pytest.LogCaptureFixture) -> tuple[int, int, int] | None:
    """(triples left, added, deleted) in the union by the last staged publish, as its
    log line says; None when it staged the union whole."""
    found = re.search(
        r"the union: (\d+) triples left, (\d+) added, (\d+) deleted", publish_line(caplog)
    )
    return None if found is None else (int(found[1]), int(found[2]), int(found[3]))


def union_of(store: StoreUnderTest) -> Graph:
    """The published union (the queries' default graph), read back."""
    answer = store.open().query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").serialize("nt")
    return parse_graph(answer, "nt")


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql-update"])
def test_a_later_publish_leaves_the_graphs_that_did_not_change(
    remote_store: StoreUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    graph_store: bool,
) -> None:
    """A rebuild loads only the graphs whose triples changed (a graph with blank nodes
    counts as changed: their labels differ from build to build), drops the graphs
    gone, and still holds every graph and their union afterwards."""
    if not graph_store:
        remote_store.overrides["store_graph_store_url"] = ""
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 3)
    caplog.set_level("INFO", logger=remote_target.__name__)
    first = [*sample_quads(), *numbered_graphs(5)]
    remote_store.publish(first)
    # a0 changes, a4 goes, a5 is new; the article graph has a blank node; the rest stay.
    changed = (IRIS.resource("thing-0"), RDFS.comment, Literal("changed"), IRIS.article_graph("a0"))
    later = [*sample_quads(), changed, *numbered_graphs(6)[:4], numbered_graphs(6)[5]]
    for quads, loaded in ((later, 3), (later, 1)):  # a0, a5, the article graph; the article
        remote_store.publish(quads)
        assert kept_and_loaded(caplog) == (loaded, 8 - loaded)
        assert dataset_quads(remote_store) == expected_quads(quads)
        assert_counts_are_right(remote_store)
        unions = {(_show(s), _show(p), _show(o)) for s, p, o, _ in quads}
        assert values(remote_store, ALL_TRIPLES) == [[str(len(unions))]]
        assert no_staging_graphs(remote_store)


def test_a_graph_the_stream_comes_back_to_is_loaded_whole(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builds send one graph after another, but nothing else has to: a graph left as it
    was and then continued later in the stream ends up holding all its triples."""
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 2)
    graphs = numbered_graphs(3)
    remote_store.publish(graphs)
    more = (IRIS.resource("thing-0"), RDFS.comment, Literal("more"), IRIS.article_graph("a0"))
    remote_store.publish([*graphs, more])
    assert dataset_quads(remote_store) == expected_quads([*graphs, more])
    assert_counts_are_right(remote_store)
    assert values(remote_store, ALL_TRIPLES) == [["4"]]


def test_a_graph_an_ingest_changed_is_loaded_again_by_the_next_publish(
    remote_store: StoreUnderTest,
) -> None:
    """An ingest changes graphs in place; the next publish must not take them for the
    graphs it published before."""
    graphs = numbered_graphs(3)
    remote_store.publish(graphs)
    open_target(remote_store.settings()).apply(
        Change(
            replace={str(IRIS.article_graph("a0")): [(ESA, RDFS.label, Literal("ingested"))]},
            insert={str(IRIS.article_graph("a1")): [(ESA, RDFS.comment, Literal("ingested"))]},
        ),
        metadata={},
    )
    remote_store.publish(graphs)
    assert dataset_quads(remote_store) == expected_quads(graphs)
    assert_counts_are_right(remote_store)


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql-update"])
def test_a_rebuild_sends_the_union_only_what_changed(
    remote_store: StoreUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    graph_store: bool,
) -> None:
    """A later publish compares the published union with the new one and adds and
    deletes the difference: a triple still held by another graph stays, one no graph
    holds any more goes (and so does one put there by other hands), blank nodes are
    one node in their graph and in the union, and the counts are right."""
    if not graph_store:
        remote_store.overrides["store_graph_store_url"] = ""
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 3)
    remote_store.overrides["store_diff_triples"] = DIFF_ON
    caplog.set_level("INFO", logger=remote_target.__name__)
    shared = (EXOMARS, RDFS.comment, Literal("shared"))
    first = [
        *sample_quads(),
        *numbered_graphs(5),
        (*shared, IRIS.article_graph("a1")),
        (*shared, IRIS.article_graph("a2")),
    ]
    remote_store.publish(first)
    config = RemoteConfig.from_settings(remote_store.settings())
    target = RemoteTarget(config)._union_target()
    stray = "<https://example.org/stray> <https://example.org/p> 1 ."
    Reader(config).connection.update(
        f"INSERT DATA {{ {stray} }}"
        if target == "DEFAULT"
        else f"INSERT DATA {{ {target} {{ {stray} }} }}"
    )
    # a0 changes its label, a1 no longer holds the shared triple (a2 does), a4 goes.
    later = [
        *sample_quads(),
        (IRIS.resource("thing-0"), RDFS.label, Literal("zero"), IRIS.article_graph("a0")),
        *numbered_graphs(4)[1:],
        (*shared, IRIS.article_graph("a2")),
    ]
    remote_store.publish(later)
    assert_isomorphic(union_of(remote_store), union_graph(later))
    assert dataset_quads(remote_store) == expected_quads(later)
    assert_counts_are_right(remote_store)
    assert no_staging_graphs(remote_store)
    # 14 triples without blank nodes before (the stray one too), 12 after: labels "0"
    # and "4" and the stray triple deleted, "zero" added.
    assert union_changes(caplog) == (11, 1, 3)
    remote_store.publish(later)
    assert union_changes(caplog) == (12, 0, 0)
    assert_isomorphic(union_of(remote_store), union_graph(later))
    assert_counts_are_right(remote_store)


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql-update"])
def test_a_large_graph_that_changed_is_changed_in_place(
    remote_store: StoreUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    graph_store: bool,
) -> None:
    """A changed graph of PATCH_TRIPLES or more gets only the difference, also when
    the stream comes back to it later with triples old and new and a blank node;
    a graph with blank nodes is loaded whole, as before."""
    if not graph_store:
        remote_store.overrides["store_graph_store_url"] = ""
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 3)
    monkeypatch.setattr(remote_target, "PATCH_TRIPLES", 2)
    remote_store.overrides["store_diff_triples"] = DIFF_ON
    caplog.set_level("INFO", logger=remote_target.__name__)
    remote_store.publish([*sample_quads(), *numbered_graphs(2)])
    # The reference graph loses Roscosmos's label and gains a comment; its type comes
    # again later in the stream with a new label and a blank node.
    esa, esa_label, roscosmos_type = sample_quads()[:3]
    later = [
        esa,
        esa_label,
        (ESA, RDFS.comment, Literal("patched"), REFERENCE_GRAPH),
        *sample_quads()[4:],
        *numbered_graphs(2),
        roscosmos_type,
        (ROSCOSMOS, RDFS.label, Literal("Roscosmos", lang="en"), REFERENCE_GRAPH),
        (ROSCOSMOS, RDFS.seeAlso, BNode("more"), REFERENCE_GRAPH),
    ]
    remote_store.publish(later)
    # The article graph (blank nodes) loaded, the inferred and numbered ones kept.
    assert re.search(
        r"^1 graphs .* 3 left as they were .*, 1 changed in place;", publish_line(caplog)
    )
    assert dataset_quads(remote_store) == expected_quads(later)
    assert_isomorphic(union_of(remote_store), union_graph(later))
    assert_counts_are_right(remote_store)
    assert no_staging_graphs(remote_store)
    changed = [*later[:-1], (ESA, RDFS.comment, Literal("patched again"), REFERENCE_GRAPH)]
    remote_store.publish(changed)
    assert dataset_quads(remote_store) == expected_quads(changed)
    assert_counts_are_right(remote_store)
    assert no_staging_graphs(remote_store)


def test_a_large_graph_an_ingest_changed_is_changed_in_place_too(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An ingest drops the digest of a graph it changes; the next publish still
    changes that graph in place when it is large, rather than load it whole."""
    remote_store.overrides["store_diff_triples"] = DIFF_ON
    monkeypatch.setattr(remote_target, "PATCH_TRIPLES", 2)
    caplog.set_level("INFO", logger=remote_target.__name__)
    remote_store.publish([*sample_quads(), *numbered_graphs(2)])
    open_target(remote_store.settings()).apply(
        Change(insert={str(REFERENCE_GRAPH): [(ESA, RDFS.comment, Literal("ingested"))]}),
        metadata={},
    )
    rebuilt = [
        *sample_quads(),
        (ESA, RDFS.comment, Literal("rebuilt"), REFERENCE_GRAPH),
        *numbered_graphs(2),
    ]
    remote_store.publish(rebuilt)
    assert ", 1 changed in place;" in publish_line(caplog)
    assert dataset_quads(remote_store) == expected_quads(rebuilt)
    assert_isomorphic(union_of(remote_store), union_graph(rebuilt))
    assert_counts_are_right(remote_store)
    assert no_staging_graphs(remote_store)


@pytest.mark.parametrize(
    "why", ["union too large", "union read short", "union unreadable", "graph read short"]
)
def test_what_cannot_be_compared_is_loaded_whole(
    remote_store: StoreUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    why: str,
) -> None:
    """Past store_diff_triples, or when the store sends fewer triples than it counts (a row
    limit) or fails to send them, the union is loaded whole as a first publish does
    it, and so is a changed graph."""
    remote_store.overrides["store_diff_triples"] = DIFF_ON
    caplog.set_level("INFO", logger=remote_target.__name__)
    monkeypatch.setattr(remote_target, "PATCH_TRIPLES", 2)
    remote_store.publish([*sample_quads(), *numbered_graphs(3)])
    name = "union_triples" if why.startswith("union") else "graph_triples"
    read = getattr(Reader, name)

    def short(reader: Reader, *graph: str) -> Iterator[Any]:
        if why == "union unreadable":
            raise StoreError("the store answered 500: Virtuoso 42000 Error FRVEC")
        return iter(list(read(reader, *graph))[1:])

    if why == "union too large":
        remote_store.overrides["store_diff_triples"] = 5
    else:
        monkeypatch.setattr(Reader, name, short)
    changed = (ESA, RDFS.comment, Literal("changed"), REFERENCE_GRAPH)
    later = [*sample_quads(), changed, *numbered_graphs(4)[1:]]
    remote_store.publish(later)
    monkeypatch.undo()  # whole reads again
    if why == "graph read short":
        assert union_changes(caplog) is not None
        assert ", 0 changed in place" in publish_line(caplog)
    else:
        assert union_changes(caplog) is None
        assert "the union in" in caplog.text and "is staged whole" in caplog.text
    assert dataset_quads(remote_store) == expected_quads(later)
    assert_isomorphic(union_of(remote_store), union_graph(later))
    assert_counts_are_right(remote_store)
    assert no_staging_graphs(remote_store)


def test_a_big_graph_loads_through_sparql_update(remote_store: StoreUnderTest) -> None:
    """Without a Graph Store endpoint a build loads by INSERT DATA, in requests and
    blocks every store parses (Virtuoso's compiler fails past ~5,000 triples in one
    block, and past 32,767 lines in one request)."""
    remote_store.overrides["store_graph_store_url"] = ""
    size = 24_000
    quads = [
        (IRIS.resource(f"thing-{n}"), RDFS.label, Literal(f"thing {n}"), ARTICLE_GRAPH)
        for n in range(size)
    ]
    for _ in range(2):  # the first publish, in place, then a staged one
        remote_store.publish(quads)
        assert remote_store.open().metadata["graphs"] == {str(ARTICLE_GRAPH): size}
        assert values(remote_store, ALL_TRIPLES) == [[str(size)]]


def test_a_failed_first_publish_leaves_nothing_behind(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first publish loads graphs where they belong (nothing to keep readers on):
    when it fails, they go again, and the store is as empty as before."""
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 2)  # load before the failure
    with pytest.raises(RuntimeError, match="midway"):
        remote_store.publish(broken_after(sample_quads()))
    assert remote_store.version() is None
    assert stored_graphs(remote_store) == {}
    remote_store.publish(sample_quads()[:2])
    assert dataset_quads(remote_store) == expected_quads(sample_quads()[:2])
    assert_counts_are_right(remote_store)


@pytest.mark.parametrize("first", [True, False], ids=["first-publish", "later-publish"])
def test_a_loading_request_the_store_refuses_fails_the_publish_and_leaves_nothing(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch, first: bool
) -> None:
    """With several loading requests in flight, each sent from a thread of its own,
    the store's refusal still reaches the publisher, named, after every request has
    ended; what was loaded is dropped and the published dataset stays as it was."""
    if not first:
        remote_store.publish(sample_quads()[:2])
    before, graphs = remote_store.version(), stored_graphs(remote_store)
    assert remote_store.endpoint is not None
    origin = remote_store.endpoint.graph_store_url.rsplit("/", 1)[0]
    remote_store.overrides["store_graph_store_url"] = f"{origin}/no-graph-store-here"
    remote_store.overrides["store_load_requests"] = 3
    monkeypatch.setattr(remote_target, "FLUSH_TRIPLES", 2)  # several requests in flight
    with pytest.raises(StoreError, match=r"loading (<[^>]+>|the default graph): .*404"):
        remote_store.publish([*sample_quads(), *numbered_graphs(20)])
    assert remote_store.version() == before
    assert stored_graphs(remote_store) == graphs  # staging graphs included


@pytest.mark.parametrize("first", [True, False], ids=["first-publish", "later-publish"])
def test_graphs_an_interrupted_publish_left_are_dropped_by_the_next(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch, first: bool
) -> None:
    """A publish killed midway cannot clean up (here: its clean-up is taken away);
    the next publish drops what it had loaded, under spacekg's names or staging ones."""
    if not first:
        remote_store.publish(sample_quads()[:2])
    before = stored_graphs(remote_store)
    loaded = (ESA, RDFS.comment, Literal("left behind"), IRIS.article_graph("left-behind"))
    with monkeypatch.context() as patch:
        patch.setattr(remote_target, "FLUSH_TRIPLES", 2)  # load before the failure
        patch.setattr(RemoteTarget, "_drop_quietly", lambda *args, **kwargs: None)
        with pytest.raises(RuntimeError, match="midway"):
            remote_store.publish(broken_after([*sample_quads(), loaded]))
    assert stored_graphs(remote_store) != before  # something was left behind
    remote_store.publish(sample_quads()[:2])
    assert dataset_quads(remote_store) == expected_quads(sample_quads()[:2])
    expected = {str(REFERENCE_GRAPH): 2}
    if remote_store.kind == "virtuoso":
        expected[VIRTUOSO_UNION_GRAPH] = 2
    assert stored_graphs(remote_store) == expected
    assert_counts_are_right(remote_store)


def test_a_first_publish_replaces_what_a_graph_of_the_same_name_held(
    remote_store: StoreUnderTest,
) -> None:
    """Loading in place must not merge a build with what the store held under a
    graph's name before (as a staged publish's MOVE would not)."""
    config = RemoteConfig.from_settings(remote_store.settings())
    stray = f"<{ESA}> <{RDFS.comment}> {sparql_string('not from this build')}"
    Connection(config).update(f"INSERT DATA {{ GRAPH <{REFERENCE_GRAPH}> {{ {stray} }} }}")
    remote_store.publish()
    assert dataset_quads(remote_store) == expected_quads(sample_quads())
    assert_counts_are_right(remote_store)


def no_staging_graphs(store: StoreUnderTest) -> bool:
    if not store.remote:
        return True
    rows = values(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return not [row for row in rows if row[0].startswith(STAGING)]


# --- queries ------------------------------------------------------------------------------


def test_the_default_graph_is_the_union_without_duplicates(any_store: StoreUnderTest) -> None:
    assert values(any_store, AGENCIES) == [[str(ESA)], [str(ROSCOSMOS)]]
    assert values(any_store, ALL_TRIPLES) == [["10"]]


def test_a_graph_pattern_reaches_every_one_of_many_graphs(any_store: StoreUnderTest) -> None:
    """One graph per article: a query over hundreds of them works on every store
    (Virtuoso echoes each named graph a request names as a header of its answer)."""
    any_store.publish(numbered_graphs(300))
    assert values(any_store, SPACEKG_GRAPH_COUNT) == [["300"]]


def test_past_the_named_graph_limit_graph_patterns_still_answer(
    remote_store: StoreUnderTest,
) -> None:
    """store_named_graph_limit: past it no graph is named with GRAPH ?g queries.
    GRAPH <iri> stays exact (the graph is named), and a variable, kept to the
    published graphs by the query itself (as spacekg's own queries do), finds them all."""
    quads = numbered_graphs(12)
    remote_store.publish(quads)
    remote_store.overrides["store_named_graph_limit"] = 5
    assert values(remote_store, SPACEKG_GRAPH_COUNT) == [["12"]]
    one = f"SELECT ?o WHERE {{ GRAPH <{IRIS.article_graph('a7')}> {{ ?s ?p ?o }} }}"
    assert values(remote_store, one) == [["7"]]
    mixed = f"SELECT ?o WHERE {{ ?s ?p ?o GRAPH <{IRIS.article_graph('a7')}> {{ ?s ?p ?o }} }}"
    assert values(remote_store, mixed) == [["7"]]  # the default graph is still the union
    both = f"""SELECT ?o WHERE {{
      {{ GRAPH ?g {{ <{IRIS.resource("thing-3")}> ?p ?o }}
         FILTER(STRSTARTS(STR(?g), "{IRIS.base}graph/")) }}
      UNION {{ GRAPH <{IRIS.article_graph("a7")}> {{ ?s ?p ?o }} }}
    }} ORDER BY ?o"""
    assert values(remote_store, both) == [["3"], ["7"]]
    if remote_store.settings().store_default_graph.startswith("http"):
        # Only a published graph is named (where nothing is named, as with `write`,
        # GRAPH <iri> reaches every graph the store holds, the build record's too).
        spacekg_own = f"SELECT * WHERE {{ GRAPH <{BUILD_GRAPH}> {{ ?s ?p ?o }} }}"
        assert values(remote_store, spacekg_own) == []
    assert values(remote_store, ALL_TRIPLES) == [["12"]]


@pytest.mark.parametrize(
    ("sparql", "expected"),
    [
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", GraphUse(variables=True)),
        (
            "SELECT * { GRAPH <http://a/> { ?s ?p ?o } ?s ?p ?o }",
            GraphUse(frozenset({"http://a/"}), False, True),
        ),
        (
            "PREFIX x: <http://x/> SELECT * { GRAPH x:i { ?s ?p ?o } }",
            GraphUse(frozenset({"http://x/i"})),
        ),
        ("SELECT * { VALUES ?s { <http://a/> } GRAPH ?g { ?s ?p ?o } }", GraphUse(variables=True)),
        (
            "SELECT * { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }",
            GraphUse(frozenset(), True, True),
        ),
        (
            "SELECT * { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }",
            GraphUse(frozenset(), True, True),
        ),
        ("DESCRIBE ?s WHERE { GRAPH ?g { ?s ?p ?o } }", GraphUse(frozenset(), True, True)),
        ("SELECT * { GRAPH ?g { } }", GraphUse(variables=True)),
        ("SELECT * { GRAPH ?g { ?s ?p ?o", None),
    ],
)
def test_graph_use_reads_which_graphs_a_query_reads(sparql: str, expected: GraphUse | None) -> None:
    assert graph_use(sparql) == expected
    assert graph_use(sparql) == expected  # the second time from memory


def test_a_reading_is_remembered_for_the_last_texts_only() -> None:
    """Parsing a query costs more than running most: what the parser read is
    remembered per text, for a bounded number of texts."""
    read: list[str] = []

    def reading(sparql: str) -> int:
        read.append(sparql)
        return len(sparql)

    remembered = Remembered(reading, size=2)
    for text in ["a", "bb", "a", "ccc", "a", "bb"]:
        assert remembered.read(text) == len(text)
    # "a" stays (asked for again before "ccc" came); "bb" was the oldest when "ccc" came.
    assert read == ["a", "bb", "ccc", "bb"]


def test_a_graph_pattern_answers_over_thousands_of_graphs(remote_store: StoreUnderTest) -> None:
    """Virtuoso refuses a query naming about 5,000 graphs ("SP030 Too many
    arguments"): at the default limit a store of 6,000 articles still answers."""
    quads = numbered_graphs(6000)
    remote_store.publish(quads)
    try:
        assert values(remote_store, SPACEKG_GRAPH_COUNT) == [["6000"]]
        one = f"SELECT ?o WHERE {{ GRAPH <{IRIS.article_graph('a4321')}> {{ ?s ?p ?o }} }}"
        assert values(remote_store, one) == [["4321"]]
    finally:
        # Leave the shared server small: Virtuoso takes minutes over the next
        # test's "SELECT DISTINCT ?g" (emptying the store) while 6,000 graphs exist.
        remote_store.publish(quads[:1])


def test_a_switch_split_into_small_requests_publishes_the_same(
    remote_store: StoreUnderTest,
) -> None:
    """store_update_operations (Virtuoso refuses ~900 operations in one request)."""
    quads = numbered_graphs(40)
    target = open_target(remote_store.settings(store_update_operations=7))
    target.publish(quads, metadata={})
    target.publish(quads[:30], metadata={})  # ten graphs dropped, in small requests too
    assert values(remote_store, SPACEKG_GRAPH_COUNT) == [["30"]]
    assert values(remote_store, ALL_TRIPLES) == [["30"]]


def test_named_graphs_can_be_queried_one_by_one(any_store: StoreUnderTest) -> None:
    sparql = PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ESA}> a skg:Agency }} }} ORDER BY ?g"
    assert values(any_store, sparql) == [[str(ARTICLE_GRAPH)], [str(REFERENCE_GRAPH)]]


def test_from_in_the_query_is_honoured(any_store: StoreUnderTest) -> None:
    sparql = f"SELECT (COUNT(*) AS ?n) FROM <{ARTICLE_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert values(any_store, sparql) == [["6"]]


def test_protocol_dataset_replaces_the_default_graph(any_store: StoreUnderTest) -> None:
    rows = values(any_store, ALL_TRIPLES, default_graph_uris=[str(INFERRED_GRAPH)])
    assert rows == [["1"]]


def test_named_graphs_alone_leave_the_default_graph_empty(any_store: StoreUnderTest) -> None:
    only_inferred = {"named_graph_uris": [str(INFERRED_GRAPH)]}
    assert values(any_store, ALL_TRIPLES, **only_inferred) == [["0"]]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert values(any_store, graphs, **only_inferred) == [[str(INFERRED_GRAPH)]]


@pytest.mark.parametrize(
    ("sparql", "kind"),
    [
        (AGENCIES, QueryKind.SELECT),
        ("ASK { ?s ?p ?o }", QueryKind.ASK),
        ("CONSTRUCT WHERE { ?s ?p ?o }", QueryKind.GRAPH),
        (f"DESCRIBE <{ESA}>", QueryKind.GRAPH),
    ],
    ids=["select", "ask", "construct", "describe"],
)
def test_each_result_knows_its_kind(
    any_store: StoreUnderTest, sparql: str, kind: QueryKind
) -> None:
    result = any_store.open().query(sparql)
    assert result.kind is kind
    result.serialize(RESULT_FORMATS[0] if kind is not QueryKind.GRAPH else GRAPH_FORMATS[0])


@pytest.mark.parametrize(
    ("sparql", "message"),
    [
        ("SELEC ?s WHERE { ?s ?p ?o }", "syntax error|refused"),
        ("SELECT ?s WHERE { ?s ?p ", "syntax error|refused"),
        ("   ", "empty"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        (f'INSERT DATA {{ GRAPH <{ARTICLE_GRAPH}> {{ <{ESA}> <{ESA}> "x" }} }}', "updates"),
        ("PREFIX x: <http://ex/>\nDROP ALL", "updates"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "updates"),
    ],
    ids=["misspelt-keyword", "unfinished", "blank", "service", "insert", "drop-all", "load"],
)
def test_bad_queries_and_updates_are_refused_and_change_nothing(
    any_store: StoreUnderTest, sparql: str, message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        any_store.open().query(sparql).serialize("json")
    assert values(any_store, ALL_TRIPLES) == [["10"]]
    assert any_store.open().count() == 11


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_select_results_parse_back_in_every_format(any_store: StoreUnderTest, fmt: Format) -> None:
    data = any_store.open().query(LABELS).serialize(fmt.media_type)
    result = solutions(data, fmt.name)
    assert [[str(value) for value in row] for row in result] == [
        [str(ESA), "European Space Agency"],
        [str(ROSCOSMOS), "Роскосмос"],
    ]
    if fmt.name != "csv":  # CSV keeps no language tags
        assert Literal("Роскосмос", lang="ru") in {row[1] for row in result}


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_construct_results_parse_back_in_every_format(
    any_store: StoreUnderTest, fmt: Format
) -> None:
    data = any_store.open().query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(fmt)
    assert_isomorphic(parse_graph(data, fmt.name), union_graph(sample_quads()))


def test_results_are_cut_to_the_limit_and_say_so(any_store: StoreUnderTest) -> None:
    result = any_store.open().query("SELECT * WHERE { ?s ?p ?o }")
    table = result.table(3)
    assert len(table["results"]["bindings"]) == 3 and result.truncated


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda fmt: fmt.name)
def test_dumps_parse_back_in_every_format(any_store: StoreUnderTest, fmt: Format) -> None:
    data = b"".join(any_store.open().dump(fmt.name))
    quads = sample_quads()
    if not fmt.keeps_graphs:
        assert_isomorphic(parse_graph(data, fmt.name), union_graph(quads))
        return
    dataset = parse_dataset(data, fmt.name)
    assert sorted(str(g.identifier) for g in dataset.graphs() if len(g)) == sorted(GRAPHS)
    for name in (ARTICLE_GRAPH, REFERENCE_GRAPH, INFERRED_GRAPH):
        assert_isomorphic(dataset.graph(name), named_graph(quads, name))


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda fmt: fmt.name)
def test_a_dump_can_leave_a_graph_out(any_store: StoreUnderTest, fmt: Format) -> None:
    data = b"".join(any_store.open().dump_without(fmt.name, [str(INFERRED_GRAPH)]))
    kept = [quad for quad in sample_quads() if quad[3] != INFERRED_GRAPH]
    if not fmt.keeps_graphs:
        assert_isomorphic(parse_graph(data, fmt.name), union_graph(kept))
        return
    dataset = parse_dataset(data, fmt.name)
    assert str(INFERRED_GRAPH) not in {str(g.identifier) for g in dataset.graphs() if len(g)}


# --- apply(): one atomic change ------------------------------------------------------


TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def test_apply_replaces_deletes_and_inserts_and_keeps_the_union(
    any_store: StoreUnderTest,
) -> None:
    target = open_target(any_store.settings())
    agency = (ESA, TYPE, SKG.Agency)  # held by the reference and the article graph
    new_article = [(ESA, SKG.participatesIn, EXOMARS), (EXOMARS, SKG.hasParticipant, ESA)]
    version = target.apply(
        Change(
            replace={str(ARTICLE_GRAPH): new_article},
            delete={str(REFERENCE_GRAPH): [agency]},
            insert={str(INFERRED_GRAPH): [(EXOMARS, TYPE, SKG.Mission)]},
        ),
        metadata={"note": "ingested"},
    )
    store = any_store.open()
    assert store.version == version == any_store.version()
    assert store.metadata["note"] == "ingested" and store.metadata["base"] == IRIS_BASE
    expected = [q for q in sample_quads() if q[3] not in (ARTICLE_GRAPH,)]
    expected = [q for q in expected if (q[:3], q[3]) != (agency, REFERENCE_GRAPH)]
    expected += [(*t, ARTICLE_GRAPH) for t in new_article]
    expected += [(EXOMARS, TYPE, SKG.Mission, INFERRED_GRAPH)]
    assert dataset_quads(any_store) == expected_quads(expected)
    # ESA's type left both graphs holding it: it left the union too; the rest is there once.
    union = {(s, p, o) for s, p, o, _ in expected}
    assert values(any_store, ALL_TRIPLES) == [[str(len(union))]]
    assert values(any_store, AGENCIES) == [[str(ROSCOSMOS)]]
    assert store.metadata["graphs"] == {
        str(ARTICLE_GRAPH): 2,
        str(INFERRED_GRAPH): 2,
        str(REFERENCE_GRAPH): 3,
    }
    assert_counts_are_right(any_store)


def test_apply_keeps_a_triple_in_the_union_while_a_graph_holds_it(
    any_store: StoreUnderTest,
) -> None:
    target = open_target(any_store.settings())
    agency = (ESA, TYPE, SKG.Agency)
    target.apply(Change(delete={str(ARTICLE_GRAPH): [agency]}), metadata={})
    assert values(any_store, AGENCIES) == [[str(ESA)], [str(ROSCOSMOS)]]
    assert_counts_are_right(any_store)
    target.apply(Change(replace={str(REFERENCE_GRAPH): []}), metadata={})
    assert values(any_store, AGENCIES) == []
    assert_counts_are_right(any_store)
    assert any_store.open().named_graphs() == [str(ARTICLE_GRAPH), str(INFERRED_GRAPH)]


def test_a_graph_emptied_by_deletes_leaves_the_graph_list(any_store: StoreUnderTest) -> None:
    inferred = [q[:3] for q in sample_quads() if q[3] == INFERRED_GRAPH]
    open_target(any_store.settings()).apply(
        Change(delete={str(INFERRED_GRAPH): inferred}), metadata={}
    )
    assert str(INFERRED_GRAPH) not in any_store.open().named_graphs()
    assert_counts_are_right(any_store)


def test_counts_follow_changes_that_overlap_and_repeat(any_store: StoreUnderTest) -> None:
    """Deleting what is absent, inserting what is there, the same triple deleted and
    inserted, a triple moving between graphs: the counts stay what the store holds."""
    target = open_target(any_store.settings())
    agency = (ESA, TYPE, SKG.Agency)
    absent = (ROSCOSMOS, TYPE, SKG.Mission)
    label = next(q[:3] for q in sample_quads() if q[1] == RDFS.label)
    changes = [
        Change(delete={str(INFERRED_GRAPH): [absent]}, insert={str(REFERENCE_GRAPH): [agency]}),
        Change(delete={str(REFERENCE_GRAPH): [agency]}, insert={str(REFERENCE_GRAPH): [agency]}),
        Change(delete={str(REFERENCE_GRAPH): [label]}, insert={str(INFERRED_GRAPH): [label]}),
        Change(replace={str(ARTICLE_GRAPH): [agency, label]}, delete={str(ARTICLE_GRAPH): [label]}),
        Change(replace={str(INFERRED_GRAPH): [], str(ARTICLE_GRAPH): [absent]}),
    ]
    for change in changes:
        target.apply(change, metadata={})
        assert_counts_are_right(any_store)


IRIS_BASE = "https://w3id.org/spacekg/"

# Text that breaks naive SPARQL writing: quotes, backslashes, escapes SPARQL processors
# decode before parsing (\u0022 is a quote), line breaks, scripts, an emoji.
AWKWARD = [
    'He said "stop" \\ then \\"left\\"',
    "\\u0022 is a quote, \\U0001F600 a smile",
    "line one\nline two\r\n\ttabbed",
    "Роскосмос 中文 हिन्दी 🚀",
    "ends with a backslash \\",
    "'''\"\"\"} } ; DROP ALL ; #",
]


@pytest.mark.parametrize("graph_store", [True, False], ids=["graph-store", "sparql-update"])
def test_awkward_text_comes_back_as_written(
    remote_store: StoreUnderTest, graph_store: bool
) -> None:
    if not graph_store:
        remote_store.overrides["store_graph_store_url"] = ""
    literals = [Literal(text, lang="en") for text in AWKWARD] + [Literal(text) for text in AWKWARD]
    quads = [(ESA, SKG.text, literal, ARTICLE_GRAPH) for literal in literals]
    quads.append((ESA, SKG.beginIndex, Literal(3, datatype=XSD.integer), ARTICLE_GRAPH))
    remote_store.publish(quads)
    # The same text again, now through SPARQL Update (an ingest).
    target = open_target(remote_store.settings())
    target.apply(
        Change(insert={str(REFERENCE_GRAPH): [(ROSCOSMOS, SKG.text, lit) for lit in literals]}),
        metadata={},
    )
    for subject in (ESA, ROSCOSMOS):
        rows = values(remote_store, f"SELECT ?t WHERE {{ <{subject}> <{SKG.text}> ?t }}")
        assert sorted(row[0] for row in rows) == sorted(AWKWARD * 2)
    assert values(remote_store, ALL_TRIPLES) == [[str(2 * len(literals) + 1)]]


@pytest.mark.parametrize(
    "text",
    ["plain", 'a "quote"', "back\\slash", "\\u0022", "\\\\u0022", "new\nline", "\\U0001F600"],
)
def test_sparql_strings_read_back_with_and_without_escape_preprocessing(text: str) -> None:
    """SPARQL 1.1 §19.2 lets a processor decode \\uXXXX before parsing: the string must
    read back as written either way (rdflib's parser does that decoding)."""
    from rdflib.plugins.sparql import prepareQuery

    query = prepareQuery(f"SELECT ?x WHERE {{ BIND({sparql_string(text)} AS ?x) }}")
    from rdflib import Graph

    [row] = Graph().query(query)
    assert str(row[0]) == text  # type: ignore[index]


def test_blank_nodes_can_be_replaced_but_not_edited(remote_store: StoreUnderTest) -> None:
    remote_store.publish()
    target = open_target(remote_store.settings())
    statement = BNode("statement2")
    target.apply(
        Change(replace={str(ARTICLE_GRAPH): [(statement, SKG.statedBy, ESA)]}), metadata={}
    )
    assert values(remote_store, f"SELECT ?s WHERE {{ ?s <{SKG.statedBy}> <{ESA}> }}") != []
    with pytest.raises(StoreError, match="blank nodes"):
        target.apply(
            Change(delete={str(ARTICLE_GRAPH): [(statement, SKG.statedBy, ESA)]}), metadata={}
        )


def test_a_failed_apply_changes_nothing(
    remote_store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store fails the request after its first operations ran: none of them stays.
    (A fault injected into the real request.)"""
    if remote_store.kind == "virtuoso":
        pytest.skip(
            "Virtuoso keeps the operations of an update request that ran before one "
            "failed (seen with 7.2): a failed request is not rolled back"
        )
    remote_store.publish()
    before = dataset_quads(remote_store), remote_store.version()

    write = remote_target._ChangeWriter.write

    def failing(self: Any, version: str, record: dict[str, Any]) -> str:
        # A last operation the store must refuse: a graph that already exists.
        return write(self, version, record) + f" ;\nCREATE GRAPH <{REFERENCE_GRAPH}>"

    monkeypatch.setattr(remote_target._ChangeWriter, "write", failing)
    with pytest.raises(StoreError):
        open_target(remote_store.settings()).apply(
            Change(
                replace={str(ARTICLE_GRAPH): []},
                insert={str(INFERRED_GRAPH): [(ESA, TYPE, SKG.Mission)]},
            ),
            metadata={"note": "never"},
        )
    assert (dataset_quads(remote_store), remote_store.version()) == before
    assert values(remote_store, ALL_TRIPLES) == [["10"]]
    assert no_staging_graphs(remote_store)


def test_readers_never_see_half_a_change(remote_store: StoreUnderTest) -> None:
    """A reader counting while changes flip an article between two versions sees one
    version or the other, in the graph and in the union, never a mix."""
    size = 40
    states = {
        name: [(URIRef(f"{ESA}-{name}-{i}"), SKG.mentions, EXOMARS) for i in range(size)]
        for name in ("a", "b")
    }
    remote_store.publish([(*t, ARTICLE_GRAPH) for t in states["a"]])
    target = open_target(remote_store.settings())
    store = remote_store.open()
    seen: set[tuple[tuple[str, int], ...]] = set()
    done = threading.Event()
    failures: list[BaseException] = []
    sparql = (
        f"SELECT ?state (COUNT(*) AS ?n) WHERE {{ ?s <{SKG.mentions}> ?o "
        'BIND(IF(CONTAINS(STR(?s), "-a-"), "a", "b") AS ?state) } GROUP BY ?state'
    )
    graph_sparql = sparql.replace("WHERE {", f"WHERE {{ GRAPH <{ARTICLE_GRAPH}> {{").replace(
        "} GROUP", "} } GROUP"
    )

    def read() -> None:
        try:
            while not done.is_set():
                for query in (sparql, graph_sparql):
                    table = store.query(query).table(10)
                    seen.add(
                        tuple(
                            sorted(
                                (row["state"]["value"], int(row["n"]["value"]))
                                for row in table["results"]["bindings"]
                            )
                        )
                    )
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(20):
            state = "b" if round_ % 2 == 0 else "a"
            target.apply(Change(replace={str(ARTICLE_GRAPH): states[state]}), metadata={})
    finally:
        done.set()
        reader.join()
    assert not failures, failures
    assert seen <= {(("a", size),), (("b", size),)}, seen
    assert_counts_are_right(remote_store)


# --- the version, as readers follow it -----------------------------------------------


def test_the_handle_follows_new_versions_checking_at_most_once_a_second(
    remote_store: StoreUnderTest,
) -> None:
    remote_store.publish()
    now = [0.0]
    handle = RemoteHandle(RemoteConfig.from_settings(remote_store.settings()), clock=lambda: now[0])
    first = handle.get()
    version = remote_store.publish(sample_quads()[:1], metadata={})
    assert handle.get() is first  # checked less than a second ago: not asked again
    now[0] += 1.5
    assert handle.get().version == version
    assert handle.get().count() == 1


def test_settings_alone_choose_the_kind(any_store: StoreUnderTest) -> None:
    settings = any_store.settings()
    target, handle = open_target(settings), store_handle(settings)
    assert isinstance(target, RemoteTarget) == any_store.remote
    assert isinstance(handle.get(), RemoteStore) == any_store.remote


# --- what only a remote store needs ----------------------------------------------------


def test_a_query_answer_is_bounded_in_size(remote_store: StoreUnderTest) -> None:
    remote_store.publish()
    store = remote_store.settings(query_memory_mb=1)
    cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 10^4 rows, ~5 MB
    from spacekg.store import open_published

    with pytest.raises(QueryLimitError, match="larger than the limit of 1 MB"):
        open_published(store).query(cross).serialize("json")


def test_a_slow_query_is_stopped_by_the_time_limit(remote_store: StoreUnderTest) -> None:
    remote_store.publish()
    from spacekg.store import open_published

    store = open_published(remote_store.settings(query_timeout=1.0))
    # 10^8 solutions to count: seconds on any machine, yet no more than a minute
    # of work for Oxigraph server, which counts on after the client has gone
    # (its --timeout-s does not stop an aggregate, 0.5.13).
    cross = (
        "SELECT (COUNT(*) AS ?n) WHERE { "
        + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8))
        + " }"
    )
    with pytest.raises(QueryLimitError, match="time limit of 1 s"):
        store.query(cross).serialize("json")
    assert values(remote_store, ALL_TRIPLES) == [["10"]]


@pytest.fixture
def redirecting_server() -> Iterator[Callable[[str], str]]:
    """A loopback HTTP server answering every request with a redirect to `target`."""
    servers: list[ThreadingHTTPServer] = []

    def start(target: str) -> str:
        class Redirect(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._redirect()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._redirect()

            def _redirect(self) -> None:
                self.send_response(307)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/sparql"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_another_host_is_not_followed(
    remote_store: StoreUnderTest, redirecting_server: Callable[[str], str]
) -> None:
    remote_store.publish()
    url = redirecting_server(remote_store.overrides["store"])  # another port: another origin
    settings = remote_store.settings(store=url, store_update_url="", store_graph_store_url="")
    from spacekg.store import published_version

    with pytest.raises(StoreError, match="redirected"):
        published_version(settings)


def test_credentials_are_kept_out_of_settings_reprs(remote_store: StoreUnderTest) -> None:
    settings = remote_store.settings(store_password="s3cret-value")
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in repr(RemoteConfig.from_settings(settings))


def test_the_build_record_is_one_json_literal(remote_store: StoreUnderTest) -> None:
    remote_store.publish(metadata={"inputs": "abc", "note": 'a "quoted" value'})
    record = remote_store.open().metadata
    assert record["inputs"] == "abc" and record["note"] == 'a "quoted" value'
    assert json.loads(json.dumps(record)) == record


def test_staging_graphs_are_named_apart_from_spacekg_graphs() -> None:
    assert not STAGING.startswith(IRIS_BASE + "graph/")


def test_a_remote_store_needs_no_path(tmp_path: Path) -> None:
    from spacekg.config import load_settings

    settings = load_settings({"store": "http://127.0.0.1:9/sparql"}, environ={})
    assert settings.remote_store and settings.store == "http://127.0.0.1:9/sparql"
    assert not load_settings({"store": str(tmp_path)}, environ={}).remote_store


# --- the command line, pointed at a remote store by a config file ------------------------


def test_the_cli_queries_and_dumps_a_remote_store_named_in_a_config_file(
    remote_store: StoreUnderTest, tmp_path: Path
) -> None:
    from tests.test_cli import clean_env, spacekg

    remote_store.publish()
    config = tmp_path / "spacekg.toml"
    config.write_text(
        "".join(
            f"{name} = {json.dumps(str(value))}\n" for name, value in remote_store.overrides.items()
        ),
        encoding="utf-8",
    )
    done = spacekg("query", "--config", str(config), ALL_TRIPLES, env=clean_env())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["bindings"][0]["n"]["value"] == "10"
    dumped = spacekg("dump", "--config", str(config), "--format", "nq", env=clean_env())
    assert dumped.returncode == 0, dumped.stderr
    assert_isomorphic(
        parse_dataset(dumped.stdout, "nq").graph(ARTICLE_GRAPH),
        named_graph(sample_quads(), ARTICLE_GRAPH),
    )
    refused = spacekg("query", "--config", str(config), "DROP ALL", env=clean_env())
    assert refused.returncode == 1 and b"updates are not allowed" in refused.stderr


@pytest.fixture
def basic_auth_proxy(oxigraph_endpoint: Any) -> Iterator[str]:
    """Oxigraph behind a loopback proxy that wants HTTP basic auth (user `spacekg`,
    password `p4ss`) on every request, as a hosted store would: the proxy's base URL."""
    import base64
    import urllib.error
    import urllib.request

    upstream = oxigraph_endpoint.query_url.rsplit("/", 1)[0]
    expected = "Basic " + base64.b64encode(b"spacekg:p4ss").decode()

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._forward(None)

        def do_POST(self) -> None:
            self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

        def _forward(self, body: bytes | None) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="store"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED}
            request = urllib.request.Request(
                upstream + self.path, data=body, headers=headers, method=self.command
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, kind, data = (
                        answer.status,
                        answer.headers.get("Content-Type"),
                        answer.read(),
                    )
            except urllib.error.HTTPError as error:
                status, kind, data = error.code, error.headers.get("Content-Type"), error.read()
            self.send_response(status)
            self.send_header("Content-Type", kind or "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


_FORWARDED = {"accept", "content-type"}


def test_basic_auth_answers_the_store_s_challenge(
    request: pytest.FixtureRequest, basic_auth_proxy: str
) -> None:
    endpoint, overrides = emptied("oxigraph", request)
    remote_store = StoreUnderTest("oxigraph", overrides, endpoint)
    settings = {
        "store": f"{basic_auth_proxy}/query",
        "store_update_url": f"{basic_auth_proxy}/update",
        "store_graph_store_url": f"{basic_auth_proxy}/store",
        "store_user": "spacekg",
        "store_password": "p4ss",
        "store_auth": "basic",
    }
    remote_store.overrides.update(settings)
    remote_store.publish()  # Graph Store POSTs and updates, each sent again after the 401
    assert values(remote_store, ALL_TRIPLES) == [["10"]]
    remote_store.overrides["store_password"] = "wrong"
    with pytest.raises(StoreError, match="refused access"):
        remote_store.version()
