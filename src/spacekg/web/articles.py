"""The article reader: an article's text with what was recognised in it marked up.

Mentions and statements carry character offsets into `skg:articleBody`
(Python string indices, as the extractor wrote them). The text is cut at
every offset into segments, each knowing the statement and the mention it
falls in, so the template can highlight them and link them to their pages;
the facts of the article's named graph are listed beside it, so a reader
can check the extraction against the text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, URIRef
from rdflib.term import Node

from spacekg.store import Store
from spacekg.vocab import SKG, Iris
from spacekg.web.rdfdata import integer, select, term_n3, uri, values
from spacekg.web.urls import Link, Urls

#: Facts not worth repeating beside the text: the text itself, and the mention nodes.
_HIDDEN = {SKG.articleBody}
FACT_LIMIT = 2000


@dataclass(frozen=True)
class Span:
    begin: int
    end: int
    target: URIRef
    link: Link
    title: str


@dataclass
class Segment:
    text: str
    mention: Span | None = None
    statement: Span | None = None


@dataclass
class Reader:
    paragraphs: list[list[Segment]]
    mentions: int
    statements: int
    facts: list[tuple[URIRef | Node, URIRef, Node]] = field(default_factory=list)
    graph: str = ""


def reader(store: Store, iris: Iris, urls: Urls, article: URIRef) -> Reader | None:
    """The text of `article` cut into marked segments, and its facts; None without a text."""
    body_rows = select(
        store, f"SELECT ?b WHERE {{ {values('a', [article])} ?a <{SKG.articleBody}> ?b }} LIMIT 1"
    )
    if not body_rows:
        return None
    body = str(body_rows[0]["b"])
    anchor = values("a", [article])
    mention_rows = select(
        store,
        f"SELECT ?m ?x ?b ?e WHERE {{ {anchor} ?m <{SKG.inArticle}> ?a ; <{SKG.mentionOf}> ?x ; "
        f"<{SKG.beginIndex}> ?b ; <{SKG.endIndex}> ?e }}",
    )
    statement_rows = select(
        store,
        f"SELECT ?s ?b ?e ?t WHERE {{ {anchor} ?s <{SKG.reportedIn}> ?a ; "
        f"<{SKG.beginIndex}> ?b ; <{SKG.endIndex}> ?e . OPTIONAL {{ ?s <{RDF.type}> ?t }} }}",
    )
    mentions = _spans(mention_rows, "x", len(body), urls, "mention of ")
    statements = _spans(statement_rows, "s", len(body), urls, "statement ")
    slug = iris.slug_of(str(article)) or ""
    graph = iris.article_graph(slug)
    return Reader(
        paragraphs=_cut(body, mentions, statements),
        mentions=len(mentions),
        statements=len(statements),
        facts=_facts(store, graph),
        graph=str(graph),
    )


def _spans(rows: list[dict[str, Node]], key: str, size: int, urls: Urls, what: str) -> list[Span]:
    spans: dict[tuple[int, int, URIRef], Span] = {}
    for row in rows:
        begin, end, target = integer(row, "b", -1), integer(row, "e", -1), uri(row, key)
        if 0 <= begin < end <= size:
            link = urls.link(str(target))
            spans[(begin, end, target)] = Span(begin, end, target, link, what + str(target))
    return sorted(spans.values(), key=lambda s: (s.begin, -s.end))


def _cover(spans: list[Span], size: int) -> list[Span | None]:
    """For each character, the span covering it; where spans overlap the earlier wins."""
    owner: list[Span | None] = [None] * size
    for span in spans:
        if any(owner[i] is not None for i in range(span.begin, span.end)):
            continue  # an overlapping span would split a link in two: keep the first
        for i in range(span.begin, span.end):
            owner[i] = span
    return owner


def _cut(body: str, mentions: list[Span], statements: list[Span]) -> list[list[Segment]]:
    by_mention = _cover(mentions, len(body))
    by_statement = _cover(statements, len(body))
    paragraphs: list[list[Segment]] = [[]]
    current: Segment | None = None
    i = 0
    while i < len(body):
        if body.startswith("\n\n", i) and by_mention[i] is None:
            paragraphs.append([])
            current = None
            while i < len(body) and body[i] == "\n":
                i += 1
            continue
        key = (by_mention[i], by_statement[i])
        if current is None or (current.mention, current.statement) != key:
            current = Segment("", *key)
            paragraphs[-1].append(current)
        current.text += body[i]
        i += 1
    return [p for p in paragraphs if p]


def _facts(store: Store, graph: URIRef) -> list[tuple[URIRef | Node, URIRef, Node]]:
    rows = select(
        store,
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {term_n3(graph)} {{ ?s ?p ?o "
        f"FILTER NOT EXISTS {{ ?s a <{SKG.Mention}> }} }} }} ORDER BY ?s ?p ?o LIMIT {FACT_LIMIT}",
    )
    facts: dict[Node, list[tuple[URIRef, Node]]] = defaultdict(list)
    for row in rows:
        if uri(row, "p") not in _HIDDEN:
            facts[row["s"]].append((uri(row, "p"), row["o"]))
    return [(s, p, o) for s, pairs in facts.items() for p, o in pairs]
