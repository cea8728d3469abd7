"""The build: articles -> extract -> reason -> validate -> store.

One function, `build`, runs the whole flow and publishes atomically: either
the new graph replaces the published one whole, or (on any error) the
published graph stays as it was. A bad article is reported by name and left
out; the others still publish.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.term import Node

from spacekg import reasoning, rules, validation
from spacekg.articles import Article, read_article
from spacekg.config import Settings
from spacekg.errors import ArticleError, BuildError, InconsistencyError, ValidationError
from spacekg.extract import Gazetteer, extract
from spacekg.store import Quad, Target, open_target
from spacekg.vocab import DEFAULT_BASE, Iris

Progress = Callable[[str, int, int], None]
Reasoner = Callable[[Graph, Graph, Iris], reasoning.Closure]

#: The OWL 2 RL engines, by the name the `reasoner` setting takes.
REASONERS: dict[str, Reasoner] = {"owlrl": reasoning.reason, "rules": rules.reason}


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
    """Everything a build reasons over, before reasoning."""

    ontology: Graph
    reference: Graph
    articles: dict[str, tuple[Article, Graph]]  # slug -> (article, its graph)
    failures: list[ArticleError]


def inputs_fingerprint(settings: Settings) -> str:
    """A digest of every input file's name, size and modification time.

    Stored with each build, so `serve` can tell whether the published graph is
    older than the data it was built from without reading the files.
    """
    paths = [settings.ontology_file, settings.shapes_file]
    for folder, pattern in ((settings.reference_dir, "*.ttl"), (settings.articles_dir, "*.txt")):
        paths += sorted(folder.glob(pattern)) if folder.is_dir() else []
    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat() if path.exists() else None
        digest.update(f"{path}\0{stat and stat.st_size}\0{stat and stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def build(
    settings: Settings, *, progress: Progress | None = None, target: Target | None = None
) -> BuildReport:
    """Build the knowledge graph from `settings.data` and publish it to `target`
    (by default, the store `settings.store` names).

    Raises BuildError (or a subclass) when nothing can be published; the
    previously published graph is then untouched.
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
            settings.articles_dir, settings.max_article_bytes, gazetteer, iris, inputs, progress
        )
    if not inputs.articles:
        detail = "; ".join(str(f) for f in inputs.failures[:3]) or "no *.txt files"
        raise BuildError(f"no article in {settings.articles_dir} could be read ({detail})")

    with clock("reason"):
        closure = _reason_excluding_bad_articles(
            inputs, iris, progress, REASONERS[settings.reasoner]
        )
    with clock("validate"):
        _validate_excluding_bad_articles(inputs, closure, shapes, iris, progress)

    report.failures = inputs.failures
    report.articles = sorted(article.source for article, _ in inputs.articles.values())
    asserted = len(inputs.reference) + sum(len(g) for _, g in inputs.articles.values())
    report.counts = {
        "articles": len(inputs.articles),
        "ontology": len(inputs.ontology),
        "reference": len(inputs.reference),
        "asserted": asserted,
        "inferred": len(closure.inferred),
        "noise": closure.noise,
    }
    with clock("publish"):
        if progress:
            progress("publish", 0, 1)
        target = target if target is not None else open_target(settings)
        report.version = target.publish(
            _quads(inputs, closure.inferred, iris),
            metadata={
                "articles": str(len(inputs.articles)),
                "asserted": str(asserted),
                "inferred": str(len(closure.inferred)),
                "noise": str(closure.noise),
                "base": iris.base,
                "inputs": fingerprint,
            },
        )
        if progress:
            progress("publish", 1, 1)
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
) -> None:
    """Read and extract every article; each failure is recorded by file name."""
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    for done, path in enumerate(paths, start=1):
        try:
            article = read_article(path, max_bytes)
            graph = _extract_one(article, gazetteer, iris)
        except ArticleError as exc:
            inputs.failures.append(exc)
        else:
            if article.slug in inputs.articles:
                other = inputs.articles[article.slug][0].source
                inputs.failures.append(
                    ArticleError(path.name, f"has the same identifier as {other}; rename one")
                )
            else:
                inputs.articles[article.slug] = (article, graph)
        if progress:
            progress("extract", done, len(paths))


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


def _asserted(inputs: Inputs) -> Graph:
    graph = Graph()
    graph += inputs.reference
    for _, article_graph in inputs.articles.values():
        graph += article_graph
    return graph


def _reason_excluding_bad_articles(
    inputs: Inputs,
    iris: Iris,
    progress: Progress | None,
    reason: Reasoner = reasoning.reason,
) -> reasoning.Closure:
    """Reason; when an article makes the graph inconsistent, leave it out and reason again."""
    while True:
        if progress:
            progress("reason", 0, 1)
        try:
            closure = reason(inputs.ontology, _asserted(inputs), iris)
        except InconsistencyError as exc:
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
        return closure


def _validate_excluding_bad_articles(
    inputs: Inputs,
    closure: reasoning.Closure,
    shapes: Graph,
    iris: Iris,
    progress: Progress | None,
) -> None:
    if progress:
        progress("validate", 0, 1)
    data = _asserted(inputs)
    data += closure.inferred
    try:
        validation.validate(data, shapes)
    except ValidationError as exc:
        # Violations are reported whole: SHACL failures mean the extractor or the
        # reference data has a bug, which a person must see, not a skipped article.
        raise exc
    if progress:
        progress("validate", 1, 1)


def _articles_involving(inputs: Inputs, resources: list[str]) -> list[str]:
    wanted = {URIRef(r) for r in resources}
    culprits = []
    for slug, (_, graph) in sorted(inputs.articles.items()):
        if any((r, None, None) in graph or (None, None, r) in graph for r in wanted):
            culprits.append(slug)
    return culprits


def _quads(inputs: Inputs, inferred: Graph, iris: Iris) -> Iterator[Quad]:
    for graph, name in (
        (inputs.ontology, iris.ontology_graph),
        (inputs.reference, iris.reference_graph),
        (inferred, iris.inferred_graph),
    ):
        for s, p, o in graph:
            yield s, p, o, name
    for slug, (_, graph) in sorted(inputs.articles.items()):
        name = iris.article_graph(slug)
        for s, p, o in graph:
            yield s, p, o, name


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
