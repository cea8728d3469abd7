"""What the web layer adds to a query: /sparql against the store itself.

Run: `.venv/bin/python -m bench.sparql_latency [--store var/store] [--repeat 500]`
(after `spacekg build`). Times one simple SELECT three ways, median of
`--repeat` runs each: on the store directly (query + JSON serialization, in
this process); through the worker pool (store.workers, as /sparql runs it);
and over HTTP through the real app under waitress on a loopback port.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import waitress

from spacekg.config import load_settings
from spacekg.store import current_version, open_store
from spacekg.store.formats import QueryKind
from spacekg.store.workers import Job, shared_pool
from spacekg.web import create_app

QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s WHERE { ?s rdfs:label "European Space Agency"@en }"""


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    for _ in range(10):  # warm up: caches, the worker, the connection
        run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    root = args.store.resolve()
    settings = load_settings({"store": root})

    store = open_store(root)
    direct = _median_ms(lambda: store.query(QUERY).serialize("json"), args.repeat)

    version = current_version(root)
    assert version is not None
    job = Job(str(root), version, QUERY, formats=((QueryKind.SELECT, "json"),))
    pool = shared_pool(settings.query_workers)
    pooled = _median_ms(lambda: pool.run(job, 30), args.repeat)

    server = waitress.create_server(create_app(settings), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/sparql?{urlencode({'query': QUERY})}"

    def over_http() -> None:
        with urllib.request.urlopen(url) as response:
            response.read()

    http = _median_ms(over_http, args.repeat)
    print(f"simple SELECT, median of {args.repeat} runs:")
    print(f"  store directly      {direct:7.3f} ms")
    print(f"  worker pool         {pooled:7.3f} ms  (+{pooled - direct:.3f} ms)")
    print(f"  HTTP /sparql        {http:7.3f} ms  (+{http - direct:.3f} ms over the store)")


if __name__ == "__main__":
    main()
