"""What extraction finds in one article, before it becomes RDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rdflib import URIRef
from rdflib.term import Node

from spacekg.articles import Article
from spacekg.extract.gazetteer import Entry, Gazetteer
from spacekg.extract.text import Span


@dataclass(frozen=True)
class Mention:
    span: Span
    entry: Entry


@dataclass
class Statement:
    kind: str  # "post" or "quote"
    span: Span  # the verbatim words
    text: str
    lang: str
    speaker: Entry | None = None
    date: date | None = None
    handle: str | None = None
    display_name: str | None = None
    hashtags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    quoted_post: int | None = None  # index of the post a quote repeats


@dataclass
class Findings:
    """Everything found in one article; `emit.to_graph` turns it into RDF."""

    article: Article
    article_iri: URIRef
    lang: str
    gazetteer: Gazetteer  # the article's own copy, extended with its new names
    new_entries: dict[URIRef, Entry] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    posts: list[Statement] = field(default_factory=list)
    quotes: list[Statement] = field(default_factory=list)
    facts: set[tuple[URIRef, URIRef, Node]] = field(default_factory=set)
    #: Extra typed nodes (positions, postponements): IRI -> (types, label, span)
    nodes: dict[URIRef, tuple[frozenset[URIRef], str, Span | None]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.article.body

    def covered(self, span: Span) -> bool:
        return any(m.span.overlaps(span) for m in self.mentions)

    def mentions_in(self, span: Span) -> list[Mention]:
        return [m for m in self.mentions if m.span in span]
