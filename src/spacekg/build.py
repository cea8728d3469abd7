"""The build: articles -> extract -> reason -> validate -> store.

One function, `build`, runs the whole flow and publishes atomically: either
the new graph replaces the published one whole, or (on any error) the
published graph stays as it was. A bad article is reported by name and left
out; the others still publish.

Built to scale to tens of thousands of articles on a small machine (the
README's build figures: 10,000 articles on 2 cores): each article's triples
are kept as a frozenset of tuples, not an rdflib Graph (a Graph costs several
times the memory and time); terms are shared between articles; big builds
extract in worker processes; reasoning uses the compiled rules by default
(`spacekg.rules`); SHACL validation screens every focus node and runs pySHACL
only where a violation is possible (`validation.validate_triples`); quads
stream to the store. Nothing builds the whole graph in rdflib.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Final

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.term import Node

from spacekg import reasoning, rules, validation
from spacekg.articles import Article, read_article
from spacekg.config import Settings
from spacekg.errors import ArticleError, BuildError, InconsistencyError
from spacekg.extract import Gazetteer, extract
from spacekg.store import Quad, Target, open_target
from spacekg.vocab import DEFAULT_BASE, Iris

Triple = tuple[Node, Node, Node]
Progress = Callable[[str, int, int], None]
Reasoner = Callable[[Graph, Collection[Triple], Iris], reasoning.Inference]

#: The OWL 2 RL engines, by the name the `reasoner` setting takes: both give
#: the same triples (tests/test_reasoning_fast.py); the rules are 20-30x faster.
REASONERS: dict[str, Reasoner] = {"owlrl": reasoning.infer, "rules": rules.infer}

#: Builds of at least this many articles extract them in worker processes, one
#: per CPU: below it, starting the workers (about a second) costs more than it saves.
POOL_MIN_ARTICLES: Final = 300
#: Articles per task sent to a worker: large enough that sending results back
#: is cheap, small enough for a smooth progress display.
POOL_CHUNK: Final = 50
#: Quads between two progress reports while publishing.
PUBLISH_STEP: Final = 100_000


@dataclass
class BuildReport:
    """What a build published, what it left out and why, and how long each stage took."""

    version: str = ""
    articles: list[str] = field(default_factory=list)
    failures: list[ArticleError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Inputs:
    """Everything a build reasons over, before reasoning.

    Each article's triples are a frozenset of (subject, predicate, object)
    tuples of rdflib terms: what extraction produced, without the indexes of a
    Graph that nothing here queries.
    """

    ontology: Graph
    reference: Graph
    articles: dict[str, tuple[Article, frozenset[Triple]]]  # slug -> (article, its triples)
    failures: list[ArticleError]

    def asserted(self) -> set[Triple]:
        """Every asserted triple (reference data and articles), once each."""
        triples: set[Triple] = set(self.reference)
        for _, article_triples in self.articles.values():
            triples |= article_triples
        return triples


def inputs_fingerprint(settings: Settings) -> str:
    """A digest of every input file's name, size and modification time.

    Stored with each build, so `serve` can tell whether the published graph is
    older than the data it was built from without reading the files.
    """
    files = [(str(path), _stat(path)) for path in (settings.ontology_file, settings.shapes_file)]
    for folder, suffix in ((settings.reference_dir, ".ttl"), (settings.articles_dir, ".txt")):
        # scandir, not glob and stat: an ingest into 10,000 articles does this too.
        if folder.is_dir():
            with os.scandir(folder) as entries:
                found = [
                    (str(folder / e.name), e.stat()) for e in entries if e.name.endswith(suffix)
                ]
            files += sorted(found, key=lambda file: file[0])
    digest = hashlib.sha256()
    for path, stat in files:
        digest.update(f"{path}\0{stat and stat.st_size}\0{stat and stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def build(
    settings: Settings,
    *,
    progress: Progress | None = None,
    target: Target | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Build the knowledge graph from `settings.data` and publish it to `target`
    (by default, the store `settings.store` names).

    `workers` is the number of processes extracting articles (None: one per
    CPU when there are at least `POOL_MIN_ARTICLES` articles, else 1; the
    published graph is the same either way). `progress(stage, done, total)`
    is called as each stage advances. Raises BuildError (or a subclass) when
    nothing can be published; the previously published graph is then untouched.
    """
    report = BuildReport()
    fingerprint = inputs_fingerprint(settings)
    iris = settings.iris
    clock = _Clock(report.timings)

    with clock("load"):
        ontology = load_graph(settings.ontology_file)
        shapes = load_graph(settings.shapes_file)
        reference = load_reference(settings.reference_dir, iris)
        gazetteer = Gazetteer.from_graph(reference, ontology)
    with clock("extract"):
        inputs = Inputs(ontology, reference, {}, [])
        extract_all(
            settings.articles_dir,
            settings.max_article_bytes,
            gazetteer,
            iris,
            inputs,
            progress,
            workers=workers,
        )
    if not inputs.articles:
        detail = "; ".join(str(f) for f in inputs.failures[:3]) or "no *.txt files"
        raise BuildError(f"no article in {settings.articles_dir} could be read ({detail})")

    with clock("reason"):
        asserted, inference = _reason_excluding_bad_articles(
            inputs, iris, progress, REASONERS[settings.reasoner]
        )
    with clock("validate"):
        if progress:
            progress("validate", 0, 1)
        # Asserted and inferred are disjoint (inferred triples are new ones), so the
        # chain holds every triple once, as validate_triples asks.
        validation.validate_triples(chain(asserted, inference.triples), shapes)
        del asserted
        if progress:
            progress("validate", 1, 1)

    report.failures = inputs.failures
    report.articles = sorted(article.source for article, _ in inputs.articles.values())
    asserted_count = len(inputs.reference) + sum(len(t) for _, t in inputs.articles.values())
    report.counts = {
        "articles": len(inputs.articles),
        "ontology": len(inputs.ontology),
        "reference": len(inputs.reference),
        "asserted": asserted_count,
        "inferred": len(inference.triples),
        "noise": inference.noise,
    }
    with clock("publish"):
        target = target if target is not None else open_target(settings)
        report.version = target.publish(
            _quads(inputs, inference.triples, iris, progress),
            metadata={
                "articles": str(len(inputs.articles)),
                "asserted": str(asserted_count),
                "inferred": str(len(inference.triples)),
                "noise": str(inference.noise),
                "base": iris.base,
                "inputs": fingerprint,
            },
        )
    return report


# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------


def load_graph(path: Path) -> Graph:
    """Parse one Turtle file; a missing or malformed file is a BuildError naming it."""
    try:
        return Graph().parse(path, format="turtle")
    except FileNotFoundError:
        raise BuildError(f"{path}: no such file") from None
    except (ParserError, SyntaxError, ValueError) as exc:
        raise BuildError(f"{path}: not valid Turtle ({exc})") from None


def load_reference(folder: Path, iris: Iris) -> Graph:
    """The curated gazetteer: every *.ttl in `folder`, rebased onto the configured base."""
    if not folder.is_dir():
        raise BuildError(f"{folder}: the reference folder does not exist")
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph += load_graph(path)
    if iris.base != DEFAULT_BASE:
        graph = rebase(graph, DEFAULT_BASE, iris.base)
    return graph


def rebase(graph: Graph, old: str, new: str) -> Graph:
    """A copy of `graph` with every IRI under `old` moved under `new`."""

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old) :])
        return term

    moved = Graph()
    for s, p, o in graph:
        moved.add((move(s), move(p), move(o)))
    return moved


def extract_all(
    folder: Path,
    max_bytes: int,
    gazetteer: Gazetteer,
    iris: Iris,
    inputs: Inputs,
    progress: Progress | None,
    *,
    workers: int | None = None,
) -> None:
    """Read and extract every article into `inputs`; each failure is recorded by file name.

    With `workers` > 1 (None: see `build`) the articles are extracted in that
    many worker processes; the result is the same, in the same order.
    """
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if workers is None:
        workers = _cpus() if len(paths) >= POOL_MIN_ARTICLES else 1
    outcomes = (
        _extract_pooled(paths, max_bytes, gazetteer, iris, workers)
        if workers > 1 and len(paths) > 1 and _can_fork()
        else _extract_here(paths, max_bytes, gazetteer, iris)
    )
    # One object per distinct term across articles: the same IRIs recur in
    # thousands of articles, and shared terms also hash and compare faster.
    terms: dict[Node, Node] = {}
    share = terms.setdefault
    for done, (name, outcome) in enumerate(outcomes, start=1):
        if isinstance(outcome, ArticleError):
            inputs.failures.append(outcome)
        else:
            article, triples = outcome
            if article.slug in inputs.articles:
                other = inputs.articles[article.slug][0].source
                inputs.failures.append(
                    ArticleError(name, f"has the same identifier as {other}; rename one")
                )
            else:
                shared = frozenset((share(s, s), share(p, p), share(o, o)) for s, p, o in triples)
                inputs.articles[article.slug] = (article, shared)
        if progress:
            progress("extract", done, len(paths))


Outcome = tuple[str, tuple[Article, Iterable[Triple]] | ArticleError]


def _extract_here(
    paths: list[Path], max_bytes: int, gazetteer: Gazetteer, iris: Iris
) -> Iterator[Outcome]:
    for path in paths:
        outcome: tuple[Article, Iterable[Triple]] | ArticleError
        try:
            article = read_article(path, max_bytes)
            outcome = article, _extract_one(article, gazetteer, iris)
        except ArticleError as exc:
            outcome = exc
        yield path.name, outcome


