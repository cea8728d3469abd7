"""The on-disk layout of a published store, and the operations that keep it consistent.

    <root>/
      builds/<version>/oxigraph/   the Oxigraph database of one build
      builds/<version>/meta.json   what that build recorded
      current -> builds/<version>  the published build (a relative symlink)
      .publish.lock                held while a build is being published

Readers only ever follow `current`; writers only ever create new build
directories and swap `current` atomically, so a reader sees either the old
graph or the new one, never a half-written one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BUILDS = "builds"
CURRENT = "current"
DATABASE = "oxigraph"
META = "meta.json"
_LOCK = ".publish.lock"

log = logging.getLogger(__name__)


def new_version(now: datetime | None = None) -> str:
    """A fresh version name: a UTC timestamp (to the microsecond, so names sort by
    age) and a random suffix (so two machines never pick the same name)."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(3)}"


def build_dir(root: Path, version: str) -> Path:
    return root / BUILDS / version


def current_version(root: Path) -> str | None:
    """The published version, or None when nothing has been published at `root`.

    A readlink, cheap enough to call on every request.
    """
    try:
        target = (root / CURRENT).readlink()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return target.name


def switch_current(root: Path, version: str) -> None:
    """Point `current` at `version` atomically: readers see the old or the new build."""
    temporary = root / f".{CURRENT}-{secrets.token_hex(4)}"
    # Relative, so the whole root can be moved or mounted elsewhere.
    temporary.symlink_to(Path(BUILDS) / version)
    try:
        temporary.replace(root / CURRENT)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(root)


def prune(root: Path, keep: Collection[str]) -> list[str]:
    """Delete every build but those in `keep`; return the versions deleted.

    Failing to delete is logged, not raised: the new build is already
    published, and the next publish will try again.
    """
    builds = root / BUILDS
    deleted = []
    for entry in sorted(builds.iterdir()) if builds.is_dir() else ():
        if entry.name in keep:
            continue
        try:
            shutil.rmtree(entry)
        except OSError as exc:
            log.warning("could not delete old build %s: %s", entry, exc)
        else:
            deleted.append(entry.name)
    return deleted


@contextmanager
def publish_lock(root: Path) -> Iterator[None]:
    """Hold the store's publish lock, so two builds never prune each other's work."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / _LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sync_directory(path: Path) -> None:
    # The rename is durable only once the directory entry itself reaches the disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
