"""Who runs a client's SPARQL query: a worker process, or the remote store itself.

On the embedded store a query runs in the engine, in our process's memory, and
cannot be cancelled: so it runs in a killable worker process (store.workers)
under the time and memory limits. On a remote store the engine is elsewhere:
the query runs right here, as an HTTP request whose answer is read within the
time limit and the size limit (store.remote), and no worker is needed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

from spacekg.store.base import Store
from spacekg.store.workers import Job, Outcome, answer, shared_pool


class QueryRunner(Protocol):
    def run(self, store: Store, job: Job) -> Outcome:
        """Answer `job` from `store` under the endpoint's limits. Raises QueryError,
        QueryLimitError, StoreError."""
        ...

    def warm_up(self) -> None:
        """Get ready for the first query (start a worker), without waiting."""
        ...


class WorkerRunner:
    """Queries on the embedded store at `root`, in the shared pool of worker processes."""

    def __init__(self, root: Path, workers: int, memory_mb: int, timeout: float) -> None:
        self.root = str(root.resolve())
        self._workers = workers
        self._memory_mb = memory_mb
        self._timeout = timeout

    def run(self, store: Store, job: Job) -> Outcome:
        pool = shared_pool(self._workers, self._memory_mb)
        return pool.run(replace(job, root=self.root, version=store.version), self._timeout)

    def warm_up(self) -> None:
        shared_pool(self._workers, self._memory_mb).warm_up()


class InlineRunner:
    """Queries on a remote store, sent from this process (its store bounds them)."""

    def run(self, store: Store, job: Job) -> Outcome:
        return answer(store, job)

    def warm_up(self) -> None:
        pass
