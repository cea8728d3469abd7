"""Run queries in worker processes, so a query that runs too long can be stopped.

pyoxigraph cannot cancel a running query, and a thread cannot be killed: a
query left running in a thread keeps a core busy until it ends, if it ever
does. So queries run in a small pool of worker processes, each holding the
published build open read-only (RocksDB allows any number of read-only
readers). The caller waits for the answer until its deadline; a worker that
misses it is killed (SIGKILL) and replaced by a fresh one on the next demand.
A timed-out query therefore never yields a partial answer, and never keeps
running after its caller has given up.

Each worker is a fresh interpreter (`python -m spacekg.store.workers`)
talking over a socket pair: no worker inherits the web server's threads,
locks or open stores (as a fork would), and none imports the server's main
module (as multiprocessing's spawn and forkserver do, which breaks apps run
from a script without a `__main__` guard). Starting one costs about 0.3 s,
so a killed worker is replaced in the background at once. Workers serve any
store root: the job names the build to read, and a worker reopens when a
newer build is published. A worker idle for `idle_seconds` exits by itself.

Each worker's address space is capped (RLIMIT_AS, `memory_mb`), so one query
cannot take the machine's memory. A query that reaches the cap fails an
allocation: in Python that is a MemoryError, in Oxigraph (Rust) an abort of
the whole worker. Either way the caller gets QueryMemoryError and the worker
is replaced; any other death of a worker remains a StoreError.
Pools are shared per process (`shared_pool`): they hold OS processes, as a
thread pool holds threads.

This module never imports Flask; jobs and outcomes are plain, picklable data.
"""

from __future__ import annotations

import atexit
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from spacekg.errors import QueryError, QueryMemoryError, QueryTimeoutError, StoreError
from spacekg.store.base import Store
from spacekg.store.embedded import OxigraphStore, open_build
from spacekg.store.formats import QueryKind

_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@dataclass(frozen=True)
class Job:
    """One query to run: which build, what to ask, and how to write the answer."""

    root: str
    version: str
    sparql: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    allowed_services: tuple[str, ...] = ()
    #: The format (short name) to write each kind of result in. A kind left out
    #: gets no serialization: the outcome then only says what kind it was.
    formats: tuple[tuple[QueryKind, str], ...] = ()
    #: At most this many solutions (or triples) are written.
    limit: int = 10_000
    #: Answer with a table (SPARQL JSON, parsed) and the labels of its IRIs instead of bytes.
    table: bool = False


@dataclass(frozen=True)
class Outcome:
    kind: QueryKind
    data: bytes | None = None
    format: str | None = None
    table: dict[str, Any] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    truncated: bool = False


def execute(job: Job, stores: dict[str, OxigraphStore] | None = None) -> Outcome:
    """Run `job` here, in this process (a worker calls this; so do benchmarks).

    `stores` caches the open build per root between calls.
    Raises QueryError and StoreError as OxigraphStore.query does.
    """
    stores = {} if stores is None else stores
    store = stores.get(job.root)
    if store is None or store.version != job.version:
        stores.pop(job.root, None)  # let go of the old build before opening the new one
        store = stores[job.root] = open_build(Path(job.root), job.version)
    return answer(store, job)


def answer(store: Store, job: Job) -> Outcome:
    """Run `job` against `store` here, in this process: what a worker does with the
    build it opened, and all a remote store needs (its engine does the work, under
    its own time and size limits). Raises QueryError, QueryLimitError, StoreError."""
    result = store.query(
        job.sparql,
        default_graph_uris=job.default_graph_uris,
        named_graph_uris=job.named_graph_uris,
        allowed_services=job.allowed_services,
    )
    if job.table:
        table = result.table(job.limit)
        return Outcome(
            result.kind, table=table, labels=_labels(store, table), truncated=result.truncated
        )
    fmt = dict(job.formats).get(result.kind)
    if fmt is None:
        return Outcome(result.kind)
    data = result.serialize(fmt, limit=job.limit)
    return Outcome(result.kind, data=data, format=fmt, truncated=result.truncated)


