"""The embedded store: atomic publication, queries over named graphs and their
union, refusals, and a round trip through rdflib for every format we write."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.query import Result, ResultRow

from spacekg.errors import QueryError, StoreError
from spacekg.store import DUMP_FORMATS, QueryKind, StoreHandle, open_store, publish
from spacekg.store.builds import BUILDS, current_version
from spacekg.store.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from tests.conftest import (
    ARTICLE_GRAPH,
    ESA,
    INFERRED_GRAPH,
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

PREFIXES = """
PREFIX skg: <https://w3id.org/spacekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
AGENCIES = PREFIXES + "SELECT ?agency WHERE { ?agency a skg:Agency } ORDER BY ?agency"
LABELS = PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"
ALL_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def values(store_root: Path, sparql: str, **dataset: list[str]) -> list[list[str]]:
    """The rows of a SELECT, each value as a string, through the JSON results."""
    data = open_store(store_root).query(sparql, **dataset).serialize("json")
    return [[str(value) for value in row] for row in solutions(data, "json")]


def solutions(data: bytes, fmt: str) -> list[ResultRow]:
    """The rows of SELECT results written in `fmt`, read by rdflib."""
    result = Result.parse(io.BytesIO(data), format=RDFLIB_NAMES[fmt])
    return [row for row in result if isinstance(row, ResultRow)]


# --- publication ------------------------------------------------------------


def test_publish_records_version_and_counts_per_graph(store_root: Path) -> None:
    store = open_store(store_root)
    assert store.version == current_version(store_root)
    assert store.metadata["base"] == "https://w3id.org/spacekg/"
    assert store.metadata["graphs"] == {
        str(ARTICLE_GRAPH): 6,
        str(INFERRED_GRAPH): 1,
        str(REFERENCE_GRAPH): 4,
    }
    assert store.count() == 11
    assert store.metadata["triples"] == 10  # ESA's type is in two graphs, once in the union
    assert store.named_graphs() == sorted(
        map(str, (ARTICLE_GRAPH, INFERRED_GRAPH, REFERENCE_GRAPH))
    )


def test_a_failing_quad_stream_leaves_the_previous_build_current(store_root: Path) -> None:
    before = current_version(store_root)

    def broken() -> Iterator[Quad]:
        yield from sample_quads()[:3]
        raise RuntimeError("the build broke midway")

    with pytest.raises(RuntimeError, match="midway"):
        publish(store_root, broken(), metadata={})
    assert current_version(store_root) == before
    assert [path.name for path in (store_root / BUILDS).iterdir()] == [before]
    assert values(store_root, AGENCIES) == [[str(ESA)], [str(ROSCOSMOS)]]


def test_a_quad_without_a_named_graph_is_refused_and_nothing_changes(store_root: Path) -> None:
    before = current_version(store_root)
    quads: list[object] = [*sample_quads(), (ESA, ESA, ESA, None)]
    with pytest.raises(StoreError, match="named graph"):
        publish(store_root, quads, metadata={})  # type: ignore[arg-type]
    assert current_version(store_root) == before
    assert open_store(store_root).count() == 11


def test_only_the_two_newest_builds_are_kept(store_root: Path) -> None:
    first = current_version(store_root)
    second = publish(store_root, sample_quads()[:2], metadata={})
    third = publish(store_root, sample_quads()[:1], metadata={})
    assert first is not None and first < second < third
    assert sorted(path.name for path in (store_root / BUILDS).iterdir()) == [second, third]
    assert open_store(store_root).count() == 1


def test_opening_a_store_nothing_was_published_to_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no knowledge graph has been built"):
        open_store(tmp_path / "nowhere")


def test_the_handle_follows_new_builds_and_reuses_the_open_store(store_root: Path) -> None:
    handle = StoreHandle(store_root)
    first = handle.get()
    assert handle.get() is first
    version = publish(store_root, sample_quads()[:1], metadata={})
    assert handle.get().version == version
    assert handle.get().count() == 1


