"""What an entity page shows, gathered from the store with a handful of bounded queries.

Every query is anchored on the entity's IRI (bound with VALUES), so the cost
of a page depends on the entity, never on the size of the graph. Facts found
only in the inferred graph are marked, with the axiom that gave them where
one explains it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, SKOS, Literal, URIRef
from rdflib.term import Node

from spacekg.store import Store
from spacekg.store.sparql_text import published_graphs_only
from spacekg.vocab import PREFIXES, SCHEMA, SKG, Iris
from spacekg.web.rdfdata import Languages, Row, curie, integer, select, term_n3, uri, values
from spacekg.web.urls import Link, Urls
from spacekg.web.vocabulary import Ontology

INCOMING_PAGE = 50
#: Most values or links put in order by spacekg rather than by the store (see
#: Gatherer._ordered); past it the store orders them and reads only one page.
SORT_HERE_LIMIT = 50_000
STATEMENT_LIMIT = 200
#: Articles listed under "Mentioned in", those with the most mentions first; the
#: rest are one SPARQL query away (a hub such as NASA is in thousands of articles).
MENTION_LIMIT = 100
#: Values listed per property in the property table, the first in SPARQL order; the
#: rest are one SPARQL query away (a hub is `skg:mentionedIn` thousands of articles).
VALUE_LIMIT = 50

#: Properties shown in their own place on the page, not in the property table.
_SHOWN_APART = {
    RDF.type, RDFS.label, RDFS.comment, SCHEMA.description, SKOS.altLabel, OWL.sameAs,
    SKOS.exactMatch, SKG.articleBody,
}  # fmt: skip
_DESCRIPTIONS = (RDFS.comment, SCHEMA.description)
_SAME = (OWL.sameAs, SKOS.exactMatch)
#: A local name a prefixed name can hold as it is (no escapes needed).
_PLAIN_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass
class Reason:
    """Why the reasoner added a fact: a few words, and the axiom's term to link to."""

    text: str
    term: URIRef | None = None


@dataclass
class Value:
    """One object (or subject, for incoming links) as a reader sees it."""

    term: Node
    text: str
    link: Link | None = None
    lang: str | None = None
    datatype: str | None = None
    inferred: bool = False
    reason: Reason | None = None


@dataclass
class Group:
    """Values of one property, named by the ontology."""

    predicate: URIRef
    label: str
    link: Link
    values: list[Value] = field(default_factory=list)
    count: int = 0
    #: A SPARQL query listing every value, when `values` holds only the first
    #: VALUE_LIMIT of `count`; empty when it holds them all.
    values_query: str = ""


@dataclass
class StatementView:
    iri: URIRef
    text: str
    lang: str | None
    role: str  # "by" or "about"
    speaker: Value | None
    article: Value | None
    date: str | None
    link: Link


@dataclass
class EntityView:
    iri: URIRef
    label: str
    label_lang: str | None
    types: list[Value]
    description: str | None
    alt_labels: list[Value]
    same_as: list[Value]
    properties: list[Group]
    incoming_groups: list[Group]
    incoming: list[tuple[Group, Value]]
    incoming_total: int
    page: int
    pages: int
    mentioned_in: list[tuple[Value, int]]
    #: How many articles mention the entity (mentioned_in lists at most MENTION_LIMIT).
    mentioned_total: int
    #: A SPARQL query listing every article that mentions it.
    mentions_query: str
    statements: list[StatementView]
    is_article: bool


