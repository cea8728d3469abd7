"""`spacekg serve` for real: the command in a subprocess, on a free loopback port,
serving a small published store; its limits as waitress enforces them, before the
app sees a request; and a clean stop on SIGINT."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode

import pytest

from spacekg.build import inputs_fingerprint
from spacekg.store import publish
from spacekg.web import MAX_REQUEST_BYTES
from tests.conftest import IRIS, sample_quads, sample_settings
from tests.test_cli import clean_env

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
FIFTY_MB = 50_000_000


@dataclass(frozen=True)
class Served:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(served: Served, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"spacekg serve exited early:\n{served.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{served.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"spacekg serve did not answer /health in {seconds} s:\n{served.log.read_text()}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """`spacekg serve` over sample_quads(), its build up to date with an empty data folder
    (so serve does not rebuild), stopped with SIGINT at the end."""
    data, root = tmp_path / "data", tmp_path / "store"
    data.mkdir()
    settings = sample_settings(root, data=data, ontology=ONTOLOGY_DIR)
    publish(
        root, sample_quads(), metadata={"base": IRIS.base, "inputs": inputs_fingerprint(settings)}
    )
    port = free_port()
    log = tmp_path / "serve.log"
    # A child inherits an ignored SIGINT across exec (the shell ignores it for a
    # background job, as in `make test &`), and Python then never raises
    # KeyboardInterrupt: give the child the default by handling it here.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "spacekg", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--store", str(root), "--data", str(data)],
            env=clean_env(SPACEKG_ONTOLOGY=str(ONTOLOGY_DIR)),
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Served(f"http://127.0.0.1:{port}", port, process, log)
    try:
        wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_answers_queries_and_stops_cleanly_on_sigint(served: Served) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    url = f"{served.url}/sparql?{urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        rows = json.load(answer)["results"]["bindings"]
    assert rows[0]["n"]["value"] == "10"
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=15) == 0
    assert f"SPARQL endpoint at {served.url}/sparql" in served.log.read_text()


def test_a_fifty_megabyte_body_is_refused_before_it_is_read(served: Served) -> None:
    """waitress answers 413 on the Content-Length alone: the client has sent a few
    kilobytes of its 50 MB when the refusal arrives, and the server reads no more."""
    head = (
        "POST /sparql HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{served.port}\r\n"
        "Content-Type: application/sparql-query\r\n"
        f"Content-Length: {FIFTY_MB}\r\n"
        "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as client:
        client.sendall(head + b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 4096)
        # Without a limit of its own, waitress would wait here for the other 49.99 MB.
        answer = b""
        while chunk := client.recv(65536):  # waitress closes the connection after an error
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer[:300]
    assert f"exceeds max_body of {MAX_REQUEST_BYTES}".encode() in rest
    # The server is still there for the next client.
    with urllib.request.urlopen(f"{served.url}/health", timeout=10) as health:
        assert health.status == 200
