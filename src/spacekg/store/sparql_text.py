"""SPARQL text for data: terms written by code, never pasted.

IRIs, language tags and blank node labels have been checked by pyoxigraph when
the terms were made, so none can end a term early; strings are escaped here so
that any SPARQL processor reads back the same text.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from spacekg.store.base import Store

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: An escaped backslash (always a pair, so a match is never misaligned) before u or U.
_ESCAPED_BACKSLASH_U = re.compile(r"\\\\([uU])")


def sparql_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """`term` as SPARQL (and N-Triples) writes it; pyoxigraph has checked its IRIs,
    language tag and blank node label, so nothing here can end the term early."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    text = sparql_string(term.value)
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype.value == _XSD_STRING:
        return text
    return f"{text}^^<{term.datatype.value}>"


def sparql_string(value: str) -> str:
    """`value` as a SPARQL string literal, read back as `value` by any processor.

    Quotes, backslashes and line breaks are escaped. A processor may replace
    `\\uXXXX` anywhere in the text before parsing (SPARQL 1.1 §19.2), so the `u`
    (or `U`) after an escaped backslash is itself written as an escape: read
    with or without that step, the text comes back the same.
    """
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    # One pass (a second would find its own output). The long form \U: some
    # processors read up to eight hex digits after a short \u.
    escaped = _ESCAPED_BACKSLASH_U.sub(lambda found: f"\\\\\\U{ord(found[1]):08X}", escaped)
    return f'"{escaped}"'


def terms_text(triple: ox.Triple) -> str:
    """The three terms of `triple`, as a VALUES row or a triple pattern writes them."""
    subject, predicate, object_ = triple.subject, triple.predicate, triple.object
    assert not isinstance(subject, ox.Triple) and not isinstance(object_, ox.Triple)
    return f"{sparql_term(subject)} {sparql_term(predicate)} {sparql_term(object_)}"


def triple_text(triple: ox.Triple) -> str:
    """`triple` as a line of QuadData (or N-Triples)."""
    return f"{terms_text(triple)} .\n"


def published_graphs_only(store: Store, graph_base: str, var: str = "g") -> str:
    """A FILTER keeping `?var` to the published graphs, which are all named under
    `graph_base`, on a store whose GRAPH patterns may match others (see
    base.Store.foreign_graphs); nothing on a store whose graphs are all published."""
    if not store.foreign_graphs:
        return ""
    return f"FILTER(STRSTARTS(STR(?{var}), {sparql_string(graph_base)}))"
