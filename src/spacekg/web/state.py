"""What the web layer keeps per app, and how a request reaches it.

Settings are read once, when the app is created, never inside a handler. The
store is looked up once per request (see store_handle()), so every query a
request runs sees the same version: the same build on the embedded store; on
a remote store the same version number (its data is the store's live data).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from spacekg.config import Settings
from spacekg.store import Handle, QueryRunner, Store
from spacekg.web.result_cache import Page, ResultCache, VersionedCache

_KEY = "spacekg"


@dataclass(frozen=True)
class AppState:
    settings: Settings
    stores: Handle
    #: Runs clients' queries: worker processes (embedded store) or the remote store.
    runner: QueryRunner
    #: Answers to repeated /sparql queries, for the published version.
    results: ResultCache
    #: Rendered pages (web.page_cache), for the published version.
    pages: VersionedCache[Page]


def app_state() -> AppState:
    """The state create_app() attached to the current app."""
    state: AppState = current_app.extensions[_KEY]
    return state


def attach(app_extensions: dict[str, object], state: AppState) -> None:
    app_extensions[_KEY] = state


def current_store() -> Store:
    """The published store, the same one for the whole request. Raises StoreError."""
    if "spacekg_store" not in g:
        g.spacekg_store = app_state().stores.get()
    store: Store = g.spacekg_store
    return store
