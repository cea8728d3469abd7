"""Shared fixtures: a small published store, and the real app on a loopback port.

`store_root` publishes `sample_quads()` with the real publish(); `serve`
starts any WSGI app under waitress (the production server) on a free
loopback port; `live_server` is the spacekg app over `store_root`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import waitress
from bench.engines import Endpoint, available, oxigraph_server, virtuoso_server
from rdflib import RDF, RDFS, XSD, BNode, Literal, URIRef
from waitress import wasyncore

from spacekg.config import Settings, load_settings
from spacekg.store import publish
from spacekg.vocab import SKG, Iris

IRIS = Iris()
ESA = IRIS.resource("european-space-agency")
ROSCOSMOS = IRIS.resource("roscosmos")
EXOMARS = IRIS.resource("exomars-2022")
ARTICLE = IRIS.resource("article-sample")
ARTICLE_GRAPH = IRIS.article_graph("article-sample")
REFERENCE_GRAPH = IRIS.reference_graph
INFERRED_GRAPH = IRIS.inferred_graph

Quad = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal, URIRef]


def sample_quads() -> list[Quad]:
    """A few quads over three graphs. One triple (ESA is an Agency) sits in two
    graphs, so the union holds one triple fewer than the graphs together."""
    statement = BNode("statement1")
    return [
        (ESA, RDF.type, SKG.Agency, REFERENCE_GRAPH),
        (ESA, RDFS.label, Literal("European Space Agency", lang="en"), REFERENCE_GRAPH),
        (ROSCOSMOS, RDF.type, SKG.Agency, REFERENCE_GRAPH),
        (ROSCOSMOS, RDFS.label, Literal("Роскосмос", lang="ru"), REFERENCE_GRAPH),
        (ESA, RDF.type, SKG.Agency, ARTICLE_GRAPH),
        (ESA, SKG.participatesIn, EXOMARS, ARTICLE_GRAPH),
        (ARTICLE, SKG.datePublished, Literal("2022-03-17", datatype=XSD.date), ARTICLE_GRAPH),
        (statement, SKG.statedBy, ESA, ARTICLE_GRAPH),
        (statement, SKG.text, Literal('"We "suspend" it", ESA said.', lang="en"), ARTICLE_GRAPH),
        (statement, SKG.beginIndex, Literal(42), ARTICLE_GRAPH),
        (EXOMARS, SKG.hasParticipant, ESA, INFERRED_GRAPH),
    ]


def sample_settings(root: Path, **overrides: Any) -> Settings:
    """Settings for a test: defaults plus `overrides`, ignoring SPACEKG_* variables."""
    return load_settings({"store": root, **overrides}, environ={})


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    """A store root with sample_quads() published in it."""
    root = tmp_path / "store"
    publish(root, sample_quads(), metadata={"base": IRIS.base})
    return root


@dataclass(frozen=True)
class LiveServer:
    url: str  # no trailing slash: f"{server.url}/sparql"
    root: Path
    #: The settings the app serves (tests/stores.py); None: the embedded store at `root`.
    settings: Settings | None = None

    @property
    def store_settings(self) -> Settings:
        """Settings naming the store this server serves, whatever its kind."""
        return self.settings if self.settings is not None else sample_settings(self.root)


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Start WSGI apps under waitress on free loopback ports; returns each one's base URL.
    Every server started is stopped when the test ends."""
    running: list[tuple[threading.Event, threading.Thread]] = []

    def start(app: Any) -> str:
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        stop = threading.Event()
        thread = threading.Thread(
            target=_run_until, args=(server, stop), name="waitress", daemon=True
        )
        thread.start()
        running.append((stop, thread))
        return f"http://127.0.0.1:{server.effective_port}"

    yield start
    for stop, thread in running:
        stop.set()
        thread.join(timeout=20)


def _run_until(server: Any, stop: threading.Event) -> None:
    """waitress's server.run(), but ending when `stop` is set, and closing the server
    on its own thread: closing sockets from another thread races the loop's select(),
    and waking it through the trigger pipe needs that pipe still open ("Bad file
    descriptor" seen under load)."""
    try:
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)
    finally:
        # Let the worker threads finish first: a task completing a response pulls
        # the trigger, which close_all() closes.
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
        wasyncore.close_all(server._map)


@pytest.fixture
def live_server(store_root: Path, serve: Callable[[Any], str]) -> LiveServer:
    """The spacekg app, serving `store_root`, on a loopback port."""
    from spacekg.web import create_app

    return LiveServer(serve(create_app(sample_settings(store_root))), store_root)


# --- external SPARQL stores, one of each per test session (see tests/stores.py) ---


@pytest.fixture(scope="session")
def oxigraph_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """A real Oxigraph server (the `oxigraph` binary from PyPI) on a loopback port."""
    reason = available("oxigraph")
    if reason is not None:
        pytest.skip(reason)
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """Virtuoso (Debian's virtuoso-opensource) on loopback ports; skipped, with the
    reason, where it is not installed."""
    reason = available("virtuoso")
    if reason is not None:
        pytest.skip(reason)
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso"), buffer_mb=64) as endpoint:
        yield endpoint
