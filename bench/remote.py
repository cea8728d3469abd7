"""spacekg with Virtuoso as its external store, measured like the raw engines.

A Virtuoso instance of its own (not the one loaded with the dump for the raw
figures, so neither sees the other's graphs): `spacekg build` publishes the
corpus into it through the remote store (`SPACEKG_STORE=http://…/sparql`
and the `SPACEKG_STORE_*` settings, as a deployment would configure it),
then `spacekg serve` answers /sparql from it, and the mix runs as for every
other endpoint.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import engines
from bench.corpus import ONTOLOGY, ROOT
from bench.mix import Query
from bench.server import spacekg_server
from bench.sparql import Timing, measure_endpoint
from spacekg.config import SETTINGS

#: The graph spacekg writes the union into on Virtuoso, whose own default graph
#: is every graph it holds (its system graphs too) with a triple once per graph.
UNION_GRAPH = "urn:x-spacekg:union"


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
    """Publish `data` into a fresh Virtuoso through spacekg, then run the mix through spacekg."""
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
        started = time.perf_counter()
        with log.open("ab") as output:
            before = output.tell()  # the build's own lines follow (read back for its stages)
            subprocess.run(
                [sys.executable, "-m", "spacekg", "build"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=True,
            )  # fmt: skip
        build_seconds = time.perf_counter() - started
        with log.open("rb") as output:
            output.seek(before)
            built = output.read().decode("utf-8", "replace")
        # The result cache off, as for spacekg on its own store: queries run, not answers kept.
        serving = {**settings, "SPACEKG_RESULT_CACHE_MB": "0"}
        with spacekg_server(endpoint.query_url, data, log, serving) as server:
            figures = measure_endpoint(server.url + "/sparql", queries, levels, timing)
        figures["build_seconds"] = round(build_seconds, 3)
        figures["build_stages"] = build_stages(built)
        return figures


def build_stages(output: str) -> dict[str, float]:
    """Seconds per stage, from the line `spacekg build` ends with
    ("took 553.4s: load 0.4s, extract 28.4s, ..., publish 492.4s")."""
    for line in output.splitlines():
        if line.startswith("took "):
            _, _, stages = line.partition(": ")
            return {stage: float(seconds) for stage, seconds in _STAGE.findall(stages)}
    return {}


_STAGE = re.compile(r"(\w+) ([\d.]+)s")
