"""SPARQL figures: the query mix through one endpoint, query by query and as a mix.

`measure_endpoint` sends each query of the mix once or more with urllib
(checking it answers 200, counting its results, warming caches), then loads
the endpoint with wrk: each query alone at every concurrency level, then the
whole mix (connections cycling through the queries). The same function
measures spacekg's /sparql and the raw engines, so the figures compare.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph

from bench import load
from bench.mix import Query


@dataclass(frozen=True)
class Timing:
    """How long each wrk run lasts: `base` seconds, longer for slow requests so that
    about `least` complete, but never more than `most`; `warmup` probes first."""

    base: int = 5
    most: int = 60
    least: int = 50
    warmup: int = 3


def split_url(url: str) -> tuple[str, str]:
    """`http://host:port/path?q` as (`http://host:port`, `/path?q`)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    return f"{parts.scheme}://{parts.netloc}", path + (f"?{parts.query}" if parts.query else "")


def count_results(query: Query, body: bytes) -> int | None:
    """Solutions of a SELECT (SPARQL JSON) or triples of a DESCRIBE (Turtle); None if unreadable."""
    try:
        if query.form == "select":
            return len(json.loads(body)["results"]["bindings"])
        return sum(1 for _ in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))
    except (ValueError, KeyError, SyntaxError):
        return None


def measure_endpoint(
    query_url: str,
    queries: list[Query],
    levels: tuple[int, ...],
    timing: Timing,
    parameters: Sequence[tuple[str, str]] = (),
    *,
    mix_only: bool = False,
) -> dict[str, Any]:
    """Every query alone and the mix, at each concurrency in `levels`, against `query_url`;
    `parameters` (a `default-graph-uri`, say) go with every query that reads no named graph.
    `mix_only`: each query is only probed (status, results), and only the mix is loaded."""
    base, path = split_url(query_url)
    figures: dict[str, Any] = {"url": query_url, "parameters": list(parameters)}
    figures.update({"queries": {}, "mix": {}})
    mix: list[load.Request] = []
    mix_seconds = 0.0
    for query in queries:
        request = load.sparql_request(
            path, query.text, query.accept, () if query.named_graphs else parameters
        )
        probes = [load.probe(base, request) for _ in range(max(1, timing.warmup))]
        fastest = min(p.seconds for p in probes)
        entry: dict[str, Any] = {
            "status": probes[-1].status,
            "bytes": probes[-1].size,
            "results": count_results(query, probes[-1].body) if probes[-1].status == 200 else None,
            "probe_ms": round(fastest * 1000, 3),
        }
        figures["queries"][query.name] = entry
        if probes[-1].status != 200:
            entry["error"] = probes[-1].body[:500].decode("utf-8", "replace")
            continue
        mix.append(request)
        mix_seconds += fastest
        for connections in () if mix_only else levels:
            seconds = load.duration_for(
                fastest, connections, timing.base, timing.most, timing.least
            )
            entry[f"c{connections}"] = load.run(base, [request], connections, seconds)
    for connections in levels if mix else ():
        seconds = load.duration_for(
            mix_seconds / len(mix), connections, timing.base, timing.most, timing.least
        )
        figures["mix"][f"c{connections}"] = load.run(base, mix, connections, seconds)
    return figures


def ratios(ours: dict[str, Any], theirs: dict[str, Any], levels: tuple[int, ...]) -> dict[str, Any]:
    """p50 (and p99) of `ours` over `theirs`, per query and for the mix, at each level.

    Above 1: ours is slower. None where either side has no figure. `rows` gives
    both sides' result counts.
    """

    def ratio(a: dict[str, Any] | None, b: dict[str, Any] | None, key: str) -> float | None:
        if not a or not b:
            return None
        x, y = a.get("latency_ms", {}).get(key), b.get("latency_ms", {}).get(key)
        return round(x / y, 2) if x and y else None

    result: dict[str, Any] = {"queries": {}, "mix": {}}
    for name, mine in ours["queries"].items():
        other = theirs["queries"].get(name, {})
        result["queries"][name] = {
            f"c{c}": {
                "p50": ratio(mine.get(f"c{c}"), other.get(f"c{c}"), "p50"),
                "p99": ratio(mine.get(f"c{c}"), other.get(f"c{c}"), "p99"),
            }
            for c in levels
        }
        # The same question should get the same answer; where the counts differ, the
        # engines did different work and the ratio compares unlike things.
        result["queries"][name]["rows"] = [mine.get("results"), other.get("results")]
    for c in levels:
        mine, other = ours["mix"].get(f"c{c}"), theirs["mix"].get(f"c{c}")
        result["mix"][f"c{c}"] = {
            "p50": ratio(mine, other, "p50"),
            "p99": ratio(mine, other, "p99"),
        }
    return result
