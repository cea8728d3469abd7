"""Answers to SPARQL queries and rendered pages, kept for the published version
they came from.

Public endpoints see the same queries again and again (a page's embedded
query, a dashboard polling, the examples on the query page). Each answer is
kept under the request's ETag, which is made from the published version and
everything else that shapes the answer (the query text, the dataset
parameters, the formats negotiated, the result limit, the SERVICE allowlist):
so an answer is only ever served for exactly the request and the data it was
computed for, and a new build or ingest makes every kept answer unreachable.
The cache then drops them all at once when the first answer for the new
version arrives.

It is bounded by the bytes of the answers it holds, least recently used
first out; an answer larger than an eighth of the bound is not kept, so one
big result never empties the cache of many small ones. Answers that hit a
limit (truncated) are kept like any other: they are what the endpoint
answers to that request.

Pages (`cached_page`) are kept the same way, under a key made from the
version, the URL asked (path and query string), the format negotiated from
Accept, the reader's languages and the mount point: everything a page
depends on. A popular entity page is then rendered once per version.

On an external store the version changes when spacekg writes (build,
ingest); a store that others write to directly should run with the cache
off (`result_cache_mb = 0`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from spacekg.store.workers import Outcome

__all__ = ["CACHE_HEADER", "Page", "ResultCache", "Stats", "VersionedCache"]

T = TypeVar("T")

#: The response header saying whether an answer came from a cache: "hit" or "miss".
CACHE_HEADER = "X-Cache"
#: An answer larger than this fraction of the bound is not kept.
LARGEST_SHARE = 8


@dataclass(frozen=True)
class Stats:
    """What the cache holds and how it has done since the process started."""

    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int


class VersionedCache(Generic[T]):
    """Values by key (an ETag-like digest), for one published version at a time,
    bounded by their total size in bytes, least recently used out first.

    Thread-safe: the web service's threads share one cache.
    """

    def __init__(self, max_bytes: int, size: Callable[[T], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._entries: OrderedDict[str, T] = OrderedDict()
        self._bytes = 0
        self._version = ""
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: str) -> T | None:
        """The value kept under `key`, or None."""
        if not self.enabled:
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return value

    def put(self, key: str, version: str, value: T) -> None:
        """Keep `value`, computed for `key` on the published `version`."""
        size = self._size(value) + _OVERHEAD
        if not self.enabled or size > self.max_bytes // LARGEST_SHARE:
            return
        with self._lock:
            if version != self._version:
                # Values for another version are never asked for again (keys
                # include the version): let them all go now.
                self._entries.clear()
                self._bytes = 0
                self._version = version
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= self._size(old) + _OVERHEAD
            self._entries[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= self._size(evicted) + _OVERHEAD

    def stats(self) -> Stats:
        with self._lock:
            return Stats(len(self._entries), self._bytes, self.max_bytes, self._hits, self._misses)


#: Bytes counted per entry beyond its data: the key and the objects around it.
_OVERHEAD = 200


class ResultCache(VersionedCache[Outcome]):
    """SPARQL answers by request key; answers without data (refusals) are not kept."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda outcome: len(outcome.data or b""))

    def put(self, key: str, version: str, value: Outcome) -> None:
        if value.data is not None:
            super().put(key, version, value)


@dataclass(frozen=True)
class Page:
    """A rendered answer: what it takes to send it again."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
