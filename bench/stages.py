"""Build figures: time and peak memory of each stage of `spacekg.build.build`, and in total.

The build runs in a child process (`python -m bench.stages`), alone, so its
memory is its own and nothing the benchmark did before is counted. The child
reports the BuildReport (each stage's time, in the order the stages ran) and
the monotonic clock reading when the build began; the parent samples the
child's resident memory every 10 ms from /proc and assigns each sample to the
stage running at that moment. The total peak is the kernel's exact
high-water mark (VmHWM); a stage's peak is the largest sample inside it, so a
spike shorter than the sampling interval can be missed there but never in
the total.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import ONTOLOGY, ROOT
from bench.memory import Sampler, peak_mib, rss_mib


def run_build(
    data: Path, store: Path | str, reasoner: str, settings: dict[str, str] | None = None
) -> dict[str, Any]:
    """Build `data` into `store` (an embedded store's folder, or an external store's
    query URL with the rest of its `settings`) in a child process; its figures."""
    command = [
        sys.executable, "-m", "bench.stages",
        "--data", str(data), "--store", str(store), "--reasoner", reasoner,
        "--settings", json.dumps(settings or {}),
    ]  # fmt: skip
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with Sampler(child.pid) as sampler:
        out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the build failed ({child.returncode}):\n{err.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    stages: dict[str, dict[str, float | None]] = {}
    start = result["began"]
    for stage, seconds in result["timings"].items():
        peak = sampler.peak(start, start + seconds)
        stages[stage] = {"seconds": seconds, "peak_rss_mib": peak.tree if peak else None}
        start += seconds
    total = result["ended"] - result["began"]
    # VmHWM is exact; a sample taken as the child exits can still be a hair above it.
    sampled = sampler.peak()
    peak_total = max(result["peak_rss_mib"], sampled.tree if sampled else 0.0)
    return {
        "reasoner": reasoner,
        "articles": result["counts"].get("articles", 0),
        "failures": result["failures"],
        "counts": result["counts"],
        "stages": stages,
        "total": {"seconds": total, "peak_rss_mib": peak_total},
        "rss_before_mib": result["rss_before_mib"],
        "articles_per_second": result["counts"].get("articles", 0) / total if total else None,
        "version": result["version"],
    }


def _child(data: Path, store: str, reasoner: str, extra: dict[str, str]) -> None:
    # Imported here: the parent measures; only the child needs the build's weight.
    from spacekg.build import build
    from spacekg.config import load_settings

    settings = load_settings(
        {
            **extra,
            "data": data,
            "store": store,
            "ontology": ONTOLOGY,
            "reasoner": reasoner,
            "progress": False,
        },
        environ={},
    )
    before = rss_mib(os.getpid())
    began = time.monotonic()
    report = build(settings)
    ended = time.monotonic()
    print(
        json.dumps(
            {
                "began": began,
                "ended": ended,
                "timings": report.timings,
                "counts": report.counts,
                "failures": [str(failure) for failure in report.failures],
                "version": report.version,
                "rss_before_mib": before,
                "peak_rss_mib": peak_mib(os.getpid()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Child of the build benchmark: build once.")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--store", required=True, help="a folder, or an external store's URL")
    parser.add_argument("--reasoner", default="rules")
    parser.add_argument("--settings", default="{}", help="more settings, as a JSON object")
    args = parser.parse_args()
    _child(args.data, args.store, args.reasoner, json.loads(args.settings))


if __name__ == "__main__":
    main()
