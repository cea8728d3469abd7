"""Why the embedded store is pyoxigraph: the same data and queries on rdflib and pyoxigraph.

Run: `.venv/bin/python -m bench.store_choice [--store var/store] [--repeat 20]`
(after `spacekg build`). Loads the published dataset into both engines, then
times loading, a set of queries this graph answers, and a Turtle dump, and
prints the medians and the ratio rdflib / pyoxigraph.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
from rdflib import Dataset

from spacekg.store import open_store

QUERIES = {
    "label lookup": """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?s WHERE { ?s rdfs:label "European Space Agency"@en }""",
    "who said what": """
        PREFIX skg: <https://w3id.org/spacekg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?name ?text ?date WHERE {
          ?s skg:statedBy ?who ; skg:text ?text ; skg:reportedIn ?a .
          ?a skg:datePublished ?date . ?who rdfs:label ?name }""",
    "agencies per mission": """
        PREFIX skg: <https://w3id.org/spacekg/ontology#>
        SELECT ?m (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a skg:participatesIn ?m } GROUP BY ?m""",
    "ask": "ASK { ?s ?p ?o }",
}


def _median(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    nquads = b"".join(open_store(args.store).dump("nq"))

    def load_rdflib() -> Dataset:
        dataset = Dataset(default_union=True)
        dataset.parse(data=nquads, format="nquads")
        return dataset

    def load_oxigraph() -> pyoxigraph.Store:
        store = pyoxigraph.Store()
        store.bulk_load(nquads, format=pyoxigraph.RdfFormat.N_QUADS)
        return store

    rows: list[tuple[str, float, float]] = []
    rows.append(("load", _median(load_rdflib, 3), _median(load_oxigraph, 3)))
    rdflib_ds, oxi = load_rdflib(), load_oxigraph()
    for name, query in QUERIES.items():

        def on_rdflib(q: str = query) -> object:
            return list(rdflib_ds.query(q))

        def on_oxigraph(q: str = query) -> object:
            result = oxi.query(q, use_default_graph_as_union=True)
            return bool(result) if isinstance(result, pyoxigraph.QueryBoolean) else list(result)

        rows.append((name, _median(on_rdflib, args.repeat), _median(on_oxigraph, args.repeat)))
    rows.append(
        (
            "turtle dump",
            _median(lambda: rdflib_ds.serialize(format="trig"), 3),
            _median(lambda: oxi.dump(format=pyoxigraph.RdfFormat.TRIG), 3),
        )
    )
    print(f"{len(nquads.splitlines()):,} quads from {args.store}")
    print(f"{'operation':<22}{'rdflib':>12}{'pyoxigraph':>12}{'ratio':>9}")
    for name, slow, fast in rows:
        print(f"{name:<22}{slow * 1000:>10.2f}ms{fast * 1000:>10.2f}ms{slow / fast:>8.0f}×")


if __name__ == "__main__":
    main()
