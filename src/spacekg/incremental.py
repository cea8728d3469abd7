"""Incremental OWL 2 RL: what adding or replacing one article changes in the published closure.

A full build publishes `inferred = closure(ontology + asserted) - given - noise`
(`rules.reason`, tested equal to owlrl). `reason_change` computes how that
graph changes when one article graph is added or replaced, reading only the
parts of the published graph the change can reach, so an ingest costs what
the article touches, not what the graph holds. The result is exactly what a
full rebuild of the same articles would publish (tests/test_ingest.py checks
that equality on real builds).

Why it can be exact and small. The compiled rules (`rules.Schema`) are of two
kinds:

- single-premise rules (cax-sco, prp-spo1, prp-dom, prp-rng, prp-inv,
  prp-symp) derive from one triple, and everything they derive mentions only
  that triple's subject and object;
- join rules (prp-trp, prp-spo2) join triples of a few predicates: the
  transitive properties and the links of property chains.

Call JOIN the predicates whose triples can lead, through single-premise
rules, to a triple a join rule reads. Then the closure splits in two:

    closure(A) = closure(ontology + A_JOIN) + singles(t) for every other t in A

where A_JOIN is the asserted triples with a JOIN predicate (few: carriers,
postponements, causes) and singles(t) is what single-premise rules derive
from t alone (no JOIN triple among them, by construction). So:

- gains are singles of the article's new triples, plus what the join closure
  gains in the connected parts of A_JOIN the change touches;
- a triple the old article supported is lost only if no other support is
  left: another asserted triple about the same subject or object whose
  singles give it, or the join closure of a component holding a JOIN triple
  about it. Both are read from the store (the asserted neighbourhood of the
  nodes involved; the components), never the whole graph.

Components are joined only where rules join. A join rule meets two triples at
one node: a transitive property at the object of one and the subject of the
next, a chain link at its object and the next link's subject. Through
superproperties, inverses and symmetry, each JOIN predicate has the positions
(subject, object) where its triples can meet others (`join_positions`), and
components grow only through nodes at those positions. So a postponement and
its cause form a component of their own instead of one with every other
postponement of the same mission or with the same cause (a hub like a pandemic
would otherwise join them all), and a component is read from the store a node
at a time (`Published.asserted_joins`), never as every JOIN triple there is.

Consistency is checked on the nodes the change touches (the published graph
was consistent; contradictions need a new triple). Where the compiled rules
hand over to owlrl (owl:sameAs from functional properties, schema talk in
the data) there is no incremental path: `NeedsFullBuild` says why, and the
caller rebuilds everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from spacekg.errors import InconsistencyError
from spacekg.reasoning import noise_rule_for
from spacekg.rules import (
    Schema,
    _check_no_schema_derived,
    _contradictions,
    _datatype_triples,
    _Facts,
    _schema_for,
    _schema_talk,
)

__all__ = [
    "InferredChange",
    "NeedsFullBuild",
    "Published",
    "join_positions",
    "join_predicates",
    "nodes_of",
    "reason_change",
]

Triple = tuple[Node, Node, Node]
#: Positions in a triple: the subject and the object.
SUBJECT: Final = 0
OBJECT: Final = 2


class NeedsFullBuild(Exception):
    """The change cannot be reasoned incrementally (the rules would hand over to
    owlrl); `args[0]` says why. The caller rebuilds instead."""


class Published(Protocol):
    """What incremental reasoning reads of the published graph.

    "Asserted" means held by a graph other than the inferred graph and the
    graph of the article being replaced; "closure" means asserted or inferred.
    """

    def asserted(self, triples: Collection[Triple]) -> set[Triple]:
        """Those of `triples` that are asserted."""
        ...

    def inferred(self, triples: Collection[Triple]) -> set[Triple]:
        """Those of `triples` in the inferred graph."""
        ...

    def asserted_joins(self, nodes: Collection[Node], predicates: Collection[Node]) -> set[Triple]:
        """Every asserted triple whose predicate is one of `predicates` and whose
        subject or object is one of `nodes`."""
        ...

    def asserted_about(self, nodes: Collection[Node]) -> set[Triple]:
        """Every asserted triple whose subject or object is one of `nodes`."""
        ...

    def closure_about(self, nodes: Collection[Node], predicates: Collection[Node]) -> set[Triple]:
        """Every triple of the closure whose subject is one of `nodes` and whose
        predicate is one of `predicates`."""
        ...


@dataclass(frozen=True)
class InferredChange:
    """How the inferred graph changes: triples to add, triples to remove."""

    insert: frozenset[Triple]
    delete: frozenset[Triple]


def join_predicates(schema: Schema) -> frozenset[Node]:
    """The predicates whose triples can reach a join rule through single-premise rules."""
    backward = schema.backward
    result = set()
    for p in {*schema.superproperties, *schema.inverses, *schema.symmetric, *backward}:
        seen, todo = {p}, [p]
        while todo:
            q = todo.pop()
            for r in (*schema.superproperties.get(q, ()), *schema.inverses.get(q, ())):
                if r not in seen:
                    seen.add(r)
                    todo.append(r)
        if seen & backward:
            result.add(p)
    return frozenset(result)


def join_positions(schema: Schema) -> dict[Node, frozenset[int]]:
    """For each JOIN predicate, the positions (SUBJECT, OBJECT) at which its triples
    can meet another triple in a join rule, directly or through what single-premise
    rules derive from them."""
    positions: dict[Node, set[int]] = defaultdict(set)
    for p in schema.transitive:  # prp-trp: any node of a path can be its middle
        positions[p] |= {SUBJECT, OBJECT}
    for _, links in schema.chains:  # prp-spo2: a link's object is the next one's subject
        for link in links[:-1]:
            positions[link].add(OBJECT)
        for link in links[1:]:
            positions[link].add(SUBJECT)
    while True:
        before = sum(map(len, positions.values()))
        for p, supers in schema.superproperties.items():  # (s p o) gives (s q o)
            for q in supers:
                positions[p] |= positions.get(q, set())
        for p, inverses in schema.inverses.items():  # (s p o) gives (o q s)
            for q in inverses:
                positions[p] |= {OBJECT - at for at in positions.get(q, set())}
        for p in schema.symmetric:
            positions[p] |= {OBJECT - at for at in positions.get(p, set())}
        for head, links in schema.chains:  # a chain's triple starts and ends its path
            if SUBJECT in positions.get(head, ()):
                positions[links[0]].add(SUBJECT)
            if OBJECT in positions.get(head, ()):
                positions[links[-1]].add(OBJECT)
        if sum(map(len, positions.values())) == before:
            return {p: frozenset(at) for p, at in positions.items() if at}


def reason_change(
    ontology: Graph, published: Published, old: Collection[Triple], new: Collection[Triple]
) -> InferredChange:
    """The change to the inferred graph when an article's triples go from `old` to `new`.

    `old` is empty for a new article. Raises InconsistencyError (owlrl's
    messages) when the new graph would be inconsistent, NeedsFullBuild when
    only a full build can say.
    """
    schema = _schema_for(ontology)
    if schema.unsupported:
        raise NeedsFullBuild("the ontology uses axioms the compiled rules do not implement")
    new_set, old_set = set(new), set(old)
    for triple in new_set:
        why = _schema_talk(triple)
        if why:
            raise NeedsFullBuild(f"the article asserts schema or equality triples ({why})")
        if any(isinstance(term, BNode) for term in triple):
            raise NeedsFullBuild("the article holds blank nodes, which SPARQL cannot name")
    joins = join_predicates(schema)
    meeting = _Meeting(published, joins, join_positions(schema))
    elsewhere = published.asserted(old_set | new_set)
    removed = old_set - new_set - elsewhere
    added = new_set - old_set - elsewhere

    # The join closure, before and after, over the components the change touches.
    ontology_joins = {t for t in _triples(ontology) if t[1] in joins}
    old_joins = {t for t in old_set if t[1] in joins}
    new_joins = {t for t in new_set if t[1] in joins}
    removed_joins = {t for t in removed if t[1] in joins}
    added_joins = {t for t in added if t[1] in joins}
    # One walk for both sides, from what only one side holds.
    component = meeting.component(
        removed_joins | added_joins, ontology_joins | old_joins | new_joins
    )
    closure_before = _closure(schema, component - added_joins)
    closure_after = _closure(schema, component - removed_joins)

    singles_removed = _closure(schema, (t for t in removed if t[1] not in joins))
    singles_added = _closure(schema, (t for t in added if t[1] not in joins))

    # What may have lost its support, and what support is left.
    candidates = (singles_removed | (closure_before - closure_after)) - closure_after
    if candidates:
        involved = nodes_of(candidates)
        around = {t for t in published.asserted_about(involved) if t not in removed}
        around |= {t for t in new_set if nodes_of([t]) & involved}
        # A join derivation of a candidate has a JOIN triple about each of its
        # nodes among its premises: the components of those hold all of it.
        after_local = ontology_joins | new_joins
        about = {t for t in around if t[1] in joins}
        about |= {t for t in ontology_joins if nodes_of([t]) & involved}
        joined = _closure(schema, meeting.component(about, after_local))
        support = (
            _closure(schema, (t for t in around if t[1] not in joins)) | closure_after | joined
        )
        still_asserted = published.asserted(candidates) | (candidates & new_set)
        lost = {t for t in candidates if t not in support and t not in still_asserted}
        back_to_inferred = {t for t in removed if t in support}
    else:
        lost, back_to_inferred = set(), set()

    gained = (singles_added | (closure_after - closure_before)) - new_set
    gained -= published.asserted(gained)
    gained |= back_to_inferred
    gained = {t for t in gained if noise_rule_for(t) is None}
    was_inferred = published.inferred(gained | lost | added)
    insert = gained - was_inferred
    delete = (lost | added) & was_inferred

    _check(schema, published, insert | added, lost | removed)
    return InferredChange(frozenset(insert), frozenset(delete))


def _check(schema: Schema, published: Published, new: set[Triple], gone: set[Triple]) -> None:
    """Raise InconsistencyError (or NeedsFullBuild) when the triples `new`, added to
    the published closure without `gone`, make it inconsistent."""
    facts = _Facts(schema)
    for triple in new:
        facts.add(triple)
    _check_no_schema_derived(facts, set())
    nodes = {n for n in nodes_of(new) if not isinstance(n, Literal)}
    watched = (
        {RDF.type}
        | schema.functional
        | schema.asymmetric
        | {q for p in schema.inverse_functional for q in schema.inverses.get(p, ())}
    )
    for triple in published.closure_about(nodes, watched):
        if triple not in gone:
            facts.add(triple)
    for _, p, o in new:
        if p in schema.asymmetric and not isinstance(o, Literal):
            for reverse in published.closure_about([o], [p]):
                if reverse not in gone:
                    facts.add(reverse)
    errors: list[str] = []
    literals: set[Triple] = {(s, p, o) for s, p, o in new if isinstance(o, Literal)}
    for triple in _datatype_triples(literals, errors):
        facts.add(triple)
    for p in schema.functional:
        for s, values in facts.spo.get(p, {}).items():
            if len(values) > 1:
                raise NeedsFullBuild(f"functional property {p} gets a second value on {s}")
    for p in schema.inverse_functional:
        if any(len(subjects) > 1 for subjects in _by_object(facts, p).values()):
            raise NeedsFullBuild(f"inverse-functional property {p} gets a second subject")
    errors += _contradictions(facts, schema)
    if errors:
        resources = sorted({str(n) for n in nodes if isinstance(n, URIRef)})
        raise InconsistencyError(errors, resources)


def _by_object(facts: _Facts, p: Node) -> dict[Node, set[Node]]:
    subjects: dict[Node, set[Node]] = defaultdict(set)
    for s, objects in facts.spo.get(p, {}).items():
        for o in objects:
            subjects[o].add(s)
    return subjects


def _closure(schema: Schema, triples: Iterable[Triple]) -> set[Triple]:
    """The triples and everything the compiled rules derive from them (no datatype rules)."""
    facts = _Facts(schema)
    for triple in triples:
        facts.add(triple)
    facts.run()
    return set(facts)


class _Meeting:
    """Walks components of JOIN triples through the nodes where rules join them."""

    def __init__(
        self, published: Published, joins: frozenset[Node], positions: dict[Node, frozenset[int]]
    ) -> None:
        self._published = published
        self._joins = joins
        self._positions = positions

    def nodes(self, triple: Triple) -> list[Node]:
        """The nodes at which `triple` can meet another in a join rule."""
        at = self._positions.get(triple[1], frozenset())
        return [
            triple[i] for i in (SUBJECT, OBJECT) if i in at and not isinstance(triple[i], Literal)
        ]

    def component(self, start: Collection[Triple], local: Collection[Triple]) -> set[Triple]:
        """The JOIN triples connected to `start` through meeting nodes: asserted in the
        published graph, or among `local` (triples not in the store); `start` included."""
        by_node: dict[Node, list[Triple]] = defaultdict(list)
        for triple in local:
            for node in self.nodes(triple):
                by_node[node].append(triple)
        component = set(start)
        seen: set[Node] = set()
        frontier = {node for triple in start for node in self.nodes(triple)}
        while frontier:
            seen |= frontier
            found = self._published.asserted_joins(frontier, self._joins)
            found |= {triple for node in frontier for triple in by_node.get(node, ())}
            reached: set[Node] = set()
            for triple in found:
                meets = self.nodes(triple)
                if any(node in frontier for node in meets):  # else it only touches a node
                    component.add(triple)
                    reached.update(meets)
            frontier = reached - seen
        return component


def nodes_of(triples: Iterable[Triple]) -> set[Node]:
    """The individuals `triples` are about: subjects, and objects that are neither
    literals nor the classes of rdf:type triples. What a rule derives from a
    triple is about these nodes only, so they bound where support can come from
    (a class would pull in its whole extent)."""
    nodes: set[Node] = set()
    for s, p, o in triples:
        nodes.add(s)
        if p != RDF.type and not isinstance(o, Literal):
            nodes.add(o)
    return nodes


def _triples(graph: Graph) -> Iterator[Triple]:
    yield from graph.triples((None, None, None))


#: Terms per VALUES block of a store query: small enough for any endpoint's
#: request size limit, large enough that an article needs a handful of queries.
BATCH: Final = 400