class Gatherer:
    """Builds views of entities for one request (one store version, one reader)."""

    def __init__(self, store: Store, iris: Iris, urls: Urls, ontology: Ontology, langs: Languages):
        self.store, self.iris, self.urls, self.ontology, self.langs = (
            store, iris, urls, ontology, langs,
        )  # fmt: skip
        self._inferred = iris.inferred_graph
        self._published = published_graphs_only(store, iris.graph_base)

    def exists(self, iri: URIRef) -> bool:
        rows = select(
            self.store,
            f"SELECT ?x WHERE {{ {values('x', [iri])} {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }} }} "
            "LIMIT 1",
        )
        return bool(rows)

    def entity(self, iri: URIRef, page: int = 1) -> EntityView:
        """Everything the entity page shows about `iri` (which must exist).

        A property with more than VALUE_LIMIT values shows its first VALUE_LIMIT,
        with its total and a query listing all (properties shown apart show all)."""
        capped, others = self._over_limit(iri)
        # With a property capped, the others are named (subject and predicate as
        # pairs, which every store looks up directly), so the thousands of values
        # a hub's capped property has are never read here.
        anchor = (
            f"VALUES (?s ?p) {{ {' '.join(f'({term_n3(iri)} {term_n3(q)})' for q in others)} }}"
            if capped
            else values("s", [iri])
        )
        out = (
            select(
                self.store,
                f"SELECT ?p ?o ?g WHERE {{ {anchor} GRAPH ?g {{ ?s ?p ?o }} {self._published} }}",
            )
            if others or not capped
            else []
        )
        facts: dict[tuple[URIRef, Node], set[Node]] = defaultdict(set)
        for row in out:
            facts[(uri(row, "p"), row["o"])].add(row["g"])
        for p, count in capped.items():
            for row in self._first_values(iri, p, count):
                facts[(p, row["o"])].add(row["g"])
        asserted = {key for key, graphs in facts.items() if graphs - {self._inferred}}
        groups_in, incoming, total = self._incoming(iri, page)
        mentions, mentioned_total = self._mentions(iri)
        statements = self._statements(iri)
        names = self.labels(
            [o for (_, o) in facts if isinstance(o, URIRef)]
            + [v.term for _, v in incoming if isinstance(v.term, URIRef)]
            + [a for a, _ in mentions]
            + [t for s in statements for t in s if isinstance(t, URIRef)]
        )
        labels = [o for (p, o) in facts if p == RDFS.label and isinstance(o, Literal)]
        best = self.langs.best(labels)
        reasons = self._reasons(iri, facts, asserted)

        def value(p: URIRef, o: Node) -> Value:
            made = self.value(o, names)
            made.inferred = (p, o) not in asserted
            made.reason = reasons.get((p, o)) if made.inferred else None
            return made

        by_predicate: dict[URIRef, list[Value]] = defaultdict(list)
        for p, o in sorted(facts, key=lambda key: (str(key[0]), str(key[1]))):
            by_predicate[p].append(value(p, o))
        types = sorted(by_predicate.get(RDF.type, []), key=lambda v: (v.inferred, v.text.lower()))
        descriptions = [o for (p, o) in facts if p in _DESCRIPTIONS and isinstance(o, Literal)]
        description = self.langs.best(descriptions)
        properties = [
            self.group(p, vals, capped.get(p, 0))
            for p, vals in by_predicate.items()
            if p not in _SHOWN_APART
        ]
        for g in properties:
            if g.predicate in capped:
                g.values_query = self._values_query(iri, g.predicate)
        properties.sort(key=lambda g: g.label.lower())
        return EntityView(
            iri=iri,
            label=str(best) if best is not None else self.fallback_label(iri),
            label_lang=best.language if best is not None else None,
            types=types,
            description=str(description) if description is not None else None,
            alt_labels=sorted(by_predicate.get(SKOS.altLabel, []), key=lambda v: v.text),
            same_as=[v for p in _SAME for v in by_predicate.get(p, []) if v.term != iri],
            properties=properties,
            incoming_groups=groups_in,
            incoming=[(g, self._named(v, names)) for g, v in incoming],
            incoming_total=total,
            page=page,
            pages=max(1, -(-total // INCOMING_PAGE)),
            mentioned_in=[(self.value(a, names), n) for a, n in mentions],
            mentioned_total=mentioned_total,
            mentions_query=self._mentions_query(iri),
            statements=[self._statement(s, names) for s in statements],
            is_article=(RDF.type, SKG.Article) in {(p, o) for p, o in facts},
        )

    # -- pieces ------------------------------------------------------------

    def labels(self, terms: Sequence[Node]) -> dict[Node, Literal]:
        """The reader's best label of each of `terms` that has one (one query)."""
        unique = sorted({t for t in terms if isinstance(t, URIRef)})
        if not unique:
            return {}
        found: dict[Node, list[Literal]] = defaultdict(list)
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            rows = select(
                self.store,
                f"SELECT ?x ?l WHERE {{ {values('x', chunk)} ?x <{RDFS.label}> ?l }}",
            )
            for row in rows:
                if isinstance(row["l"], Literal):
                    found[row["x"]].append(row["l"])
        return {t: best for t, lits in found.items() if (best := self.langs.best(lits))}

    def fallback_label(self, term: Node) -> str:
        slug = self.iris.slug_of(str(term))
        return slug if slug else self.ontology.label(term, self.langs)

    def value(self, term: Node, names: dict[Node, Literal]) -> Value:
        if isinstance(term, Literal):
            datatype = str(term.datatype) if term.datatype is not None else None
            return Value(term, str(term), lang=term.language, datatype=datatype)
        if isinstance(term, URIRef):
            link = self.urls.link(str(term))
            if term in names:
                return Value(term, str(names[term]), link, lang=names[term].language)
            if self.ontology.graph.value(term, RDFS.label) is not None:
                return Value(term, self.ontology.label(term, self.langs), link)
            return Value(term, self.fallback_label(term) if link.local else curie(str(term)), link)
        return Value(term, f"_:{term}")

    def _named(self, value: Value, names: dict[Node, Literal]) -> Value:
        named = self.value(value.term, names)
        named.inferred = value.inferred
        return named

    def group(self, predicate: URIRef, vals: list[Value], count: int = 0) -> Group:
        return Group(
            predicate,
            self.ontology.label(predicate, self.langs),
            self.urls.link(str(predicate)),
            vals,
            count or len(vals),
        )

    def _incoming(
        self, iri: URIRef, page: int
    ) -> tuple[list[Group], list[tuple[Group, Value]], int]:
        anchor = values("o", [iri])
        # Mention nodes are shown in the text (articles) and under "Mentioned in" (entities).
        skip = f"FILTER(?p NOT IN (<{SKG.mentionOf}>, <{SKG.inArticle}>))"
        counts = select(
            self.store,
            f"SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {anchor} ?s ?p ?o {skip} }} "
            "GROUP BY ?p ORDER BY ?p",
        )
        groups = {uri(r, "p"): self.group(uri(r, "p"), [], integer(r, "n")) for r in counts}
        total = sum(g.count for g in groups.values())
        # The page's links (ORDER BY ?p ?s) a property at a time, from the counts;
        # then which of them only the reasoner gave: one query grouping every
        # link's graphs before it limits takes seconds for a hub.
        start = (page - 1) * INCOMING_PAGE
        rows: list[tuple[Node, URIRef]] = []
        before = 0
        for p, group in groups.items():  # in ?p order
            wanted = INCOMING_PAGE - len(rows)
            if wanted > 0 and before + group.count > start:
                pattern = f"?s {term_n3(p)} {term_n3(iri)}"
                first = max(0, start - before)
                rows += [(s, p) for s in self._ordered(pattern, "s", group.count, first, wanted)]
            before += group.count
        inferred = self._inferred_links(iri, rows)
        links = [(groups[p], Value(s, str(s), inferred=(s, p) in inferred)) for s, p in rows]
        ordered = sorted(groups.values(), key=lambda g: (-g.count, g.label.lower()))
        return ordered, links, total

    def _inferred_links(
        self, iri: URIRef, links: Sequence[tuple[Node, URIRef]]
    ) -> set[tuple[Node, URIRef]]:
        """Those of the links (subject, predicate) to `iri` only the inferred graph holds."""
        pairs = [(s, p) for s, p in links if isinstance(s, URIRef)]  # VALUES takes no blank node
        if not pairs:
            return set()
        # Each link's graphs, judged here: Virtuoso (7.2.5) can plan an aggregate
        # over IF(?g = ...) fed by a VALUES of several rows into a query that never
        # ends (seen once a store had served many tests; see the README).
        rows = select(
            self.store,
            f"SELECT ?s ?p ?g WHERE {{ "
            f"VALUES (?s ?p) {{ {' '.join(f'({term_n3(s)} {term_n3(p)})' for s, p in pairs)} }} "
            f"GRAPH ?g {{ ?s ?p {term_n3(iri)} }} {self._published} }}",
        )
        graphs: dict[tuple[Node, URIRef], set[Node]] = {}
        for r in rows:
            graphs.setdefault((r["s"], uri(r, "p")), set()).add(r["g"])
        return {link for link, held in graphs.items() if held == {self._inferred}}

    def _over_limit(self, iri: URIRef) -> tuple[dict[URIRef, int], list[URIRef]]:
        """The properties of `iri` with more than VALUE_LIMIT distinct values (those
        shown apart left out), each with how many it has, and its other properties
        (one query)."""
        rows = select(
            self.store,
            f"SELECT ?p (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {values('s', [iri])} ?s ?p ?o }} "
            "GROUP BY ?p",
        )
        counts = {uri(r, "p"): integer(r, "n") for r in rows}
        capped = {
            p: n for p, n in sorted(counts.items()) if n > VALUE_LIMIT and p not in _SHOWN_APART
        }
        return capped, sorted(p for p in counts if p not in capped)

    def _first_values(self, iri: URIRef, predicate: URIRef, count: int) -> list[Row]:
        """The first VALUE_LIMIT distinct values of `predicate` for `iri` (SPARQL order;
        `count`: how many it has), each as often as it has published graphs (?o, ?g):
        whether a value is inferred depends on all its graphs."""
        triple = f"{term_n3(iri)} {term_n3(predicate)} ?o"
        # Two queries: with the first as a subquery, Oxigraph (0.5) joins every
        # value's graphs before it limits (0.4 s for a hub, against 20 ms).
        first = self._ordered(triple, "o", count, 0, VALUE_LIMIT)
        if not first:
            return []
        # A FILTER, not VALUES: the pattern keeps a constant subject and predicate,
        # the one shape every store plans well with GRAPH ?g (and Virtuoso matches
        # no language-tagged literal in a VALUES block of more than one row).
        return select(
            self.store,
            f"SELECT ?o ?g WHERE {{ GRAPH ?g {{ {triple} }} "
            f"FILTER(?o IN ({', '.join(map(term_n3, first))})) {self._published} }}",
        )

    def _ordered(self, pattern: str, var: str, count: int, offset: int, limit: int) -> list[Node]:
        """The distinct bindings of `?var` in `pattern` (`count` of them), in SPARQL's
        ORDER BY order, `limit` of them from `offset`.

        Put in order here when there are at most SORT_HERE_LIMIT and none is a
        literal: Oxigraph (0.5) looks each IRI up to compare it, 0.4 s to order a
        hub's 9,500 links, against 35 ms to read them and sort them here."""
        if count <= SORT_HERE_LIMIT:
            found = select(self.store, f"SELECT DISTINCT ?{var} WHERE {{ {pattern} }}")
            ordered = _in_sparql_order(row[var] for row in found)
            if ordered is not None:
                return ordered[offset : offset + limit]
        rows = select(
            self.store,
            f"SELECT DISTINCT ?{var} WHERE {{ {pattern} }} ORDER BY ?{var} "
            f"LIMIT {limit} OFFSET {offset}",
        )
        return [row[var] for row in rows]

    def _values_query(self, iri: URIRef, predicate: URIRef) -> str:
        """A query, for a person to read and run, listing every value of `predicate` for `iri`."""
        prefix, name = _readable(predicate)
        return (
            f"{prefix}SELECT ?value WHERE {{\n  {term_n3(iri)} {name} ?value .\n}} ORDER BY ?value"
        )

    def _mentions(self, iri: URIRef) -> tuple[list[tuple[URIRef, int]], int]:
        """The articles mentioning `iri` most (at most MENTION_LIMIT), and how many do."""
        pattern = f"{values('o', [iri])} ?m <{SKG.mentionOf}> ?o ; <{SKG.inArticle}> ?a"
        grouped = f"SELECT ?a (COUNT(DISTINCT ?m) AS ?n) WHERE {{ {pattern} }} GROUP BY ?a"
        # Every article, put in order here unless there are too many to read:
        # ordering by ?a too took Oxigraph (0.5) 0.25 s for a hub's 5,100 articles,
        # against 0.15 s without (see _ordered).
        rows = select(self.store, f"{grouped} LIMIT {SORT_HERE_LIMIT + 1}")
        if len(rows) <= SORT_HERE_LIMIT:
            found = sorted(
                ((uri(r, "a"), integer(r, "n")) for r in rows), key=lambda an: (-an[1], str(an[0]))
            )
            return found[:MENTION_LIMIT], len(found)
        rows = select(self.store, f"{grouped} ORDER BY DESC(?n) ?a LIMIT {MENTION_LIMIT}")
        counted = select(self.store, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ {pattern} }}")
        return [(uri(r, "a"), integer(r, "n")) for r in rows], integer(counted[0], "n")

    def _mentions_query(self, iri: URIRef) -> str:
        return (
            f"PREFIX skg: <{SKG._NS}>\n"
            "SELECT ?article (COUNT(DISTINCT ?mention) AS ?mentions) WHERE {\n"
            f"  ?mention skg:mentionOf <{iri}> ; skg:inArticle ?article .\n"
            "} GROUP BY ?article ORDER BY DESC(?mentions) ?article"
        )

    def _statements(self, iri: URIRef) -> list[tuple[Node, ...]]:
        rows = select(
            self.store,
            f"SELECT ?st ?text ?role ?speaker ?article ?date WHERE {{ {values('o', [iri])} "
            f"{{ ?st <{SKG.statedBy}> ?o BIND('by' AS ?role) }} UNION "
            f"{{ ?st <{SKG.mentions}> ?o FILTER NOT EXISTS {{ ?st <{SKG.statedBy}> ?o }} "
            f"BIND('about' AS ?role) }} "
            f"?st <{SKG.text}> ?text . "
            f"OPTIONAL {{ ?st <{SKG.statedBy}> ?speaker }} "
            f"OPTIONAL {{ ?st <{SKG.reportedIn}> ?article }} "
            f"OPTIONAL {{ ?st <{SKG.datePublished}> ?d1 }} "
            f"OPTIONAL {{ ?article <{SKG.datePublished}> ?d2 }} "
            f"BIND(COALESCE(?d1, ?d2) AS ?date) }} "
            f"ORDER BY ?role ?date ?st LIMIT {STATEMENT_LIMIT}",
        )
        seen: set[Node] = set()
        result = []
        for r in rows:
            if r["st"] in seen:
                continue
            seen.add(r["st"])
            keys = ("st", "text", "role", "speaker", "article", "date")
            result.append(tuple(r.get(k, Literal("")) for k in keys))
        return result

    def _statement(self, row: tuple[Node, ...], names: dict[Node, Literal]) -> StatementView:
        st, text, role, speaker, article, date = row
        return StatementView(
            iri=URIRef(str(st)),
            text=str(text),
            lang=text.language if isinstance(text, Literal) else None,
            role=str(role),
            speaker=self.value(speaker, names) if isinstance(speaker, URIRef) else None,
            article=self.value(article, names) if isinstance(article, URIRef) else None,
            date=str(date) or None,
            link=self.urls.link(str(st)),
        )

    def _reasons(
        self,
        iri: URIRef,
        facts: dict[tuple[URIRef, Node], set[Node]],
        asserted: set[tuple[URIRef, Node]],
    ) -> dict[tuple[URIRef, Node], Reason]:
        """The axiom behind each inferred fact, where a single one explains it."""
        onto = self.ontology
        reasons: dict[tuple[URIRef, Node], Reason] = {}
        asserted_types = [o for p, o in asserted if p == RDF.type and isinstance(o, URIRef)]
        asserted_props = [p for p, _ in asserted]
        inferred = [key for key in facts if key not in asserted]
        backwards: dict[URIRef, set[URIRef]] = {}  # for inverse/symmetric: who points back
        wanted = {
            q
            for p, _ in inferred
            if p != RDF.type
            for q in onto.inverses(p) | ({p} if onto.is_symmetric(p) else set())
        }
        if wanted:
            rows = select(
                self.store,
                f"SELECT ?x ?q WHERE {{ {values('q', sorted(wanted))} {values('o', [iri])} "
                f"GRAPH ?g {{ ?x ?q ?o }} FILTER(?g != <{self._inferred}>) {self._published} }}",
            )
            for r in rows:
                backwards.setdefault(uri(r, "q"), set()).add(uri(r, "x"))
        for p, o in inferred:
            name = onto.label
            if p == RDF.type and isinstance(o, URIRef):
                sub = next(
                    (d for d in asserted_types if o in onto.ancestors(d, RDFS.subClassOf)), None
                )
                if sub is not None:
                    reasons[(p, o)] = Reason(
                        f"{name(sub, self.langs)} is a subclass of {name(o, self.langs)}", sub
                    )
                    continue
                dom = next((q for q in asserted_props if o in _closed(onto, q, RDFS.domain)), None)
                if dom is not None:
                    reasons[(p, o)] = Reason(f"domain of {name(dom, self.langs)}", dom)
                continue
            for q in sorted(onto.inverses(p)):
                if isinstance(o, URIRef) and o in backwards.get(q, set()):
                    reasons[(p, o)] = Reason(f"inverse of {name(q, self.langs)}", q)
                    break
            else:
                if onto.is_symmetric(p) and isinstance(o, URIRef) and o in backwards.get(p, set()):
                    reasons[(p, o)] = Reason(f"{name(p, self.langs)} is symmetric", p)
                    continue
                sub_p = next(
                    (
                        q
                        for q, o2 in asserted
                        if o2 == o and p in onto.ancestors(q, RDFS.subPropertyOf)
                    ),
                    None,
                )
                if sub_p is not None:
                    reasons[(p, o)] = Reason(
                        f"{name(sub_p, self.langs)} is a subproperty of {name(p, self.langs)}",
                        sub_p,
                    )
        return reasons


def _readable(term: URIRef) -> tuple[str, str]:
    """`term` as a query a person reads writes it: a PREFIX line and `skg:mentionedIn`
    where one of our prefixes fits, else no line and `<…>`."""
    short = curie(str(term))
    prefix, _, local = short.partition(":")
    if short != str(term) and _PLAIN_LOCAL.fullmatch(local):
        return f"PREFIX {prefix}: <{PREFIXES[prefix]}>\n", short
    return "", term_n3(term)


def _closed(onto: Ontology, prop: URIRef, axis: URIRef) -> set[URIRef]:
    """Classes `prop` (or a property above it) has as domain/range, with their superclasses."""
    direct = {
        c for q in {prop} | onto.ancestors(prop, RDFS.subPropertyOf) for c in onto.objects(q, axis)
    }
    return direct | {a for c in direct for a in onto.ancestors(c, RDFS.subClassOf)}


def _in_sparql_order(terms: Iterable[Node]) -> list[Node] | None:
    """`terms` as SPARQL's ORDER BY gives them (blank nodes, then IRIs by code
    point); None when one is a literal, whose order (numbers, dates, language
    tags) is the store's to give."""
    listed = list(terms)
    if any(isinstance(term, Literal) for term in listed):
        return None
    return sorted(listed, key=lambda term: (isinstance(term, URIRef), str(term)))
