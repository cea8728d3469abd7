"""Read back what the store wrote, with rdflib, and compare graphs readably."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from tests.conftest import Quad

#: rdflib's parser names for the formats spacekg writes.
RDFLIB_NAMES = {
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "ttl": "turtle",
    "nt": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nq": "nquads",
}


def parse_graph(data: bytes, fmt: str) -> Graph:
    """The triples of `data`, written in spacekg format `fmt`."""
    with _quiet_rdflib():
        return Graph().parse(data=data, format=RDFLIB_NAMES[fmt])


def parse_dataset(data: bytes, fmt: str) -> Dataset:
    """The named graphs of `data`, written in spacekg format `fmt`."""
    with _quiet_rdflib():
        return Dataset().parse(data=data, format=RDFLIB_NAMES[fmt])


def union_graph(quads: Iterable[Quad]) -> Graph:
    graph = Graph()
    for s, p, o, _ in quads:
        graph.add((s, p, o))
    return graph


def named_graph(quads: Iterable[Quad], name: URIRef) -> Graph:
    graph = Graph()
    for s, p, o, g in quads:
        if g == name:
            graph.add((s, p, o))
    return graph


def assert_isomorphic(actual: Graph, expected: Graph) -> None:
    """Fail with the triples only one side has, when the graphs differ."""
    if to_isomorphic(actual) != to_isomorphic(expected):
        _, only_actual, only_expected = graph_diff(actual, expected)
        pytest.fail(
            "graphs differ\nonly in actual:\n"
            + only_actual.serialize(format="nt")
            + "only in expected:\n"
            + only_expected.serialize(format="nt")
        )


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    # rdflib's own parsers use its deprecated ConjunctiveGraph API (Dataset.parse,
    # the JSON-LD parser) and warn about themselves; that is rdflib's business.
    # Only deprecations raised from rdflib's modules are silenced.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        yield
