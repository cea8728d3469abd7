"""Peak memory of the web server while it streams the full dump, at two graph sizes.

    .venv/bin/python -m bench.dump_memory [--quads 400000]

Publishes synthetic stores of N and 2N quads (over 20 graphs, a fifth of them
in the inferred graph), serves each with the real app under waitress in a
child process, downloads /dump.ttl, /dump.nq and /dump.jsonld (plain and
gzipped) and /dump-asserted.ttl, and reports the server's resident memory
before and at its peak (VmHWM). Streaming keeps the peak flat: it should not
grow with N.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from rdflib import Literal, URIRef

from spacekg.store import publish

SERVER = """
import sys, waitress
from spacekg.config import load_settings
from spacekg.web import create_app
app = create_app(load_settings({"store": sys.argv[1]}, environ={}))
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=4)
"""
BASE = "https://w3id.org/spacekg/"
DUMPS = ["/dump.ttl", "/dump.nq", "/dump.jsonld", "/dump-asserted.ttl"]


def quads(n: int) -> Iterator[tuple[URIRef, URIRef, Literal | URIRef, URIRef]]:
    for i in range(n):
        graph = URIRef(BASE + ("graph/inferred" if i % 5 == 0 else f"graph/article-{i % 19}"))
        subject = URIRef(f"{BASE}resource/thing-{i // 10}")
        if i % 2:
            yield subject, URIRef(f"{BASE}ontology#p{i % 37}"), Literal(f"value {i} " * 4), graph
        else:
            yield subject, URIRef(f"{BASE}ontology#link{i % 11}"), URIRef(f"{BASE}r/{i}"), graph


def memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) // 1024  # MiB
    return fields


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        started = time.perf_counter()
        publish(root, quads(n), metadata={"base": BASE})
        print(f"{n:,} quads published in {time.perf_counter() - started:.1f}s")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)])
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/health", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.1)
            idle = memory(server.pid)["VmRSS"]
            for path in DUMPS:
                for encoding in ("identity", "gzip"):
                    request = urllib.request.Request(
                        url + path, headers={"Accept-Encoding": encoding}
                    )
                    size, began = 0, time.perf_counter()
                    with urllib.request.urlopen(request, timeout=600) as response:
                        while chunk := response.read(1 << 20):
                            size += len(chunk)
                    took = time.perf_counter() - began
                    now = memory(server.pid)
                    print(
                        f"  {path:20} {encoding:8} {size / 1e6:8.1f} MB in {took:5.1f}s  "
                        f"server RSS idle {idle} MiB, peak so far {now['VmHWM']} MiB"
                    )
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quads", type=int, default=400_000)
    args = parser.parse_args()
    for n in (args.quads, 2 * args.quads):
        measure(n)


if __name__ == "__main__":
    main()
