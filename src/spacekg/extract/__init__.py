"""Article text to RDF. Pure: no files, no network, no store (see README.md here)."""

from __future__ import annotations

from rdflib import Graph

from spacekg.articles import Article
from spacekg.extract import emit, entities, mentions, relations, statements
from spacekg.extract.gazetteer import Gazetteer
from spacekg.extract.model import Findings
from spacekg.extract.text import detect_language
from spacekg.vocab import Iris

__all__ = ["Gazetteer", "analyse", "extract"]


def analyse(article: Article, gazetteer: Gazetteer, iris: Iris) -> Findings:
    """Everything the article says that extraction can find, before it becomes RDF."""
    findings = Findings(
        article=article,
        article_iri=iris.resource(article.slug),
        lang=detect_language(article.body[:3000], "en"),
        gazetteer=gazetteer.copy(),
    )
    statements.find_posts(findings)
    mentions.scan(findings)
    entities.discover(findings, iris)
    mentions.scan_local(findings)
    statements.resolve_post_authors(findings, iris)
    statements.find_quotes(findings, iris)
    relations.find(findings, iris)
    findings.mentions.sort(key=lambda m: m.span.begin)
    return findings


def extract(article: Article, gazetteer: Gazetteer, iris: Iris) -> Graph:
    """The RDF graph of one article: its mentions, statements, new things and facts,
    each traceable to its words by character offsets into `article.body`."""
    return emit.to_graph(analyse(article, gazetteer, iris), iris)
