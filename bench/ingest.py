"""Incremental ingest figures: one new article into a built store, without a rebuild.

`run_ingest` works on a scratch copy of the corpus folder (hard links: an
ingest writes the new article's file into `articles/`, and the corpus is
reused by later runs), then ingests fresh articles, written by the generator
with another seed, one at a time in a child process (`python -m
bench.ingest`), as `spacekg ingest` would:

- `cold`: the first article, in a fresh process, which also reads the
  ontology, shapes and gazetteer before it extracts, reasons incrementally
  against the published graph, validates and publishes (what `spacekg
  ingest FILE` costs);
- `warm`: the next ones, in the same process: what the long-running server's
  `POST /articles` pays per article.

Each result also says what the ingest did (`added`, or `rebuilt` when the
article needed a full build) and how many triples it asserted and inferred.
The child's peak resident memory is the kernel's high-water mark.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import ONTOLOGY, REFERENCE, ROOT
from bench.generate import generate
from bench.memory import peak_mib

#: Articles ingested one after the other in the child: the first cold, the rest warm.
ARTICLES = 4
#: The generator's seed for the fresh articles is the corpus seed plus this.
SEED_OFFSET = 1_000


def run_ingest(
    data: Path,
    store: Path | str,
    scratch: Path,
    seed: int,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ingest `ARTICLES` fresh articles into `store` (built from `data`); the figures."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    copy = scratch / "data"
    shutil.copytree(data, copy, copy_function=os.link)
    fresh = scratch / "fresh"
    generate(ARTICLES, seed + SEED_OFFSET, fresh, REFERENCE)
    articles = []
    for index, path in enumerate(sorted(fresh.glob("*.txt"))):
        # A name no corpus article has, so that each one is added, not replaced.
        articles.append(path.rename(fresh / f"ingested-{index}.txt"))
    command = [
        sys.executable, "-m", "bench.ingest",
        "--data", str(copy), "--store", str(store),
        "--settings", json.dumps(settings or {}),
        *map(str, articles),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode()[-3000:]
        raise RuntimeError(f"the ingest failed ({done.returncode}):\n{detail}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    shutil.rmtree(scratch, ignore_errors=True)
    warm = [r["seconds"] for r in result["articles"][1:]]
    result["cold_seconds"] = result["articles"][0]["seconds"]
    result["warm_median_seconds"] = statistics.median(warm) if warm else None
    return result


def _child(data: Path, store: str, extra: dict[str, str], articles: list[Path]) -> None:
    # Imported here: only the child needs the weight.
    from spacekg.config import load_settings
    from spacekg.ingest import Ingester

    settings = load_settings(
        {**extra, "data": data, "store": store, "ontology": ONTOLOGY, "progress": False},
        environ={},
    )
    began = time.perf_counter()
    ingester = Ingester(settings)
    results = []
    for path in articles:
        started = time.perf_counter()
        ingested = ingester.ingest_file(path)
        results.append(
            {
                "article": path.name,
                "seconds": round(time.perf_counter() - started, 4),
                "status": ingested.status,
                "triples": ingested.triples,
                "inferred_added": ingested.inferred_added,
                "inferred_removed": ingested.inferred_removed,
                "note": ingested.note,
            }
        )
    print(
        json.dumps(
            {
                "articles": results,
                "process_seconds": round(time.perf_counter() - began, 4),
                "peak_rss_mib": peak_mib(os.getpid()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Child of the ingest benchmark.")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--store", required=True, help="a folder, or an external store's URL")
    parser.add_argument("--settings", default="{}", help="more settings, as a JSON object")
    parser.add_argument("articles", type=Path, nargs="+")
    args = parser.parse_args()
    _child(args.data, args.store, json.loads(args.settings), args.articles)


if __name__ == "__main__":
    main()
