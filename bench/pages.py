"""Page figures: the HTML pages people open, under the same load as the SPARQL mix.

Four pages, chosen from the published graph itself: the home page; the
entity with the most incoming links (at 10,000 articles, thousands: the
page that must stay fast however popular its subject); a typical entity (the
median number of incoming links); and an article page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import load
from bench.sparql import Timing
from spacekg.store import open_store
from spacekg.vocab import SKG, Iris


def choose_pages(store_root: Path, iris: Iris | None = None) -> dict[str, dict[str, Any]]:
    """Name -> {path, slug, incoming} for the four pages measured."""
    iris = iris or Iris()
    prefix = iris.resource_prefix
    store = open_store(store_root)
    counted = json.loads(
        store.query(
            f"""SELECT ?entity (COUNT(*) AS ?incoming) WHERE {{
              ?s ?p ?entity
              FILTER(isIRI(?entity) && STRSTARTS(STR(?entity), "{prefix}")
                     && !STRSTARTS(STR(?entity), "{prefix}article-"))
            }} GROUP BY ?entity ORDER BY DESC(?incoming) ?entity"""
        ).serialize("json")
    )["results"]["bindings"]
    article = json.loads(
        store.query(
            f"""SELECT ?article WHERE {{ ?article a <{SKG.Article}>
              FILTER(STRSTARTS(STR(?article), "{prefix}article-")) }}
            ORDER BY ?article LIMIT 1"""
        ).serialize("json")
    )["results"]["bindings"]

    def page(row: dict[str, Any], key: str) -> dict[str, Any]:
        slug = row[key]["value"][len(prefix) :]
        found = {"path": f"/resource/{slug}", "slug": slug}
        if "incoming" in row:
            found["incoming"] = int(row["incoming"]["value"])
        return found

    pages: dict[str, dict[str, Any]] = {"home": {"path": "/"}}
    if counted:
        pages["entity-hub"] = page(counted[0], "entity")
        pages["entity-typical"] = page(counted[len(counted) // 2], "entity")
    if article:
        pages["article"] = page(article[0], "article")
    return pages


def measure_pages(
    base_url: str, pages: dict[str, dict[str, Any]], levels: tuple[int, ...], timing: Timing
) -> dict[str, Any]:
    """Each page alone at each concurrency in `levels`: status, size, wrk's figures."""
    figures: dict[str, Any] = {}
    for name, page in pages.items():
        request = load.page_request(page["path"])
        probes = [load.probe(base_url, request) for _ in range(max(1, timing.warmup))]
        fastest = min(p.seconds for p in probes)
        entry: dict[str, Any] = {
            **page,
            "status": probes[-1].status,
            "bytes": probes[-1].size,
            "probe_ms": round(fastest * 1000, 3),
        }
        figures[name] = entry
        if probes[-1].status != 200:
            continue
        for connections in levels:
            seconds = load.duration_for(
                fastest, connections, timing.base, timing.most, timing.least
            )
            entry[f"c{connections}"] = load.run(base_url, [request], connections, seconds)
    return figures