def _labels(store: Store, table: dict[str, Any]) -> dict[str, str]:
    """A label for each IRI in `table` that has one: English first, then untagged, then any."""
    iris = sorted(
        {
            term["value"]
            for binding in table.get("results", {}).get("bindings", ())
            for term in binding.values()
            if term["type"] == "uri" and not any(c in term["value"] for c in '<>"{}|^`\\ ')
        }
    )
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in iris)
    sparql = f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s <{_RDFS_LABEL}> ?l }}"
    found: dict[str, tuple[int, str]] = {}
    for row in store.query(sparql).table(len(iris) * 20)["results"]["bindings"]:
        label = row["l"]
        rank = {"en": 0, None: 1}.get(label.get("xml:lang"), 2)
        iri = row["s"]["value"]
        if iri not in found or (rank, label["value"]) < found[iri]:
            found[iri] = (rank, label["value"])
    return {iri: label for iri, (_, label) in found.items()}


def _serve(conn: Connection, idle_seconds: float) -> None:
    """A worker's life: answer jobs until idle for `idle_seconds` or the pipe closes,
    or until a job runs out of memory (the worker may be in no state to go on)."""
    stores: dict[str, OxigraphStore] = {}
    while conn.poll(idle_seconds):
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            reply: tuple[Any, ...] = ("ok", execute(job, stores))
            conn.send(reply)  # pickling a big outcome may run out of memory too
            continue
        except MemoryError:
            reply = ("memory",)
        except QueryError as exc:
            reply = ("query", str(exc), exc.position)
        except StoreError as exc:
            reply = ("store", str(exc))
        except Exception:  # a bug: the caller raises it with this traceback, the worker lives on
            reply = ("bug", traceback.format_exc())
        conn.send(reply)
        if reply[0] == "memory":
            return


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at `memory_mb` (never above the hard limit),
    and write no core file when an allocation beyond it aborts the process."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


#: glibc gives each thread that allocates its own malloc arena, reserving 64 MB of
#: address space apiece: with a few RocksDB threads that is hundreds of MB an
#: address-space cap counts although nothing uses it. Two arenas are plenty for
#: a worker running one query at a time.
_WORKER_ENV = {"MALLOC_ARENA_MAX": "2"}


class _Worker:
    def __init__(self, idle_seconds: float, memory_mb: int | None) -> None:
        ours, theirs = socket.socketpair()
        argv = [sys.executable, "-m", __name__, str(theirs.fileno()), repr(idle_seconds)]
        with ours, theirs:
            self.process = subprocess.Popen(
                [*argv, str(memory_mb or 0)],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env={**os.environ, **_WORKER_ENV},
            )
            self.conn = Connection(ours.detach())
        self.last_used = time.monotonic()

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, job: Job, deadline: float) -> tuple[Any, ...]:
        """The worker's reply to `job`. Raises TimeoutError when the deadline passes,
        EOFError or OSError when the worker died."""
        self.conn.send(job)
        if not self.conn.poll(max(0.0, deadline - time.monotonic())):
            raise TimeoutError
        reply: tuple[Any, ...] = self.conn.recv()
        self.last_used = time.monotonic()
        return reply

    def aborted(self) -> bool:
        """True when the worker (now dead or dying) ended by abort(), as a failed
        allocation in Oxigraph ends it."""
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return False
        return self.process.returncode == -signal.SIGABRT

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
        self.conn.close()


