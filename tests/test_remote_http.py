"""Connections to an external store: queries share kept-alive connections, and
nothing is ever read from a connection in the wrong state.

A loopback HTTP/1.1 server stands in for the store where the test needs the
server to misbehave on cue (close an idle connection, drop a request); each
connection it accepts is counted. The real stores run the same code in
test_remote_store.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from spacekg.errors import StoreError
from spacekg.store.remote import Reader
from spacekg.store.remote_http import IDLE_CONNECTIONS, Connection, RemoteConfig
from tests.stores import StoreUnderTest, remote_store

__all__ = ["remote_store"]

ASK = "ASK { ?s ?p ?o }"


@dataclass
class Store:
    """What the loopback store saw, and how it is to behave."""

    url: str
    #: "name:port", as the idle connections are counted by.
    host: str
    #: Connections accepted, and requests read on each.
    requests: list[int] = field(default_factory=list)
    #: Rows in each SELECT answer (a big answer is not read to its end by a small read).
    rows: int = 1
    #: Close each connection after its first answer, without saying so.
    close_after_answer: bool = False
    #: Read the request with this number on a connection (1: the first) and each
    #: after it, then close the connection without answering (0: never).
    drop_from_request: int = 0

    def answer(self, query: str) -> bytes:
        if query.lstrip().upper().startswith("ASK"):
            return json.dumps({"head": {}, "boolean": True}).encode()
        bindings = [{"n": {"type": "literal", "value": str(i)}} for i in range(self.rows)]
        return json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": bindings}}).encode()


@pytest.fixture
def store() -> Iterator[Store]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    host = f"127.0.0.1:{server.server_address[1]}"
    seen = Store(f"http://{host}/sparql", host)
    server.seen = seen  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield seen
    server.shutdown()
    server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections stay open unless a side says otherwise

    def setup(self) -> None:
        super().setup()
        self.seen: Store = self.server.seen  # type: ignore[attr-defined]
        self.index = len(self.seen.requests)
        self.seen.requests.append(0)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.requests[self.index] += 1
        if 0 < self.seen.drop_from_request <= self.seen.requests[self.index]:
            self.close_connection = True
            return
        form = parse_qs(body.decode())
        text = form["query"][0] if "query" in form else body.decode()
        data = self.seen.answer(text) if "query" in form else b""
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if self.seen.close_after_answer:
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


def reader(store: Store) -> Reader:
    return Reader(RemoteConfig(query_url=store.url, query_timeout=5.0, timeout=5.0))


def count_rows(reader: Reader) -> int:
    return len(reader.rows("SELECT ?n WHERE { ?n ?p ?o }"))


def test_queries_share_one_kept_alive_connection(store: Store) -> None:
    ours = reader(store)
    for _ in range(5):
        assert count_rows(ours) == 1
        assert ours.query(ASK).serialize("json") == b'{"head":{},"boolean":true}'
    assert store.requests == [10]
    assert ours.connection.idle.count(store.host) == 1


def test_readers_share_the_idle_connections_of_their_process(store: Store) -> None:
    readers = [reader(store) for _ in range(10)]
    for ours in readers * 2:
        assert count_rows(ours) == 1
    assert store.requests == [20]  # one connection, whichever reader asked
    assert IDLE_CONNECTIONS >= readers[0].connection.idle.count(store.host) == 1


def test_a_connection_idle_too_long_is_closed_not_used(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = reader(store)
    assert count_rows(ours) == 1
    monkeypatch.setattr(ours.connection.idle, "_max_idle", 0.0)
    assert count_rows(ours) == 1
    assert store.requests == [1, 1]


def test_an_answer_left_unread_takes_its_connection_with_it(store: Store) -> None:
    store.rows = 50_000  # far more than one read takes
    ours = reader(store)
    answer = ours.connection.query("SELECT ?n WHERE { ?n ?p ?o }", accept="*/*", timeout=5)
    answer.read(100)
    answer.close()  # the rest of the answer is still on the wire
    assert ours.connection.idle.count(store.host) == 0
    assert count_rows(ours) == 50_000  # a new connection, read from its start
    assert store.requests == [1, 1]


def test_a_connection_the_store_closed_while_idle_is_not_used(store: Store) -> None:
    store.close_after_answer = True
    ours = reader(store)
    for _ in range(3):
        assert count_rows(ours) == 1
    assert store.requests == [1, 1, 1]


def test_a_query_dropped_on_a_reused_connection_is_sent_again_on_a_new_one(
    store: Store,
) -> None:
    store.drop_from_request = 2  # looks open when taken, fails once used
    ours = reader(store)
    assert count_rows(ours) == 1
    assert count_rows(ours) == 1
    assert store.requests == [2, 1]


def test_updates_are_never_sent_twice(store: Store) -> None:
    store.drop_from_request = 2
    connection = Connection(RemoteConfig(query_url=store.url, timeout=5.0))
    connection.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    connection.update("INSERT DATA { <urn:a> <urn:b> <urn:d> }")
    assert store.requests == [1, 1]  # a connection of its own each, none kept
    assert connection.idle.count(store.host) == 0


def test_a_store_that_drops_every_query_fails_it_once_with_the_reason(store: Store) -> None:
    ours = reader(store)
    assert count_rows(ours) == 1
    store.drop_from_request = 1  # the kept connection fails, and so does a new one
    with pytest.raises(StoreError, match="Remote end closed connection"):
        count_rows(ours)
    assert store.requests == [2, 1]  # sent again once, on a new connection, and no more


def test_queries_on_real_stores_reuse_their_connection(remote_store: StoreUnderTest) -> None:
    remote_store.publish()
    store = remote_store.open()
    for _ in range(3):
        assert store.query(ASK).serialize("json").endswith(b"true}")
    connection = store._reader.connection  # type: ignore[attr-defined]
    assert connection.idle.count(urlsplit(connection.config.query_url).netloc) == 1
