"""spacekg against the real alternatives, in one run: `python -m bench` (or `make bench`).

    python -m bench                          # 100, 1,000 and 10,000 articles
    python -m bench --sizes 100,1000         # chosen sizes
    python -m bench --quick                  # the smallest run that exercises everything

For each corpus size (synthetic articles, seeded: bench/generate.py) it
builds the graph and measures, printing a table per section as it goes and
writing every figure to JSON (`--json`, by default under bench/results/):

- build: time and peak memory of each stage, articles per second;
- reasoning: spacekg's compiled rules against owlrl's full closure;
- sparql: the query mix (bench/mix.py) at 1 and 8 clients through spacekg's
  /sparql and through the raw Oxigraph and Virtuoso servers loaded with
  spacekg's own N-Quads dump, with the ratio spacekg / raw;
- pages: entity, article and home pages under the same load;
- dumps: streaming throughput of the full dumps and the server's memory.

Load comes from wrk (bench/load.py), in its own process. bench/README.md says
what each figure means.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import engines, load, remote
from bench.closure import run_reasoning
from bench.corpus import ROOT, prepare
from bench.dumps import measure_dumps
from bench.ingest import run_ingest
from bench.machine import load_average, machine_info
from bench.memory import Sampler
from bench.mix import query_mix
from bench.pages import choose_pages, measure_pages
from bench.report import size_report
from bench.server import spacekg_server
from bench.sparql import Timing, measure_endpoint, ratios
from bench.stages import run_build

SIZES = (100, 1_000, 10_000)
QUICK_SIZE = 20
SECTIONS = ("build", "reasoning", "sparql", "pages", "dumps", "ingest", "oxigraph-store")
ENGINES = ("spacekg", "spacekg-cached", "oxigraph", "virtuoso", "spacekg-virtuoso")
RESULTS = ROOT / "bench" / "results"
#: Which figures are divided by which: spacekg over each raw engine, and spacekg on
#: Virtuoso (its external store) over raw Virtuoso.
RATIOS = (
    ("spacekg", "oxigraph"),
    ("spacekg", "virtuoso"),
    ("spacekg-virtuoso", "virtuoso"),
    ("spacekg-cached", "oxigraph"),
    ("spacekg-cached", "virtuoso"),
)
#: spacekg's result cache off: the engine comparisons measure queries run, not answers kept.
NO_CACHE = {"SPACEKG_RESULT_CACHE_MB": "0"}

#: owlrl is not even started when a linear extrapolation from the previous size
#: says it would need more than this many times its limit.
OWLRL_HOPELESS = 2.0


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x.replace("_", "")) for x in text.split(",") if x.strip())


def _names(choices: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(x.strip() for x in text.split(",") if x.strip())
        unknown = set(names) - set(choices)
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown: {', '.join(sorted(unknown))} (known: {', '.join(choices)})"
            )
        return names

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", type=_ints, help="corpus sizes (default 100,1000,10000)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_SIZE} articles, 1 s runs: proves every section works (the test suite)",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / "var" / "bench", help="corpora, stores, engines"
    )
    parser.add_argument("--sections", type=_names(SECTIONS), default=SECTIONS)
    parser.add_argument("--engines", type=_names(ENGINES), default=ENGINES)
    parser.add_argument("--clients", type=_ints, default=(1, 8), help="default 1,8")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    parser.add_argument("--max-duration", type=int, help="longest wrk run, seconds (default 60)")
    parser.add_argument(
        "--min-requests", type=int, help="requests a wrk run should complete (default 50)"
    )
    parser.add_argument(
        "--owlrl-limit", type=int, default=900, help="seconds owlrl may take (0: skip owlrl)"
    )
    parser.add_argument("--reasoner", default="rules", help="reasoner the build uses")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = (QUICK_SIZE,) if args.quick else SIZES
    default = Timing(base=1, most=3, least=5, warmup=1) if args.quick else Timing()
    args.timing = Timing(
        base=args.duration or default.base,
        most=args.max_duration or default.most,
        least=args.min_requests or default.least,
        warmup=default.warmup,
    )
    if args.json is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        args.json = RESULTS / f"bench-{stamp}.json"
    return args


class Run:
    """One benchmark run: its settings, and the figures as they come in."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.levels: tuple[int, ...] = args.clients
        self.queries = query_mix()
        self.results: dict[str, Any] = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "settings": {
                "sizes": list(args.sizes),
                "seed": args.seed,
                "clients": list(self.levels),
                "sections": list(args.sections),
                "engines": list(args.engines),
                "timing": vars(args.timing),
                "owlrl_limit_seconds": args.owlrl_limit,
                "build_reasoner": args.reasoner,
                "load_generator": "wrk",
            },
            "queries": {
                q.name: {"what": q.what, "form": q.form, "text": q.text} for q in self.queries
            },
            "sizes": {},
        }
        self._owlrl_seen: tuple[int, float] | None = None  # (size, seconds) of the last run

    def save(self) -> None:
        self.results["load_average_now"] = load_average()
        self.args.json.parent.mkdir(parents=True, exist_ok=True)
        self.args.json.write_text(json.dumps(self.results, indent=2) + "\n", encoding="utf-8")

    # -- one size --------------------------------------------------------------------

    def size(self, size: int) -> dict[str, Any]:
        args = self.args
        here = args.workdir.resolve() / str(size)
        figures: dict[str, Any] = {"gaps": []}
        self.results["sizes"][str(size)] = figures
        corpus = prepare(size, args.seed, args.workdir.resolve() / "corpus")
        figures["corpus"] = {"articles": size, "seed": args.seed, "data": str(corpus.data)}

        store = here / "store"
        shutil.rmtree(store, ignore_errors=True)
        _say(f"{size:,} articles: build")
        figures["build"] = run_build(corpus.data, store, args.reasoner)
        self.save()

        if "reasoning" in args.sections:
            figures["reasoning"] = self.reasoning(size, corpus.data)
            self.save()
        if {"sparql", "pages", "dumps"} & set(args.sections):
            self.serve_and_measure(size, here, store, corpus.data, figures)
        # Last: an ingest adds articles to the store the other sections measure.
        if "ingest" in args.sections:
            _say(f"{size:,} articles: incremental ingest (embedded store)")
            figures["ingest"] = run_ingest(corpus.data, store, here / "ingest", args.seed)
            self.save()
        if "oxigraph-store" in args.sections:
            figures["oxigraph_store"] = self.oxigraph_store(size, here, corpus.data)
            self.save()
        if "build" not in args.sections:
            del figures["build"]
        return figures

    def oxigraph_store(self, size: int, here: Path, data: Path) -> dict[str, Any]:
        """spacekg on the Oxigraph server as its external store: the build, ingests, then
        a rebuild with 1% more articles (see remote.with_new_articles)."""
        reason = engines.available("oxigraph")
        if reason:
            return {"skipped": reason}
        directory = here / "oxigraph-store"
        shutil.rmtree(directory, ignore_errors=True)
        try:
            with engines.oxigraph_server(directory) as endpoint:
                settings = engines.spacekg_settings(endpoint, remote.UNION_GRAPH)
                settings["store_timeout"] = "3600"
                del settings["store"]  # given as the store itself
                assert endpoint.pid is not None
                with Sampler(endpoint.pid, interval=0.05) as server_memory:
                    _say(f"{size:,} articles: build on the Oxigraph server")
                    built = run_build(data, endpoint.query_url, self.args.reasoner, settings)
                    self.results["sizes"][str(size)]["oxigraph_store"] = {"build": built}
                    self.save()
                    _say(f"{size:,} articles: incremental ingest on the Oxigraph server")
                    ingested = run_ingest(
                        data, endpoint.query_url, here / "ingest-oxigraph", self.args.seed, settings
                    )
                    _say(f"{size:,} articles: rebuild with 1% more articles on the Oxigraph server")
                    more, added = remote.with_new_articles(data, directory / "rebuild-data")
                    rebuilt = run_build(more, endpoint.query_url, self.args.reasoner, settings)
                peak = server_memory.peak()
                return {
                    "build": built,
                    "ingest": ingested,
                    "rebuild": rebuilt,
                    "rebuild_added_articles": added,
                    # The Oxigraph server's own resident memory at its peak, builds and ingest.
                    "server_peak_rss_mib": peak.rss if peak else None,
                }
        except (engines.EngineError, RuntimeError) as error:
            return {"skipped": f"failed: {error}"}
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def reasoning(self, size: int, data: Path) -> dict[str, Any]:
        limit = self.args.owlrl_limit
        if limit and self._owlrl_seen:
            seen_size, seen_seconds = self._owlrl_seen
            predicted = seen_seconds * size / seen_size
            if predicted > OWLRL_HOPELESS * limit:
                _say(f"{size:,} articles: reasoning (owlrl skipped: ~{predicted:.0f} s predicted)")
                figures = run_reasoning(data, None)
                figures["owlrl"] = {
                    "skipped": f"predicted {predicted:,.0f} s (linear from {seen_seconds:.0f} s at "
                    f"{seen_size:,} articles), over {OWLRL_HOPELESS:g}x the {limit} s limit"
                }
                return figures
        _say(f"{size:,} articles: reasoning (rules, then owlrl up to {limit} s)")
        figures = run_reasoning(data, limit or None)
        seconds = figures.get("owlrl", {}).get("seconds")
        if seconds:
            self._owlrl_seen = (size, seconds)
        elif "skipped" in figures.get("owlrl", {}):
            self._owlrl_seen = (size, float(limit))
        return figures

    def serve_and_measure(
        self, size: int, here: Path, store: Path, data: Path, figures: dict[str, Any]
    ) -> None:
        args, levels, timing = self.args, self.levels, self.args.timing
        reason = load.available()
        if reason:
            figures["gaps"].append(f"sparql, pages: {reason}")
            return
        # What the raw engines load: spacekg's own dumps, the named graphs (N-Quads) and
        # their union (N-Triples, which loads into the default graph), so that they
        # hold the data as spacekg's store does and give the same answers.
        files = [here / "dump.nq", here / "dump.nt"]
        figures["engine_input"] = {path.name: _dump(store, path) for path in files}
        sparql: dict[str, Any] = {"engines": {}, "skipped": {}, "loads": {}}
        log = here / "logs" / "spacekg.log"
        if "spacekg" in args.engines and "sparql" in args.sections:
            with spacekg_server(store, data, log, NO_CACHE) as server:
                _say(f"{size:,} articles: SPARQL mix on spacekg (result cache off)")
                sparql["engines"]["spacekg"] = measure_endpoint(
                    server.url + "/sparql", self.queries, levels, timing
                )
        if "spacekg-cached" in args.engines and "sparql" in args.sections:
            with spacekg_server(store, data, log) as server:
                _say(f"{size:,} articles: SPARQL mix with repeats on spacekg (result cache on)")
                sparql["engines"]["spacekg-cached"] = measure_endpoint(
                    server.url + "/sparql", self.queries, levels, timing, mix_only=True
                )
        if "spacekg" in args.engines and "pages" in args.sections:
            chosen = choose_pages(store)
            with spacekg_server(store, data, log) as server:
                _say(f"{size:,} articles: pages on spacekg (page cache on, as deployed)")
                figures["pages"] = measure_pages(server.url, chosen, levels, timing)
            with spacekg_server(store, data, log, NO_CACHE) as server:
                _say(f"{size:,} articles: pages on spacekg (page cache off: every page rendered)")
                figures["pages_uncached"] = measure_pages(server.url, chosen, levels, timing)
        if "sparql" in args.sections:
            for name in ("oxigraph", "virtuoso"):
                if name in args.engines:
                    self.raw_engine(name, size, here, files, sparql)
            if "spacekg-virtuoso" in args.engines:
                self.spacekg_on_virtuoso(size, here, data, sparql, figures)
            figures["sparql"] = sparql
            sparql["ratios"] = {}
            for ours, theirs in RATIOS:
                mine, other = sparql["engines"].get(ours), sparql["engines"].get(theirs)
                if mine and other:
                    sparql["ratios"][f"{ours}/{theirs}"] = ratios(mine, other, levels)
        self.save()
        if "dumps" in args.sections and "spacekg" in args.engines:
            _say(f"{size:,} articles: dumps")
            # A server of its own, so that its idle memory is idle and its peak the dumps'.
            with spacekg_server(store, data, here / "logs" / "spacekg-dumps.log") as server:
                figures["dumps"] = measure_dumps(server.url, server.pid, store)

    def raw_engine(
        self, name: str, size: int, here: Path, files: list[Path], sparql: dict[str, Any]
    ) -> None:
        """The mix on a raw engine holding spacekg's named graphs and, as its default
        graph, their union (each triple once), as spacekg's own store does."""
        reason = engines.available(name)
        if reason:
            sparql["skipped"][name] = reason
            return
        directory = here / name
        shutil.rmtree(directory, ignore_errors=True)
        server: AbstractContextManager[engines.Endpoint]
        if name == "oxigraph":
            server, parameters = engines.oxigraph_server(directory), []
        else:
            # Virtuoso's default graph is every graph, a triple once per graph holding
            # it; the union was loaded into a graph of its own, named with each query.
            server = engines.virtuoso_server(directory)
            parameters = [("default-graph-uri", engines.VIRTUOSO_DEFAULT_GRAPH)]
        try:
            with server as endpoint:
                started = time.perf_counter()
                for path in files:
                    endpoint.load_nquads(path)
                sparql["loads"][name] = round(time.perf_counter() - started, 3)
                _say(f"{size:,} articles: SPARQL mix on raw {name}")
                sparql["engines"][name] = measure_endpoint(
                    endpoint.query_url, self.queries, self.levels, self.args.timing, parameters
                )
        except engines.EngineError as error:
            sparql["skipped"][name] = f"failed: {error}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def spacekg_on_virtuoso(
        self, size: int, here: Path, data: Path, sparql: dict[str, Any], figures: dict[str, Any]
    ) -> None:
        reason = remote.unsupported() or engines.available("virtuoso")
        if reason is None:
            directory = here / "spacekg-virtuoso"
            shutil.rmtree(directory, ignore_errors=True)
            _say(f"{size:,} articles: spacekg on Virtuoso (build, then the SPARQL mix)")
            try:
                sparql["engines"]["spacekg-virtuoso"] = remote.measure_on_virtuoso(
                    directory,
                    data,
                    here / "logs" / "spacekg-virtuoso.log",
                    self.queries,
                    self.levels,
                    self.args.timing,
                )
            except (engines.EngineError, subprocess.CalledProcessError, RuntimeError) as error:
                reason = f"failed: {error} (logs in {here / 'logs'})"
            finally:
                shutil.rmtree(directory, ignore_errors=True)
        if reason is not None:
            sparql["skipped"]["spacekg-virtuoso"] = reason
            figures["gaps"].append(f"spacekg on Virtuoso not measured: {reason}")


def _dump(store: Path, path: Path) -> dict[str, Any]:
    """Write the store's dump in the format `path`'s suffix names, with spacekg's CLI."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "spacekg", "dump", "--store", str(store), "--output", str(path)],
        cwd=ROOT,
        check=True,
    )
    return {"bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 3)}


def _say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run = Run(args)
    machine = run.results["machine"]
    print(
        f"spacekg bench: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, load average {machine['load_average']}"
    )
    for size in args.sizes:
        figures = run.size(size)
        run.save()
        print(size_report(size, figures, run.levels), flush=True)
    run.results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    run.save()
    print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
