"""Minting new entities: one IRI per name, stable across articles and rebuilds."""

from __future__ import annotations

import hashlib

from rdflib import RDF, URIRef

from spacekg.articles import slugify
from spacekg.extract.gazetteer import Entry
from spacekg.extract.model import Findings
from spacekg.vocab import Iris


def mint(
    findings: Findings, iris: Iris, name: str, cls: URIRef, *, lang: str | None = None
) -> Entry:
    """A new entity for `name`, or the one already minted for it in this article.

    The slug comes from the name alone, so the same name in two articles gives
    the same IRI; a clash with a known thing of another kind adds the kind. The
    label's language is `lang` (the language of the words the name came from)
    or else the article's.
    """
    name = " ".join(name.split())
    gazetteer = findings.gazetteer
    for known in gazetteer.lookup(name):
        if known.is_a(cls):
            return known
    slug = slugify(name) or "entity-" + _short_hash(name)
    iri = iris.resource(slug)
    existing = gazetteer.entries.get(iri)
    if existing is not None and not existing.is_a(cls):
        iri = iris.resource(f"{slug}-{slugify(str(cls).rsplit('#', 1)[-1])}")
    entry = Entry(iri, name, lang or findings.lang, gazetteer.types_of(cls))
    gazetteer.add_entry(entry, [name])
    findings.new_entries[iri] = entry
    findings.facts.add((iri, RDF.type, cls))
    return entry


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]