class QueryPool:
    """At most `size` worker processes running queries, each bounded by a deadline and,
    with `memory_mb`, in the memory (address space) it may use."""

    def __init__(
        self, size: int, idle_seconds: float = 300.0, memory_mb: int | None = None
    ) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self._idle_seconds = idle_seconds
        self._idle: list[_Worker] = []
        self._live = 0
        self._changed = threading.Condition()
        self._closed = False

    def run(self, job: Job, timeout: float) -> Outcome:
        """Run `job` in a worker, waiting at most `timeout` seconds in all (for a
        free worker, then for the answer).

        Raises QueryTimeoutError when time runs out (the query is killed),
        QueryMemoryError when it needs more memory than a worker may use (the
        worker is replaced), QueryError and StoreError as the store raises
        them, StoreError when the worker died otherwise, RuntimeError (with the
        worker's traceback) on a bug.
        """
        deadline = time.monotonic() + timeout
        worker = self._acquire(deadline, timeout)
        healthy = False
        try:
            reply = worker.call(job, deadline)
            healthy = reply[0] != "memory"  # that worker has exited: never reuse it
        except TimeoutError:
            raise QueryTimeoutError(
                f"the query did not finish within the time limit of {timeout:g} s and was "
                "stopped; narrow it (a LIMIT, more specific patterns) and try again"
            ) from None
        except (EOFError, OSError) as exc:
            if self.memory_mb is not None and worker.aborted():
                raise self._out_of_memory() from None
            raise StoreError(f"the query worker stopped unexpectedly: {exc!r}") from None
        finally:
            self._release(worker, healthy)
            if not healthy:  # replace the lost worker now, not on the next query's time
                self._replenish_later()
        if reply[0] == "memory":
            raise self._out_of_memory()
        return _unpack(reply)

    def _out_of_memory(self) -> QueryMemoryError:
        return QueryMemoryError(
            f"the query needed more memory than the limit of {self.memory_mb} MB and was "
            "stopped; narrow it (a LIMIT, fewer or smaller aggregates) and try again"
        )

    def close(self) -> None:
        """Stop every idle worker; busy ones are stopped when their query returns."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for worker in idle:
            worker.kill()

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        stale: list[_Worker] = []
        try:
            with self._changed:
                while True:
                    while self._idle:
                        worker = self._idle.pop()
                        # Leave a margin: a worker close to its idle exit may be gone
                        # by the time the job reaches it.
                        fresh = time.monotonic() - worker.last_used < self._idle_seconds * 0.8
                        if fresh and worker.alive():
                            return worker
                        stale.append(worker)
                        self._live -= 1
                    if self._live < self.size:
                        self._live += 1
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not self._changed.wait(remaining):
                        raise QueryTimeoutError(
                            f"all {self.size} query workers stayed busy for {timeout:g} s; "
                            "try again later"
                        )
        finally:
            for worker in stale:
                worker.kill()
        try:
            return _Worker(self._idle_seconds, self.memory_mb)
        except BaseException:
            with self._changed:
                self._live -= 1
                self._changed.notify()
            raise

    def warm_up(self) -> None:
        """Start one worker in the background, so the first query does not wait for it."""
        self._replenish_later()

    def _replenish_later(self) -> None:
        threading.Thread(target=self._replenish, name="spacekg-query-spawn", daemon=True).start()

    def _replenish(self) -> None:
        with self._changed:
            if self._closed or self._live >= self.size or self._idle:
                return
            self._live += 1
        try:
            worker = _Worker(self._idle_seconds, self.memory_mb)
        except OSError:
            with self._changed:
                self._live -= 1
            return
        self._release(worker, healthy=True)

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._changed:
            keep = healthy and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._live -= 1
            self._changed.notify()
        if not keep:
            worker.kill()


def _unpack(reply: tuple[Any, ...]) -> Outcome:
    status = reply[0]
    if status == "ok":
        outcome: Outcome = reply[1]
        return outcome
    if status == "query":
        raise QueryError(reply[1], reply[2])
    if status == "store":
        raise StoreError(reply[1])
    raise RuntimeError(f"a query worker failed:\n{reply[1]}")


_POOLS: dict[tuple[int, int | None], QueryPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(size: int, memory_mb: int | None = None) -> QueryPool:
    """The process's pool of `size` workers capped at `memory_mb`, created on first
    use, closed at exit."""
    with _POOLS_LOCK:
        pool = _POOLS.get((size, memory_mb))
        if pool is None:
            pool = _POOLS[size, memory_mb] = QueryPool(size, memory_mb=memory_mb)
            closer: Callable[[], None] = pool.close
            atexit.register(closer)
        return pool


if __name__ == "__main__":
    # A worker process: serve through the real module, so that the Job and
    # Outcome classes pickled across the socket are spacekg.store.workers'.
    from spacekg.store import workers

    if int(sys.argv[3]) > 0:
        workers._limit_memory(int(sys.argv[3]))
    workers._serve(Connection(int(sys.argv[1])), float(sys.argv[2]))