# --- queries ----------------------------------------------------------------


def test_the_default_graph_is_the_union_without_duplicates(store_root: Path) -> None:
    assert values(store_root, AGENCIES) == [[str(ESA)], [str(ROSCOSMOS)]]
    assert values(store_root, ALL_TRIPLES) == [["10"]]


def test_named_graphs_can_be_queried_one_by_one(store_root: Path) -> None:
    sparql = PREFIXES + f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ESA}> a skg:Agency }} }} ORDER BY ?g"
    assert values(store_root, sparql) == [[str(ARTICLE_GRAPH)], [str(REFERENCE_GRAPH)]]


def test_from_in_the_query_is_honoured(store_root: Path) -> None:
    sparql = f"SELECT (COUNT(*) AS ?n) FROM <{ARTICLE_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert values(store_root, sparql) == [["6"]]


def test_protocol_dataset_replaces_the_default_graph(store_root: Path) -> None:
    rows = values(store_root, ALL_TRIPLES, default_graph_uris=[str(INFERRED_GRAPH)])
    assert rows == [["1"]]


def test_named_graphs_alone_leave_the_default_graph_empty(store_root: Path) -> None:
    only_inferred = {"named_graph_uris": [str(INFERRED_GRAPH)]}
    assert values(store_root, ALL_TRIPLES, **only_inferred) == [["0"]]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert values(store_root, graphs, **only_inferred) == [[str(INFERRED_GRAPH)]]


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
def test_each_result_knows_its_kind(store_root: Path, sparql: str, kind: QueryKind) -> None:
    assert open_store(store_root).query(sparql).kind is kind


@pytest.mark.parametrize(
    ("sparql", "message"),
    [
        ("SELEC ?s WHERE { ?s ?p ?o }", "syntax error"),
        ("SELECT ?s WHERE { ?s ?p ", "syntax error"),
        ("   ", "empty"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { ?s ?p ?o .service<http://127.0.0.1:9/> {} }", "SERVICE"),
    ],
    ids=["misspelt-keyword", "unfinished", "blank", "service", "service-without-spaces"],
)
def test_bad_queries_raise_query_error(store_root: Path, sparql: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        open_store(store_root).query(sparql)


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "SELECT * WHERE { ?s ?p 'SERVICE <http://x/> {}' }",
        "SELECT * WHERE { <http://ex/SERVICE> ?p ?o } # SERVICE <http://x/> {}",
        "PREFIX service: <http://ex/> SELECT * WHERE { service:x ?p ?o }",
    ],
    ids=["variable", "string", "iri-and-comment", "prefix"],
)
def test_the_word_service_elsewhere_is_no_federated_query(store_root: Path, sparql: str) -> None:
    open_store(store_root).query(sparql).serialize("json")


@pytest.mark.parametrize(
    "sparql",
    [
        f'INSERT DATA {{ GRAPH <{ARTICLE_GRAPH}> {{ <{ESA}> <{ESA}> "x" }} }}',
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <http://ex/>\nDROP ALL",
        "CLEAR DEFAULT",
        "LOAD <http://127.0.0.1:9/data.ttl>",
    ],
    ids=["insert-data", "delete-where", "drop-all", "clear", "load"],
)
def test_updates_are_refused_and_change_nothing(store_root: Path, sparql: str) -> None:
    store = open_store(store_root)
    with pytest.raises(QueryError, match="updates are not allowed"):
        store.query(sparql)
    assert values(store_root, ALL_TRIPLES) == [["10"]]
    assert open_store(store_root).count() == 11


# --- formats ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_select_results_parse_back_in_every_format(store_root: Path, fmt: Format) -> None:
    data = open_store(store_root).query(LABELS).serialize(fmt.media_type)
    result = solutions(data, fmt.name)
    rows = [[str(value) for value in row] for row in result]
    assert rows == [
        [str(ESA), "European Space Agency"],
        [str(ROSCOSMOS), "Роскосмос"],
    ]
    if fmt.name != "csv":  # CSV results keep no language tags, by design of the format
        assert Literal("Роскосмос", lang="ru") in {row[1] for row in result}


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_ask_results_parse_back_in_every_format(store_root: Path, fmt: Format) -> None:
    data = open_store(store_root).query(f"ASK {{ <{ESA}> ?p ?o }}").serialize(fmt.name)
    if fmt.name in {"csv", "tsv"}:  # rdflib reads no boolean CSV/TSV; the spec leaves it open
        assert data.strip().lower().endswith(b"true")
        return
    assert Result.parse(io.BytesIO(data), format=RDFLIB_NAMES[fmt.name]).askAnswer is True


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda fmt: fmt.name)
def test_construct_results_parse_back_in_every_format(store_root: Path, fmt: Format) -> None:
    data = open_store(store_root).query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(fmt)
    assert_isomorphic(parse_graph(data, fmt.name), union_graph(sample_quads()))


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda fmt: fmt.name)
def test_dumps_parse_back_in_every_format(store_root: Path, fmt: Format) -> None:
    data = b"".join(open_store(store_root).dump(fmt.name))
    quads = sample_quads()
    if not fmt.keeps_graphs:
        assert_isomorphic(parse_graph(data, fmt.name), union_graph(quads))
        return
    dataset = parse_dataset(data, fmt.name)
    names = sorted(str(g.identifier) for g in dataset.graphs() if len(g))
    assert names == sorted({str(g) for *_, g in quads})
    # Blank nodes are shared across graphs, so compare the graphs one by one.
    for name in (ARTICLE_GRAPH, REFERENCE_GRAPH, INFERRED_GRAPH):
        assert_isomorphic(dataset.graph(name), named_graph(quads, name))


