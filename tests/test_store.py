"""What only the embedded store does: builds kept on disk and swapped atomically,
query refusals, and formats written by its own code.

The contract every store meets (publication records, the union default graph,
dataset parameters, every result format parsing back) runs on each kind of
store in tests/test_remote_store.py.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, XSD
from rdflib.query import Result, ResultRow

from spacekg.errors import QueryError, StoreError
from spacekg.store import StoreHandle, open_store, publish
from spacekg.store.builds import BUILDS, current_version
from spacekg.store.formats import RESULT_FORMATS, Format
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
def test_ask_results_parse_back_in_every_format(store_root: Path, fmt: Format) -> None:
    data = open_store(store_root).query(f"ASK {{ <{ESA}> ?p ?o }}").serialize(fmt.name)
    if fmt.name in {"csv", "tsv"}:  # rdflib reads no boolean CSV/TSV; the spec leaves it open
        assert data.strip().lower().endswith(b"true")
        return
    assert Result.parse(io.BytesIO(data), format=RDFLIB_NAMES[fmt.name]).askAnswer is True


#: Terms that a line-based format must escape, and a blank node.
AWKWARD = [
    (BNode("b1"), RDFS.comment, Literal('two\nlines\tand "quotes" \\ é 🚀', lang="en")),
    (BNode("b1"), RDFS.label, Literal("Роскосмос", lang="ru")),
    (ESA, URIRef("https://example.org/founded"), Literal("1975-05-30", datatype=XSD.date)),
    (ESA, RDFS.label, Literal("")),
    (ROSCOSMOS, RDFS.seeAlso, BNode("b1")),
]
ALL_SOLUTIONS = (
    "SELECT ?s ?p ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <x:none> ?none } } ORDER BY ?s ?p ?o"
)


def _rows(data: bytes, fmt: str) -> list[object]:
    if fmt == "csv":  # plain strings: the format keeps no term types
        return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
    engine = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}
    parsed = ox.parse_query_results(data, engine.get(fmt, ox.QueryResultsFormat.TSV))
    return [tuple(solution) for solution in parsed]


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda fmt: fmt.name)
def test_a_limited_answer_is_the_first_solutions_of_the_whole(tmp_path: Path, fmt: Format) -> None:
    publish(tmp_path, [(*triple, ARTICLE_GRAPH) for triple in AWKWARD], metadata={})
    store = open_store(tmp_path)
    whole = _rows(store.query(ALL_SOLUTIONS).serialize(fmt.name), fmt.name)
    assert len(whole) == len(AWKWARD)
    for limit in (0, 1, len(whole) - 1, len(whole), len(whole) + 1):
        result = store.query(ALL_SOLUTIONS)
        assert _rows(result.serialize(fmt.name, limit=limit), fmt.name) == whole[:limit]
        assert result.truncated == (limit < len(whole)), limit


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_a_limited_graph_answer_holds_that_many_of_its_triples(tmp_path: Path, fmt: str) -> None:
    publish(tmp_path, [(*triple, ARTICLE_GRAPH) for triple in AWKWARD], metadata={})
    store = open_store(tmp_path)
    whole = parse_graph_data(store.query("CONSTRUCT WHERE { ?s ?p ?o }").serialize(fmt), fmt)
    assert len(whole) == len(AWKWARD)
    for limit in (0, 1, len(whole), len(whole) + 1):
        result = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
        part = parse_graph_data(result.serialize(fmt, limit=limit), fmt)
        assert len(part) == min(limit, len(whole)) and part <= whole, limit
        assert result.truncated == (limit < len(whole)), limit


def parse_graph_data(data: bytes, fmt: str) -> set[ox.Triple]:
    engine = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
    return {quad.triple for quad in ox.parse(data, engine.get(fmt, ox.RdfFormat.JSON_LD))}


def test_a_format_that_does_not_suit_the_result_is_refused(store_root: Path) -> None:
    with pytest.raises(QueryError, match="cannot be written as 'ttl'"):
        open_store(store_root).query(AGENCIES).serialize("ttl")


def test_the_store_never_imports_flask() -> None:
    """The core must stay usable without the web layer (STYLE: dependencies point one way)."""
    code = "import sys, spacekg.store; assert 'flask' not in sys.modules, 'flask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


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
