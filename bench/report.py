"""The figures of one corpus size as plain-text tables, one per section."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if digits == 0 or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: Iterable[list[Any]], digits: int = 1) -> list[str]:
    cells = [header] + [[_num(c, digits) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  " + "  ".join([first, *rest]).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def build_table(build: dict[str, Any]) -> list[str]:
    rows: list[list[Any]] = [
        [stage, f["seconds"], f["peak_rss_mib"]] for stage, f in build["stages"].items()
    ]
    rows.append(["total", build["total"]["seconds"], build["total"]["peak_rss_mib"]])
    counts = build["counts"]
    return [
        f"Build ({build['articles']:,} articles, reasoner {build['reasoner']}): "
        f"{_num(build['articles_per_second'])} articles/s; "
        f"{counts.get('asserted', 0):,} asserted + {counts.get('inferred', 0):,} inferred triples"
        + (f"; {len(build['failures'])} article(s) left out" if build["failures"] else ""),
        *_table(["stage", "seconds", "peak RSS MiB"], rows, digits=2),
    ]


def reasoning_table(reasoning: dict[str, Any]) -> list[str]:
    rows = []
    for engine, label in (("rules", "spacekg rules"), ("owlrl", "owlrl full closure")):
        figures = reasoning.get(engine, {})
        if "skipped" in figures:
            rows.append([label, "skipped: " + figures["skipped"], None, None])
        else:
            rows.append([label, *(figures.get(k) for k in ("seconds", "inferred", "peak_rss_mib"))])
    equal = reasoning.get("equal")
    speedup = reasoning.get("speedup")
    return [
        f"Reasoning on {reasoning.get('asserted', 0):,} asserted triples: inferred graphs equal: "
        f"{_num(equal) if equal is not None else 'not compared'}"
        + (f", rules x{speedup:.0f} faster" if speedup else ""),
        *_table(["engine", "seconds", "inferred", "peak RSS MiB"], rows, digits=2),
    ]


def _latency_cells(run: dict[str, Any] | None) -> list[Any]:
    if not run or not run.get("latency_ms"):
        return [None] * 4
    latency = run["latency_ms"]
    return [latency.get("p50"), latency.get("p95"), latency.get("p99"), run.get("qps")]


def _errors(run: dict[str, Any] | None) -> int:
    return sum(run.get("errors", {}).values()) if run else 0


def sparql_table(sparql: dict[str, Any], levels: tuple[int, ...]) -> list[str]:
    engines = sparql["engines"]
    header = ["query", "engine", "rows"]
    for c in levels:
        header += [f"c{c} p50", "p95", "p99", "q/s"]
    header.append("errors")
    rows = []
    names = next((list(e["queries"]) for e in engines.values()), [])
    for name in [*names, "mix"]:
        first = True
        for engine, figures in engines.items():
            entry = figures["mix"] if name == "mix" else figures["queries"].get(name, {})
            runs = [entry.get(f"c{c}") for c in levels]
            if not any(runs) and entry.get("status") == 200:
                continue  # measured in the mix only (spacekg-cached)
            # The query's name on its first row only.
            row = ["" if not first else name, engine]
            row.append(None if name == "mix" else entry.get("results"))
            first = False
            for run in runs:
                row += _latency_cells(run)
            errors = sum(_errors(r) for r in runs)
            status = entry.get("status")
            row.append(f"HTTP {status}" if status not in (None, 200) else errors or "")
            rows.append(row)
    lines = ["SPARQL latency (ms) and throughput, c1 = 1 client, c8 = 8 concurrent clients"]
    lines += _table(header, rows, digits=2)
    lines += ratio_table(sparql, levels)
    for engine, figures in engines.items():
        if "build_seconds" in figures:
            lines.append(
                f"  {engine}: `spacekg build` into the empty store took "
                + _build_time(figures["build_seconds"], figures.get("build_stages", {}))
            )
        if "rebuild_seconds" in figures:
            lines.append(
                f"  {engine}: then `spacekg build` with {figures['rebuild_added_articles']:,} "
                "more articles took "
                + _build_time(figures["rebuild_seconds"], figures.get("rebuild_stages", {}))
            )
    for engine, reason in sparql.get("skipped", {}).items():
        lines.append(f"  {engine}: not measured: {reason}")
    return lines


def _build_time(seconds: float, stages: dict[str, float]) -> str:
    listed = ", ".join(f"{stage} {_num(time)}" for stage, time in stages.items())
    return f"{_num(seconds)} s" + (f" ({listed})" if listed else "")


SHORT = {
    "spacekg": "skg",
    "spacekg-cached": "skg+cache",
    "oxigraph": "oxi",
    "virtuoso": "virt",
    "spacekg-virtuoso": "skg@virt",
}


def _short(names: str) -> str:
    """`spacekg/oxigraph` as `skg/oxi`: the ratio table's columns fit a terminal."""
    return "/".join(SHORT.get(name, name) for name in names.split("/"))