def test_a_format_that_does_not_suit_the_result_is_refused(store_root: Path) -> None:
    with pytest.raises(QueryError, match="cannot be written as 'ttl'"):
        open_store(store_root).query(AGENCIES).serialize("ttl")


def test_the_store_never_imports_flask() -> None:
    """The core must stay usable without the web layer (STYLE: dependencies point one way)."""
    code = "import sys, spacekg.store; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda fmt: fmt.name)
def test_a_dump_can_leave_a_graph_out(store_root: Path, fmt: Format) -> None:
    """Without the inferred graph: TriG/N-Quads/JSON-LD lose its quads; the union formats
    lose the triples no other graph holds."""
    data = b"".join(open_store(store_root).dump_without(fmt.name, [str(INFERRED_GRAPH)]))
    kept = [quad for quad in sample_quads() if quad[3] != INFERRED_GRAPH]
    if not fmt.keeps_graphs:
        assert_isomorphic(parse_graph(data, fmt.name), union_graph(kept))
        return
    dataset = parse_dataset(data, fmt.name)
    assert str(INFERRED_GRAPH) not in {str(g.identifier) for g in dataset.graphs() if len(g)}
    for name in (ARTICLE_GRAPH, REFERENCE_GRAPH):
        assert_isomorphic(dataset.graph(name), named_graph(kept, name))


def test_json_ld_dumps_are_one_document_across_chunks(
    store_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON-LD cannot be concatenated: chunks are spliced into one top-level array."""
    from spacekg.store import embedded

    monkeypatch.setattr(embedded, "_DUMP_CHUNK", 2)
    chunks = list(open_store(store_root).dump("jsonld"))
    assert len(chunks) > 3
    dataset = parse_dataset(b"".join(chunks), "jsonld")
    for name in (ARTICLE_GRAPH, REFERENCE_GRAPH, INFERRED_GRAPH):
        assert_isomorphic(dataset.graph(name), named_graph(sample_quads(), name))
