"""Where the knowledge graph lives once built, behind one interface.

`publish()` writes a new version atomically; `open_store()` opens the
published one read-only; `StoreHandle` follows new versions from a
long-running server. Callers use the `Store` protocol, so a remote SPARQL
store can stand in for the embedded one. This package never imports Flask.
"""

from __future__ import annotations

from spacekg.config import Settings
from spacekg.store.base import Change, Quad, QueryResult, Store, Target, Triple
from spacekg.store.builds import current_version
from spacekg.store.embedded import open_store
from spacekg.store.formats import DUMP_FORMATS, Format, QueryKind, formats_for
from spacekg.store.handle import StoreHandle
from spacekg.store.publish import EmbeddedTarget, publish


def open_target(settings: Settings) -> Target:
    """Where builds and ingests publish, as `settings.store` says."""
    return EmbeddedTarget(settings.store)


__all__ = [
    "DUMP_FORMATS",
    "Change",
    "EmbeddedTarget",
    "Format",
    "Quad",
    "QueryKind",
    "QueryResult",
    "Store",
    "StoreHandle",
    "Target",
    "Triple",
    "current_version",
    "formats_for",
    "open_store",
    "open_target",
    "publish",
]
