"""Resident memory of other processes, read from /proc, and a sampler that watches it.

Measured from outside the process (a thread of the benchmark reading
`/proc/<pid>/status`), so the sampling takes nothing from the process measured
and needs no hook inside it. `VmHWM` is the kernel's exact high-water mark of
a process; samples, taken every `interval` seconds, place peaks in time (which
stage of a build, which dump), and add up a process with its children (the
server's query workers).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


def status_kib(pid: int, field_name: str) -> int | None:
    """One `Vm*` field of /proc/<pid>/status in KiB; None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def rss_mib(pid: int) -> float | None:
    kib = status_kib(pid, "VmRSS")
    return None if kib is None else kib / 1024


def peak_mib(pid: int) -> float | None:
    """The process's high-water resident memory since it started (VmHWM)."""
    kib = status_kib(pid, "VmHWM")
    return None if kib is None else kib / 1024


def descendants(pid: int) -> list[int]:
    """Children, grandchildren… of `pid` (from each thread's `children` list)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += children
            todo += children
    return found


@dataclass
class Sample:
    at: float  # time.monotonic(), the same clock in every process
    rss: float  # MiB, the process itself
    tree: float  # MiB, the process and its descendants


@dataclass
class Sampler:
    """Samples the resident memory of `pid` (and its descendants) until stopped."""

    pid: int
    interval: float = 0.01
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            own = rss_mib(self.pid)
            if own is None:
                return
            tree = own + sum(rss_mib(child) or 0.0 for child in descendants(self.pid))
            self.samples.append(Sample(time.monotonic(), own, tree))
            self._stop.wait(self.interval)

    def peak(self, start: float = float("-inf"), end: float = float("inf")) -> Sample | None:
        """The largest process-tree sample taken between `start` and `end`."""
        window = [s for s in self.samples if start <= s.at <= end]
        return max(window, key=lambda s: s.tree) if window else None

    def mark(self) -> float:
        return time.monotonic()
