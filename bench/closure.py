"""Reasoning figures: spacekg's compiled rules (`rules.reason`) against owlrl's full closure.

Both run on the same input in one child process (`python -m bench.closure`):
the asserted graph the build reasons over (reference data plus every
article through the real extractor, `bench.reasoning.asserted_graph`). The
child prints one JSON line per result as it gets it, so the rules' figures
survive when owlrl is stopped at its time limit (SIGALRM in the child; the
parent kills the child if even that does not end it). Equality compares the
two inferred graphs, which are what a build publishes in `graph/inferred`.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from bench.corpus import ONTOLOGY, ROOT
from bench.memory import Sampler

#: How much longer than the owlrl limit the parent waits before killing the child
#: (extraction comes first, and takes minutes at 10,000 articles).
GRACE_SECONDS = 1800


def run_reasoning(data: Path, owlrl_limit: int | None) -> dict[str, Any]:
    """Both reasoners on the corpus in `data`; owlrl skipped when `owlrl_limit` is None."""
    command = [sys.executable, "-m", "bench.closure", "--data", str(data)]
    command += ["--owlrl-limit", str(owlrl_limit or 0)]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with Sampler(child.pid) as sampler:
        try:
            out, err = child.communicate(timeout=(owlrl_limit or 0) + GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
    results: dict[str, Any] = {}
    for line in out.decode().splitlines():
        if line.startswith("{"):
            results.update(json.loads(line))
    if "rules" not in results:
        raise RuntimeError(f"the reasoning benchmark failed:\n{err.decode()[-3000:]}")
    for engine in ("rules", "owlrl"):
        figures = results.get(engine)
        if isinstance(figures, dict) and "began" in figures:
            peak = sampler.peak(figures.pop("began"), figures.pop("ended"))
            figures["peak_rss_mib"] = peak.rss if peak else None
    if owlrl_limit is None:
        results["owlrl"] = {"skipped": "not asked for"}
    elif "owlrl" not in results:
        results["owlrl"] = {"skipped": f"killed after {owlrl_limit + GRACE_SECONDS} s"}
    return results


class _OutOfTime(Exception):
    pass


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _OutOfTime


def _emit(**values: Any) -> None:
    print(json.dumps(values), flush=True)


def _child(data: Path, owlrl_limit: int) -> None:
    from bench.reasoning import asserted_graph
    from spacekg import reasoning, rules
    from spacekg.build import load_graph
    from spacekg.vocab import Iris

    iris = Iris()
    ontology = load_graph(ONTOLOGY / "spacekg.ttl")
    began = time.perf_counter()
    asserted = asserted_graph(ontology, data / "reference", data / "articles", iris)
    _emit(extract_seconds=time.perf_counter() - began, asserted=len(asserted))

    began_at, began = time.monotonic(), time.perf_counter()
    fast = rules.reason(ontology, asserted, iris)
    seconds = time.perf_counter() - began
    _emit(
        rules={
            "seconds": seconds,
            "inferred": len(fast.inferred),
            "engine": fast.engine,
            "note": fast.note,
            "began": began_at,
            "ended": time.monotonic(),
        }
    )
    if owlrl_limit <= 0:
        return
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(owlrl_limit)
    began_at, began = time.monotonic(), time.perf_counter()
    try:
        slow = reasoning.reason(ontology, asserted, iris)
    except _OutOfTime:
        _emit(owlrl={"skipped": f"did not finish within the {owlrl_limit} s limit"})
        return
    finally:
        signal.alarm(0)
    slow_seconds = time.perf_counter() - began
    _emit(
        owlrl={
            "seconds": slow_seconds,
            "inferred": len(slow.inferred),
            "noise": slow.noise,
            "began": began_at,
            "ended": time.monotonic(),
        },
        equal=set(fast.inferred) == set(slow.inferred),
        speedup=slow_seconds / seconds if seconds else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Child of the reasoning benchmark.")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--owlrl-limit", type=int, default=900)
    args = parser.parse_args()
    _child(args.data, args.owlrl_limit)


if __name__ == "__main__":
    main()
