"""Answers to SPARQL queries, kept for the published version they came from.

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

On an external store the version changes when spacekg writes (build,
ingest); a store that others write to directly should run with the cache
off (`result_cache_mb = 0`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from spacekg.store.workers import Outcome

__all__ = ["ResultCache", "Stats"]

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


class ResultCache:
    """Query answers by request key (an ETag), for one published version at a time.

    Thread-safe: the web service's threads share one cache.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Outcome] = OrderedDict()
        self._bytes = 0
        self._version = ""
        self._hits = 0
        self._misses = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: str) -> Outcome | None:
        """The answer kept under `key`, or None."""
        if not self.enabled:
            return None
        with self._lock:
            outcome = self._entries.get(key)
            if outcome is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return outcome

    def put(self, key: str, version: str, outcome: Outcome) -> None:
        """Keep `outcome`, the answer for `key` computed on `version`."""
        size = _size(outcome)
        if not self.enabled or outcome.data is None or size > self.max_bytes // LARGEST_SHARE:
            return
        with self._lock:
            if version != self._version:
                # Answers for another version are never asked for again (keys
                # include the version): let them all go now.
                self._entries.clear()
                self._bytes = 0
                self._version = version
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= _size(old)
            self._entries[key] = outcome
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= _size(evicted)

    def stats(self) -> Stats:
        with self._lock:
            return Stats(len(self._entries), self._bytes, self.max_bytes, self._hits, self._misses)


def _size(outcome: Outcome) -> int:
    # The answer's bytes dominate; a little for the key and the object itself.
    return len(outcome.data or b"") + 200
