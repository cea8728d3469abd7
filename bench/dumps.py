"""Dump figures: how fast the full dumps stream, and the server's memory while they do.

Run against a server started for this alone, so its memory before the first
dump is its idle memory and its peak is the dumps' doing. Each dump is read
to the end in 1 MiB chunks, uncompressed (`Accept-Encoding: identity`), while
the server's resident memory (its own, and with its query workers) is
sampled every 10 ms. Statements are counted as lines for N-Quads; for Turtle,
the union's triple count comes from the store.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.memory import Sampler, rss_mib
from spacekg.store import open_store

DUMPS = {"turtle": "/dump.ttl", "nquads": "/dump.nq"}
CHUNK = 1 << 20


def union_triples(store_root: Path) -> int:
    store = open_store(store_root)
    rows = json.loads(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").serialize("json"))[
        "results"
    ]["bindings"]
    return int(rows[0]["n"]["value"])


def measure_dumps(base_url: str, server_pid: int, store_root: Path) -> dict[str, Any]:
    """Stream each dump once; bytes, seconds, MB/s, statements/s and the server's memory."""
    figures: dict[str, Any] = {"idle_rss_mib": rss_mib(server_pid), "dumps": {}}
    triples = union_triples(store_root)
    for name, path in DUMPS.items():
        request = urllib.request.Request(base_url + path, headers={"Accept-Encoding": "identity"})
        size = lines = 0
        with Sampler(server_pid) as sampler:
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=3600) as response:
                status = int(response.status)
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            seconds = time.perf_counter() - started
        peak = sampler.peak()
        statements = lines if name == "nquads" else triples
        figures["dumps"][name] = {
            "path": path,
            "status": status,
            "bytes": size,
            "statements": statements,
            "seconds": round(seconds, 3),
            "mb_per_second": round(size / 1e6 / seconds, 2) if seconds else None,
            "statements_per_second": round(statements / seconds) if seconds else None,
            "peak_rss_mib": round(peak.rss, 1) if peak else None,
            "peak_rss_with_workers_mib": round(peak.tree, 1) if peak else None,
        }
    return figures