def _extract_pooled(
    paths: list[Path], max_bytes: int, gazetteer: Gazetteer, iris: Iris, workers: int
) -> Iterator[Outcome]:
    """Extraction in `workers` forked processes, results in the order of `paths`.

    Forked rather than spawned: a child starts in milliseconds with this
    process's gazetteer already in memory (the very one the other articles
    get), and nothing is re-imported, so a script that builds needs no
    `if __name__ == "__main__"` guard. Only the triples travel back.
    """
    chunks = [paths[i : i + POOL_CHUNK] for i in range(0, len(paths), POOL_CHUNK)]
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(gazetteer, iris, max_bytes),
    )
    try:
        for results in pool.map(_extract_chunk, chunks):
            for name, article, reason, triples in results:
                if article is None:
                    yield name, ArticleError(name, reason)
                else:
                    yield name, (article, triples)
    except BrokenProcessPool as exc:
        raise BuildError(f"an extraction worker process died ({exc})") from None
    finally:
        # Ctrl-C or an error: do not wait for the articles still queued.
        pool.shutdown(wait=True, cancel_futures=True)


# What a worker process extracts with, set once by _start_worker.
_worker: tuple[Gazetteer, Iris, int] | None = None

ChunkResult = list[tuple[str, Article | None, str, tuple[Triple, ...]]]


def _start_worker(gazetteer: Gazetteer, iris: Iris, max_bytes: int) -> None:
    global _worker
    _worker = (gazetteer, iris, max_bytes)


def _extract_chunk(paths: list[Path]) -> ChunkResult:
    """Extract some articles in a worker. Errors travel as text: an ArticleError's
    constructor arguments do not survive pickling."""
    assert _worker is not None, "_start_worker runs first"
    gazetteer, iris, max_bytes = _worker
    results: ChunkResult = []
    for path in paths:
        try:
            article = read_article(path, max_bytes)
            triples = tuple(_extract_one(article, gazetteer, iris))
        except ArticleError as exc:
            results.append((path.name, None, exc.reason, ()))
        else:
            results.append((path.name, article, "", triples))
    return results


def _can_fork() -> bool:
    """Whether worker processes may be forked from here.

    Not from a process running other threads (a build inside the web server,
    when an ingest needs a full build): a thread holding a lock at the fork
    leaves it locked in the child for ever. Such a build extracts in-process.
    """
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _extract_one(article: Article, gazetteer: Gazetteer, iris: Iris) -> Graph:
    # The article boundary isolates faults: whatever goes wrong while reading one
    # article's text must cost that article, never the build. This is the one
    # place a broad except is right; the error names the file and the cause.
    try:
        return extract(article, gazetteer, iris)
    except Exception as exc:
        raise ArticleError(
            article.source, f"extraction failed ({type(exc).__name__}: {exc})"
        ) from exc


def _reason_excluding_bad_articles(
    inputs: Inputs,
    iris: Iris,
    progress: Progress | None,
    reason: Reasoner = rules.infer,
) -> tuple[set[Triple], reasoning.Inference]:
    """Reason; when an article makes the graph inconsistent, leave it out and reason again.

    Returns the asserted triples reasoned over and what reasoning inferred from them.
    """
    while True:
        if progress:
            progress("reason", 0, 1)
        asserted = inputs.asserted()
        try:
            inference = reason(inputs.ontology, asserted, iris)
        except InconsistencyError as exc:
            del asserted
            culprits = _articles_involving(inputs, exc.resources)
            if not culprits:
                raise BuildError(
                    "the reference data or ontology is inconsistent: " + "; ".join(exc.messages)
                ) from None
            # Leave out one article at a time, the last in order: when two articles
            # clash (one calls "Zephyr" a mission, the other a rover) the first stays.
            article, _ = inputs.articles.pop(culprits[-1])
            inputs.failures.append(
                ArticleError(
                    article.source,
                    "makes the graph inconsistent: " + "; ".join(exc.messages),
                )
            )
            if not inputs.articles:
                raise BuildError("every article made the graph inconsistent") from None
            continue
        if progress:
            progress("reason", 1, 1)
        return asserted, inference


def _articles_involving(inputs: Inputs, resources: list[str]) -> list[str]:
    """The slugs of the articles whose triples name any of `resources`, in order."""
    wanted = {URIRef(r) for r in resources}
    return [
        slug
        for slug, (_, triples) in sorted(inputs.articles.items())
        if any(s in wanted or o in wanted for s, _, o in triples)
    ]


def _quads(
    inputs: Inputs, inferred: Collection[Triple], iris: Iris, progress: Progress | None
) -> Iterator[Quad]:
    graphs: list[tuple[Iterable[Triple], URIRef]] = [
        (inputs.ontology, iris.ontology_graph),
        (inputs.reference, iris.reference_graph),
        (inferred, iris.inferred_graph),
    ]
    for slug, (_, article_triples) in sorted(inputs.articles.items()):
        graphs.append((article_triples, iris.article_graph(slug)))
    total = len(inputs.ontology) + len(inputs.reference) + len(inferred)
    total += sum(len(t) for _, t in inputs.articles.values())
    done = 0
    if progress:
        progress("publish", 0, total)
    for triples, name in graphs:
        for s, p, o in triples:
            yield s, p, o, name
            done += 1
            if progress and done % PUBLISH_STEP == 0:
                progress("publish", done, total)
    if progress:
        progress("publish", total, total)


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, stage: str) -> _Clock:
        self.stage = stage
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self.timings[self.stage] = time.perf_counter() - self.start
