"""Reading the store for pages: parameterised queries, terms back as rdflib terms.

No user text is ever pasted into a query. Values go in through `values()`,
which writes each term with its own escaping (rdflib's `n3()`) after checking
that an IRI is one a query can hold; slugs are checked against a strict
pattern before they become IRIs (`Iris.resource`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from spacekg.errors import QueryError
from spacekg.store import Store
from spacekg.vocab import PREFIXES

Row = dict[str, Node]

#: Characters an IRI reference may not hold (RFC 3987 / the SPARQL IRIREF rule).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def iri(text: str) -> URIRef:
    """`text` as an IRI safe to write into a query. Raises QueryError when it is not one."""
    if not text or _BAD_IRI.search(text) or ":" not in text:
        raise QueryError(f"not an IRI: {text!r}")
    return URIRef(text)


def term_n3(term: Node) -> str:
    """One term written for a query: IRIs checked, literals escaped by rdflib."""
    if isinstance(term, URIRef):
        return f"<{iri(str(term))}>"
    if isinstance(term, Literal):
        return term.n3()
    raise QueryError(f"cannot put {type(term).__name__} into a query")


def values(var: str, terms: Iterable[Node]) -> str:
    """A `VALUES ?var { … }` block binding `var` to each of `terms`."""
    if not var.isidentifier():
        raise QueryError(f"not a variable name: {var!r}")
    return f"VALUES ?{var} {{ {' '.join(term_n3(t) for t in terms)} }}"


def select(store: Store, sparql: str) -> list[Row]:
    """The solutions of a SELECT query, each as {variable: rdflib term} (unbound left out)."""
    data = json.loads(store.query(sparql).serialize("json"))
    return [
        {name: _term(value) for name, value in binding.items()}
        for binding in data["results"]["bindings"]
    ]


def construct(store: Store, sparql: str) -> Graph:
    """The triples of a CONSTRUCT query, as an rdflib Graph."""
    graph = Graph()
    graph.parse(data=store.query(sparql).serialize("nt"), format="nt")
    return graph


def _term(value: dict[str, str]) -> Node:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(
        value["value"],
        lang=value.get("xml:lang"),
        datatype=URIRef(value["datatype"]) if "datatype" in value else None,
    )


def uri(row: Row, name: str) -> URIRef:
    """A binding of `row` as an IRI (the query guarantees it is one)."""
    return URIRef(str(row[name]))


def integer(row: Row, name: str, default: int = 0) -> int:
    """An integer binding of `row`, or `default` when unbound."""
    value = row.get(name)
    return int(value) if isinstance(value, Literal) else default


@dataclass(frozen=True)
class Languages:
    """The reader's languages, most wanted first (from Accept-Language), then English."""

    wanted: Sequence[str] = ("en",)

    def rank(self, literal: Literal) -> int:
        """Lower is better: an exact match, then the same primary language, then
        English, then no language tag, then anything."""
        lang = (literal.language or "").lower()
        for position, want in enumerate(self.wanted):
            if lang == want:
                return position * 2
            if lang and lang.split("-")[0] == want.split("-")[0]:
                return position * 2 + 1
        return 1000 if not lang else 2000

    def best(self, literals: Iterable[Literal]) -> Literal | None:
        """The literal the reader most wants, or None when there are none."""
        ranked = sorted(literals, key=lambda lit: (self.rank(lit), str(lit)))
        return ranked[0] if ranked else None


def local_name(iri_text: str) -> str:
    """The last segment of an IRI (after '#' or '/'), for terms without a label."""
    tail = re.split(r"[#/]", iri_text.rstrip("/#"))[-1]
    return tail or iri_text


def curie(iri_text: str) -> str:
    """`iri_text` shortened with our prefixes (`schema:Person`), or whole when none fits."""
    for prefix, namespace in PREFIXES.items():
        if iri_text.startswith(namespace) and len(iri_text) > len(namespace):
            return f"{prefix}:{iri_text[len(namespace) :]}"
    return iri_text
