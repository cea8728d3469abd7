"""spacekg with Virtuoso as its external store, measured like the raw engines.

A Virtuoso instance of its own (not the one loaded with the dump for the raw
figures, so neither sees the other's graphs): `spacekg build` publishes the
corpus into it through the remote store (`SPACEKG_STORE=http://…/sparql`
and the `SPACEKG_STORE_*` settings, as a deployment would configure it),
then `spacekg serve` answers /sparql from it, and the mix runs as for every
other endpoint. Last, `spacekg build` runs again with 1% more articles: a
rebuild into a store that holds a published graph.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import engines
from bench.corpus import ONTOLOGY, ROOT
from bench.generate import generate
from bench.mix import Query
from bench.server import spacekg_server
from bench.sparql import Timing, measure_endpoint
from spacekg.config import SETTINGS

#: The graph spacekg writes the union into on Virtuoso, whose own default graph
#: is every graph it holds (its system graphs too) with a triple once per graph.
UNION_GRAPH = "urn:x-spacekg:union"
#: The generator's seed for the articles a rebuild adds (the corpora use 7).
NEW_ARTICLES_SEED = 1


def unsupported() -> str | None:
    """None when this spacekg can use an external store, else why not."""
    if "store_default_graph" not in {setting.name for setting in SETTINGS}:
        return "spacekg has no external (SPARQL 1.1 remote) store yet"
    return None


def store_settings(endpoint: engines.Endpoint) -> dict[str, str]:
    """The `SPACEKG_*` variables pointing spacekg at `endpoint`."""
    settings = engines.spacekg_settings(endpoint, UNION_GRAPH)
    variables = {f"SPACEKG_{name.upper()}": value for name, value in settings.items()}
    return {**variables, "SPACEKG_STORE_TIMEOUT": "3600"}


def measure_on_virtuoso(
    directory: Path,
    data: Path,
    log: Path,
    queries: list[Query],
    levels: tuple[int, ...],
    timing: Timing,
) -> dict[str, Any]:
    """Publish `data` into a fresh Virtuoso through spacekg, run the mix through
    spacekg, then rebuild with 1% more articles (see with_new_articles)."""
    with engines.virtuoso_server(directory) as endpoint:
        settings = store_settings(endpoint)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPACEKG_")}
        env.update(settings)
        env.update(
            {
                "SPACEKG_DATA": str(data),
                "SPACEKG_ONTOLOGY": str(ONTOLOGY),
                "SPACEKG_REASONER": "rules",
                "SPACEKG_PROGRESS": "false",
            }
        )
        build_seconds, build_stages = _build(env, log)
        # What an operator runs after a build, as after the raw engine's bulk load
        # (see the README's "External SPARQL stores"); not counted in the build.
        if endpoint.settle is not None:
            endpoint.settle()
        # The result cache off, as for spacekg on its own store: queries run, not answers kept.
        serving = {**settings, "SPACEKG_RESULT_CACHE_MB": "0"}
        with spacekg_server(endpoint.query_url, data, log, serving) as server:
            figures = measure_endpoint(server.url + "/sparql", queries, levels, timing)
        figures["build_seconds"], figures["build_stages"] = build_seconds, build_stages
        # After the mix, which ran on the store as the first build wrote it.
        more, added = with_new_articles(data, directory / "rebuild-data")
        rebuilt = _build({**env, "SPACEKG_DATA": str(more)}, log)
        figures["rebuild_seconds"], figures["rebuild_stages"] = rebuilt
        figures["rebuild_added_articles"] = added
        return figures


def with_new_articles(data: Path, directory: Path) -> tuple[Path, int]:
    """A data folder holding `data`'s articles and 1% more (at least one), new ones
    written by the generator with another seed: what a rebuild after a day's news
    publishes. Returns the folder and how many articles were added."""
    shutil.rmtree(directory, ignore_errors=True)
    articles = directory / "articles"
    articles.mkdir(parents=True)
    (directory / "reference").symlink_to((data / "reference").resolve())
    existing = sorted((data / "articles").iterdir())
    for path in existing:
        (articles / path.name).symlink_to(path.resolve())
    count = max(1, len(existing) // 100)
    generate(count, NEW_ARTICLES_SEED, directory / "new", data / "reference")
    for path in sorted((directory / "new").iterdir()):
        path.rename(articles / f"new-{path.name}")
    return directory, count


def _build(env: dict[str, str], log: Path) -> tuple[float, dict[str, float]]:
    """Run `spacekg build` with `env`, its output appended to `log`: the seconds it
    took, and its stages as it reports them."""
    log.parent.mkdir(parents=True, exist_ok=True)  # a run with no spacekg server before
    started = time.perf_counter()
    with log.open("ab") as output:
        before = output.tell()  # the build's own lines follow (read back for its stages)
        subprocess.run(
            [sys.executable, "-m", "spacekg", "build"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=True,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    with log.open("rb") as output:
        output.seek(before)
        built = output.read().decode("utf-8", "replace")
    return round(seconds, 3), build_stages(built)


def build_stages(output: str) -> dict[str, float]:
    """Seconds per stage, from the line `spacekg build` ends with
    ("took 553.4s: load 0.4s, extract 28.4s, ..., publish 492.4s")."""
    for line in output.splitlines():
        if line.startswith("took "):
            _, _, stages = line.partition(": ")
            return {stage: float(seconds) for stage, seconds in _STAGE.findall(stages)}
    return {}


_STAGE = re.compile(r"(\w+) ([\d.]+)s")
