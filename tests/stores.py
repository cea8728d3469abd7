"""The same tests on every kind of store: the embedded one, a real Oxigraph server, and
Virtuoso where it is installed.

`STORE_KINDS` parametrizes a fixture; `store_under_test(kind)` gives a
`StoreUnderTest`: settings that point spacekg at that store (nothing else
differs, as in production), and helpers that publish and read through the
same functions the CLI and the web app use. Servers are started once per test
session (conftest's `oxigraph_endpoint`, `virtuoso_endpoint`) and emptied before
each test.

Import the fixtures into a test module (`from tests.stores import any_store`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bench.engines import Endpoint, spacekg_settings

from spacekg.config import Settings, load_settings
from spacekg.store import Quad, Store, open_published, open_target, published_version
from spacekg.store.remote import STORE
from spacekg.store.remote_http import Connection, RemoteConfig
from tests.conftest import IRIS, LiveServer, sample_quads

STORE_KINDS = ("embedded", "oxigraph", "virtuoso")
REMOTE_KINDS = ("oxigraph", "virtuoso")
#: Where spacekg keeps the union on Virtuoso, whose own default graph is every
#: graph it holds (its system graphs too), a triple once per graph.
VIRTUOSO_UNION_GRAPH = STORE + "union"


def remote_settings(endpoint: Endpoint) -> dict[str, Any]:
    """The settings that point spacekg at `endpoint`: what the README tells a user."""
    return dict(spacekg_settings(endpoint, VIRTUOSO_UNION_GRAPH))


@dataclass
class StoreUnderTest:
    """One store, as spacekg sees it through its settings."""

    kind: str
    overrides: dict[str, Any]
    endpoint: Endpoint | None = None

    @property
    def remote(self) -> bool:
        return self.endpoint is not None

    def settings(self, **overrides: Any) -> Settings:
        """Settings for this store plus `overrides`, ignoring SPACEKG_* variables."""
        return load_settings({**self.overrides, **overrides}, environ={})

    def publish(
        self, quads: Iterable[Quad] | None = None, metadata: dict[str, str] | None = None
    ) -> str:
        """Publish `quads` (default: sample_quads()) through open_target()."""
        target = open_target(self.settings())
        quads = sample_quads() if quads is None else quads
        return target.publish(quads, metadata={"base": IRIS.base} if metadata is None else metadata)

    def open(self) -> Store:
        return open_published(self.settings())

    def version(self) -> str | None:
        return published_version(self.settings())


def empty_store(endpoint: Endpoint, overrides: dict[str, Any]) -> None:
    """Drop every graph but the engine's own, and the default graph's content."""
    config = RemoteConfig.from_settings(load_settings(overrides, environ={}))
    connection = Connection(config)
    from spacekg.store.remote import Reader

    graphs = [
        str(row[0].value)
        for row in Reader(config, connection).rows(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        )
    ]
    operations = [f"DROP SILENT GRAPH <{g}>" for g in graphs if g not in endpoint.system_graphs]
    if config.default_graph == "write":
        operations.append("CLEAR SILENT DEFAULT")
    if operations:
        connection.update(" ;\n".join(operations))


def store_under_test(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    """An empty store of `kind` (skipped, with the reason, where it cannot run)."""
    if kind == "embedded":
        return StoreUnderTest(kind, {"store": tmp_path / "store"})
    endpoint, overrides = emptied(kind, request)
    return StoreUnderTest(kind, overrides, endpoint)


def emptied(kind: str, request: pytest.FixtureRequest) -> tuple[Endpoint, dict[str, Any]]:
    """The running server of remote `kind`, emptied, and the settings naming it."""
    endpoint: Endpoint = request.getfixturevalue(f"{kind}_endpoint")
    overrides = remote_settings(endpoint)
    empty_store(endpoint, overrides)
    return endpoint, overrides


@pytest.fixture(params=STORE_KINDS)
def empty_any_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    """An empty store of each kind."""
    return store_under_test(request.param, request, tmp_path)


@pytest.fixture(params=STORE_KINDS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    """A store of each kind with sample_quads() published."""
    store = store_under_test(request.param, request, tmp_path)
    store.publish()
    return store


@pytest.fixture(params=REMOTE_KINDS)
def remote_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreUnderTest:
    """An empty remote store of each kind."""
    return store_under_test(request.param, request, tmp_path)


def serve_store(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    serve: Callable[[Any], str],
    quads: Iterable[Quad],
    **overrides: Any,
) -> LiveServer:
    """The spacekg app over a store of `kind` holding `quads`, on a loopback port.

    On a remote store the app checks the published version on every request
    (not once a second), so a test sees a new version at once.
    """
    from spacekg.store import remote
    from spacekg.web import create_app

    store = store_under_test(kind, request, tmp_path)
    store.publish(quads)
    if store.remote:
        request.getfixturevalue("monkeypatch").setattr(remote, "VERSION_TTL", 0.0)
    settings = store.settings(**overrides)
    return LiveServer(serve(create_app(settings)), tmp_path / "store", settings)