def ratio_table(sparql: dict[str, Any], levels: tuple[int, ...]) -> list[str]:
    """p50 of spacekg over each raw engine, per query and for the mix; and result counts."""
    pairs = sparql.get("ratios", {})
    if not pairs:
        return []
    engines = sparql["engines"]
    header = ["query"] + [f"{_short(pair)} c{c}" for pair in pairs for c in levels]
    header.append("results " + _short("/".join(engines)))
    names = list(next(iter(pairs.values()))["queries"])
    rows = []
    for name in [*names, "mix"]:
        row: list[Any] = [name]
        for ratio in pairs.values():
            part = ratio["mix"] if name == "mix" else ratio["queries"][name]
            row += [part[f"c{c}"]["p50"] for c in levels]
        counts = [e["queries"].get(name, {}).get("results") for e in engines.values()]
        same = len(set(counts)) <= 1
        row.append("" if name == "mix" else "/".join(map(_num, counts)) + ("" if same else " *"))
        rows.append(row)
    return [
        "Ratio of p50 latency, spacekg / raw engine (above 1: spacekg slower); "
        + ", ".join(f"{short} = {name}" for name, short in SHORT.items())
        + "; * = the engines' answers differ in size",
        *_table(header, rows, digits=2),
    ]


def pages_table(
    pages: dict[str, Any], levels: tuple[int, ...], title: str = "page cache on"
) -> list[str]:
    header = ["page", "incoming", "KB"]
    for c in levels:
        header += [f"c{c} p50", "p99", "q/s"]
    rows = []
    for name, page in pages.items():
        row = [name, page.get("incoming"), page.get("bytes", 0) / 1000]
        for c in levels:
            p50, _, p99, qps = _latency_cells(page.get(f"c{c}"))
            row += [p50, p99, qps]
        rows.append(row)
    return [f"Pages (ms), HTML, same clients as SPARQL, {title}", *_table(header, rows, digits=2)]


def dumps_table(dumps: dict[str, Any]) -> list[str]:
    rows = [
        [
            name,
            d["bytes"] / 1e6,
            d["statements"],
            d["seconds"],
            d["mb_per_second"],
            d["statements_per_second"],
            d["peak_rss_mib"],
            d["peak_rss_with_workers_mib"],
        ]
        for name, d in dumps["dumps"].items()
    ]
    return [
        f"Dumps, streamed whole (server idle RSS {_num(dumps['idle_rss_mib'])} MiB)",
        *_table(
            ["dump", "MB", "statements", "seconds", "MB/s", "stmts/s", "peak RSS", "+workers"],
            rows,
        ),
    ]


def stores_table(figures: dict[str, Any]) -> list[str]:
    """Issue 5's figures side by side: the build and one-article ingests, per store."""
    stores: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None, Any]] = []
    if "build" in figures or "ingest" in figures:
        stores.append(("embedded", figures.get("build"), figures.get("ingest"), None))
    oxigraph = figures.get("oxigraph_store")
    if oxigraph and "skipped" not in oxigraph:
        stores.append(
            ("oxigraph server", oxigraph.get("build"), oxigraph.get("ingest"),
             oxigraph.get("server_peak_rss_mib"))
        )  # fmt: skip
    rows = []
    for name, build, ingest, server in stores:
        counts = build["counts"] if build else {}
        rows.append(
            [
                name,
                build["total"]["seconds"] if build else None,
                build["total"]["peak_rss_mib"] if build else None,
                counts.get("asserted"),
                counts.get("inferred"),
                ingest["cold_seconds"] if ingest else None,
                ingest["warm_median_seconds"] if ingest else None,
                ingest["peak_rss_mib"] if ingest else None,
                server,
            ]
        )
    lines = [
        "Stores: full build, then one-article ingests (cold: a fresh `spacekg ingest`; "
        "warm: the next articles in the same process, as POST /articles)",
        *_table(
            ["store", "build s", "build MiB", "asserted", "inferred", "ingest cold s",
             "warm s", "ingest MiB", "server MiB"],
            rows,
            digits=2,
        ),
    ]  # fmt: skip
    if oxigraph and "skipped" in oxigraph:
        lines.append(f"  oxigraph server: not measured: {oxigraph['skipped']}")
    if oxigraph and "rebuild" in oxigraph:
        rebuild = oxigraph["rebuild"]
        stages = {stage: timed["seconds"] for stage, timed in rebuild["stages"].items()}
        lines.append(
            f"  oxigraph server: then `spacekg build` with {oxigraph['rebuild_added_articles']:,} "
            f"more articles took {_build_time(rebuild['total']['seconds'], stages)}, "
            f"peak {_num(rebuild['total']['peak_rss_mib'])} MiB"
        )
    for name, _, ingest, _ in stores:
        for article in (ingest or {}).get("articles", []):
            if article["status"] != "added":
                what = f"{article['article']} {article['status']}"
                lines.append(f"  {name}: {what} {article['note']}")
    return lines


def size_report(size: int, figures: dict[str, Any], levels: tuple[int, ...]) -> str:
    """Every section measured at one size, as printable text."""
    lines = [f"=== {size:,} articles ==="]
    if "build" in figures:
        lines += [*build_table(figures["build"]), ""]
    if "reasoning" in figures:
        lines += [*reasoning_table(figures["reasoning"]), ""]
    if "sparql" in figures:
        lines += [*sparql_table(figures["sparql"], levels), ""]
    if "pages" in figures:
        lines += [*pages_table(figures["pages"], levels), ""]
    if "pages_uncached" in figures:
        title = "page cache off (every page rendered)"
        lines += [*pages_table(figures["pages_uncached"], levels, title), ""]
    if "dumps" in figures:
        lines += [*dumps_table(figures["dumps"]), ""]
    if {"ingest", "oxigraph_store"} & set(figures):
        lines += [*stores_table(figures), ""]
    for gap in figures.get("gaps", []):
        lines.append(f"GAP: {gap}")
    return "\n".join(lines)
