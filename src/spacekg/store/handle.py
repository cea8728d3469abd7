"""Follow the published build from a long-running process.

A web server opens the store once but must serve each new build as soon as it
is published. StoreHandle checks where `current` points on every get() (one
readlink) and reopens only when that changed. Requests already running keep
the store they started with: a build stays on disk until two newer ones exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from spacekg.store import builds
from spacekg.store.base import Store
from spacekg.store.embedded import no_build_error, open_build


class StoreHandle:
    """Hands out the currently published store under `root`, thread-safely."""

    def __init__(self, root: Path, opener: Callable[[Path, str], Store] = open_build) -> None:
        self.root = root
        self._open = opener
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        """The store of the build published now. Raises StoreError when there is none
        or it cannot be opened."""
        version = builds.current_version(self.root)
        if version is None:
            raise no_build_error(self.root)
        store = self._store
        if store is not None and store.version == version:
            return store
        with self._lock:  # one thread reopens; the others wait and share it
            if self._store is None or self._store.version != version:
                self._store = self._open(self.root, version)
            return self._store
