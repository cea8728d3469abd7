"""Shared, cached inputs for extraction tests: the real ontology and gazetteer."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from spacekg.build import load_graph, load_reference
from spacekg.extract import Gazetteer
from spacekg.vocab import Iris

ROOT = Path(__file__).parent.parent
ARTICLES = sorted((ROOT / "data" / "articles").glob("*.txt"))
IRIS = Iris()


@cache
def gazetteer() -> Gazetteer:
    ontology = load_graph(ROOT / "ontology" / "spacekg.ttl")
    return Gazetteer.from_graph(load_reference(ROOT / "data" / "reference", IRIS), ontology)
