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
  singles give it, or the join closure of its component. Both are read from
  the store (the asserted neighbourhood of the nodes involved; the JOIN
  triples), never the whole graph.

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
    "join_predicates",
    "nodes_of",
    "reason_change",
]

Triple = tuple[Node, Node, Node]


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

    def asserted_with(self, predicates: Collection[Node]) -> set[Triple]:
        """Every asserted triple whose predicate is one of `predicates`."""
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
    elsewhere = published.asserted(old_set | new_set)
    removed = old_set - new_set - elsewhere
    added = new_set - old_set - elsewhere

    # The join closure, before and after, over the components the change touches.
    join_others = published.asserted_with(joins) | {t for t in _triples(ontology) if t[1] in joins}
    join_before = join_others | {t for t in old_set if t[1] in joins}
    join_after = join_others | {t for t in new_set if t[1] in joins}
    touched = nodes_of(removed | added)
    closure_before = _closure(schema, _component(join_before, touched))
    closure_after = _closure(schema, _component(join_after, touched))

    singles_removed = _closure(schema, (t for t in removed if t[1] not in joins))
    singles_added = _closure(schema, (t for t in added if t[1] not in joins))

    # What may have lost its support, and what support is left.
    candidates = (singles_removed | (closure_before - closure_after)) - closure_after
    if candidates:
        involved = nodes_of(candidates)
        around = {t for t in published.asserted_about(involved) if t not in removed}
        around |= {t for t in new_set if nodes_of([t]) & involved}
        support = _closure(schema, (t for t in around if t[1] not in joins)) | closure_after
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


def _component(triples: set[Triple], start: set[Node]) -> set[Triple]:
    """The triples connected to the nodes `start` (through shared subjects and objects)."""
    links: dict[Node, list[Triple]] = defaultdict(list)
    for triple in triples:
        s, _, o = triple
        links[s].append(triple)
        if not isinstance(o, Literal):
            links[o].append(triple)
    seen_nodes: set[Node] = set()
    component: set[Triple] = set()
    todo = [n for n in start if n in links]
    while todo:
        node = todo.pop()
        if node in seen_nodes:
            continue
        seen_nodes.add(node)
        for triple in links[node]:
            if triple not in component:
                component.add(triple)
                todo.extend(n for n in (triple[0], triple[2]) if n not in seen_nodes)
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
