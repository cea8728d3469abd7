"""Where the knowledge graph lives once built, behind one interface.

Two kinds, chosen by the `store` setting alone: a folder is the embedded store
(pyoxigraph; `publish()` writes a new version atomically, `open_store()` opens
the published one read-only, `StoreHandle` follows new versions), an http(s)
URL an external SPARQL 1.1 store (store.remote). Callers go through the
functions below and the `Store`/`Target` protocols, and never need to know
which kind they have. This package never imports Flask.
"""

from __future__ import annotations

from spacekg.config import Settings
from spacekg.store.base import Change, Handle, Quad, QueryResult, Store, Target, Triple
from spacekg.store.builds import current_version
from spacekg.store.embedded import open_store
from spacekg.store.formats import DUMP_FORMATS, Format, QueryKind, formats_for
from spacekg.store.handle import StoreHandle
from spacekg.store.publish import EmbeddedTarget, publish
from spacekg.store.runners import InlineRunner, QueryRunner, WorkerRunner

# The remote modules are imported only when a remote store is configured: the
# embedded path (and each query worker process) does without SPARQLWrapper.


def open_target(settings: Settings) -> Target:
    """Where builds and ingests publish, as `settings.store` says."""
    if isinstance(settings.store, str):
        from spacekg.store.remote_http import RemoteConfig
        from spacekg.store.remote_target import RemoteTarget

        return RemoteTarget(RemoteConfig.from_settings(settings))
    return EmbeddedTarget(settings.store)


def open_published(settings: Settings) -> Store:
    """The version published in the store `settings.store` names, read-only.
    Raises StoreError when nothing is published there."""
    if isinstance(settings.store, str):
        from spacekg.store.remote import open_remote
        from spacekg.store.remote_http import RemoteConfig

        return open_remote(RemoteConfig.from_settings(settings))
    return open_store(settings.store)


def published_version(settings: Settings) -> str | None:
    """The version published in the store `settings.store` names, or None. Cheap."""
    if isinstance(settings.store, str):
        from spacekg.store.remote import Reader
        from spacekg.store.remote_http import RemoteConfig

        return Reader(RemoteConfig.from_settings(settings)).version()
    return current_version(settings.store)


def store_handle(settings: Settings) -> Handle:
    """What a long-running server reads through: each get() the version published now."""
    if isinstance(settings.store, str):
        from spacekg.store.remote import RemoteHandle
        from spacekg.store.remote_http import RemoteConfig

        return RemoteHandle(RemoteConfig.from_settings(settings))
    return StoreHandle(settings.store)


def query_runner(settings: Settings) -> QueryRunner:
    """Who runs clients' queries: worker processes (embedded), or this process (remote)."""
    if isinstance(settings.store, str):
        return InlineRunner()
    return WorkerRunner(
        settings.store, settings.query_workers, settings.query_memory_mb, settings.query_timeout
    )


__all__ = [
    "DUMP_FORMATS",
    "Change",
    "EmbeddedTarget",
    "Format",
    "Handle",
    "Quad",
    "QueryKind",
    "QueryResult",
    "QueryRunner",
    "Store",
    "StoreHandle",
    "Target",
    "Triple",
    "current_version",
    "formats_for",
    "open_published",
    "open_store",
    "open_target",
    "publish",
    "published_version",
    "query_runner",
    "store_handle",
]
