"""Findings to RDF: the article, its mentions, statements, new things and facts."""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from spacekg.articles import slugify
from spacekg.extract.gazetteer import Entry
from spacekg.extract.model import Findings, Statement
from spacekg.extract.statements import account_iri
from spacekg.extract.text import paragraphs, sentences
from spacekg.vocab import PREFIXES, SKG, Iris

_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_TITLE_LENGTH = 140


def to_graph(findings: Findings, iris: Iris) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("res", iris.resource_prefix)
    _article(graph, findings)
    _mentions(graph, findings)
    for entry in findings.new_entries.values():
        graph.add((entry.iri, RDFS.label, Literal(entry.label, lang=entry.lang or None)))
    for index, post in enumerate(findings.posts, start=1):
        _post(graph, findings, iris, post, index)
    for index, quote in enumerate(findings.quotes, start=1):
        _quote(graph, findings, iris, quote, index)
    for node, (types, label, _span) in findings.nodes.items():
        for cls in types:
            graph.add((node, RDF.type, cls))
        graph.add((node, RDFS.label, Literal(label, lang="en")))
    for fact in findings.facts:
        graph.add(fact)
    return graph


def title_of(body: str) -> str:
    """A title for an article: its first line if that is a heading, else its first sentence."""
    first = next(iter(paragraphs(body)), None)
    if first is None:
        return ""
    spans = sentences(body[: first.end])
    text = body[spans[0].begin : spans[0].end] if spans else body[first.begin : first.end]
    text = " ".join(text.split())
    if len(text) <= _TITLE_LENGTH:
        return text
    cut = text.rfind(" ", 0, _TITLE_LENGTH - 1)
    return text[: cut if cut > 0 else _TITLE_LENGTH - 1].rstrip(",;:") + "…"


def _article(graph: Graph, findings: Findings) -> None:
    article, iri, lang = findings.article, findings.article_iri, findings.lang
    graph.add((iri, RDF.type, SKG.Article))
    graph.add((iri, RDFS.label, Literal(title_of(article.body), lang=lang)))
    graph.add((iri, SKG.datePublished, Literal(article.date.isoformat(), datatype=XSD.date)))
    graph.add((iri, SKG.articleBody, Literal(article.body, lang=lang)))
    graph.add((iri, SKG.sourceFile, Literal(article.source)))
    graph.add((iri, SKG.language, Literal(lang)))
    for mention in findings.mentions:
        graph.add((iri, SKG.mentions, mention.entry.iri))


def _mentions(graph: Graph, findings: Findings) -> None:
    for mention in findings.mentions:
        span = mention.span
        node = URIRef(f"{findings.article_iri}#mention-{span.begin}-{span.end}")
        graph.add((node, RDF.type, SKG.Mention))
        graph.add((node, SKG.mentionOf, mention.entry.iri))
        graph.add((node, SKG.inArticle, findings.article_iri))
        graph.add((node, SKG.beginIndex, _index(span.begin)))
        graph.add((node, SKG.endIndex, _index(span.end)))
        graph.add((node, SKG.anchorText, Literal(findings.text[span.begin : span.end])))


def _statement(
    graph: Graph, findings: Findings, node: URIRef, statement: Statement, label: str
) -> None:
    assert statement.speaker is not None
    graph.add((node, RDFS.label, Literal(label, lang="en")))
    graph.add((node, SKG.text, Literal(statement.text, lang=statement.lang)))
    graph.add((node, SKG.language, Literal(statement.lang)))
    graph.add((node, SKG.statedBy, statement.speaker.iri))
    graph.add((node, SKG.reportedIn, findings.article_iri))
    graph.add((node, SKG.beginIndex, _index(statement.span.begin)))
    graph.add((node, SKG.endIndex, _index(statement.span.end)))
    for mention in findings.mentions_in(statement.span):
        graph.add((node, SKG.mentions, mention.entry.iri))


def _post(graph: Graph, findings: Findings, iris: Iris, post: Statement, index: int) -> None:
    assert post.speaker is not None and post.handle is not None
    node = iris.resource(f"{findings.article.slug}-post-{index}")
    graph.add((node, RDF.type, SKG.SocialMediaPost))
    when = f", {post.date.isoformat()}" if post.date else ""
    _statement(graph, findings, node, post, f"Post by {post.speaker.label}{when}")
    if post.date:
        graph.add((node, SKG.datePublished, Literal(post.date.isoformat(), datatype=XSD.date)))
    account = _account(graph, findings, iris, post.handle, post.speaker, post.display_name)
    graph.add((node, SKG.postedFrom, account))
    for handle in post.handles:
        graph.add((node, SKG.mentionsAccount, _account(graph, findings, iris, handle, None, None)))
    for tag in post.hashtags:
        hashtag = iris.resource("hashtag-" + (slugify(tag) or tag.lower()))
        graph.add((hashtag, RDF.type, SKG.Hashtag))
        graph.add((hashtag, RDFS.label, Literal("#" + tag)))
        graph.add((node, SKG.hasHashtag, hashtag))
        for entry in findings.gazetteer.by_compact(tag):
            graph.add((node, SKG.mentions, entry.iri))
    for link in post.links:
        if _SAFE_IRI.match(link):
            graph.add((node, SKG.linksTo, URIRef(link)))


def _account(
    graph: Graph,
    findings: Findings,
    iris: Iris,
    handle: str,
    owner: Entry | None,
    display_name: str | None,
) -> URIRef:
    known = findings.gazetteer.account(handle)
    if known is not None:
        return known
    account = account_iri(iris, handle)
    graph.add((account, RDF.type, SKG.Account))
    graph.add((account, SKG.handle, Literal(handle)))
    graph.add((account, RDFS.label, Literal("@" + handle)))
    if owner is not None:
        graph.add((account, SKG.accountOf, owner.iri))
    if display_name:
        graph.add((account, SKG.displayName, Literal(display_name)))
    return account


def _quote(graph: Graph, findings: Findings, iris: Iris, quote: Statement, index: int) -> None:
    assert quote.speaker is not None
    node = iris.resource(f"{findings.article.slug}-quote-{index}")
    graph.add((node, RDF.type, SKG.Quote))
    _statement(graph, findings, node, quote, f"Quote by {quote.speaker.label}")
    if quote.quoted_post is not None:
        post = iris.resource(f"{findings.article.slug}-post-{quote.quoted_post + 1}")
        graph.add((post, SKG.quotedIn, node))


def _index(offset: int) -> Literal:
    # xsd:integer, not xsd:nonNegativeInteger: stores canonicalise derived integer types,
    # and what we validate should be what we publish. SHACL checks it is never negative.
    return Literal(offset, datatype=XSD.integer)
