"""OWL 2 RL by compiled rules: the graph `reasoning.reason` publishes, computed much faster.

`reason(ontology, asserted, iris)` has the interface of `reasoning.reason` and
returns the same `inferred` graph: owlrl's `OWLRL_Semantics` closure of
ontology + asserted data, minus what was given, minus `reasoning.NOISE_RULES`.
It gets there differently:

1. `compile_ontology` reads the ontology once (a pure function of it, cached
   by its triples) into tables: the superclasses of every class and the
   superproperties of every property (reflexive-transitive closure of
   subClassOf / equivalentClass and subPropertyOf / equivalentProperty, which
   is what owlrl's scm-sco, scm-eqc*, scm-spo and scm-eqp* rules compute),
   direct domains and ranges, inverses, symmetric, transitive, functional,
   inverse-functional, irreflexive and asymmetric properties, property chains,
   disjoint classes (`owl:disjointWith` pairs as written, and the members of
   every `owl:AllDisjointClasses`).
2. The instance rules run to a fixpoint over ontology + asserted triples with
   a worklist: each new triple is indexed, then joined against the index
   (semi-naive evaluation, every triple processed once). Rules: cax-sco,
   cax-eqc1/2 (through the superclass table), prp-spo1, prp-eqp1/2 (through
   the superproperty table), prp-dom, prp-rng, prp-inv1/2, prp-symp, prp-trp,
   prp-spo2. Domains of superproperties and inverses of superproperties need no
   table of their own: the superproperty triple is derived, and its rules fire.
3. owlrl's one-time datatype rules are replayed exactly (dt-type2 typing of
   every literal with an OWL 2 RL datatype, its subsumptions, dt-not-type
   lexical checks, and the datatype disjointness axioms for the datatypes in
   use), so literals typed by a range can clash as they do in owlrl.
4. Inconsistencies are checked on the fixpoint with owlrl's own messages:
   cax-dw, cax-adc, prp-irp, prp-asyp, cls-nothing2, dt-not-type. These
   rules are monotone (more triples, more contradictions) and owlrl's last
   cycle sees the whole fixpoint, so checking once on the fixpoint finds
   exactly the messages owlrl collects cycle by cycle.

What owlrl adds that is not computed, because `NOISE_RULES` drops all of it:
eq-ref (`x owl:sameAs x`), cls-thing / cls-nothing1 / prp-ap and scm-cls,
scm-op, scm-dp (triples about vocabulary terms, `x a owl:Thing`), and the
schema closure itself (vocabulary subjects). So `noise` is 0 and every
`noise_by_rule` count is 0: nothing is generated to be dropped. (owlrl's path
reports tens of thousands; the build report's "noise" figure means "what the
owlrl path dropped" and is 0 here.) Literal typing and the datatype axioms are
computed (step 3) and dropped by the filter; they are not counted either. When
the rules hand over to owlrl (below), the counts are owlrl's.

Where this engine stops and owlrl takes over (`Closure.engine == "owlrl"`,
with `Closure.note` saying why): the equality rules (eq-*) copy every triple
of one node onto another, and no published build should need them, so rather
than reimplement them the engine falls back to `reasoning.reason` for that
call when (a) a functional or inverse-functional property has two values for
one node in the fixpoint (prp-fp, prp-ifp would derive owl:sameAs), (b) the
asserted data holds schema or equality triples (owl:sameAs, subClassOf, a
property typed transitive, `x a owl:Class`, an individual typed with a
datatype, ...), (c) the ontology uses an axiom not in `HANDLED_PREDICATES` /
`HANDLED_TYPES` / `IRRELEVANT_PREDICATES` / `IRRELEVANT_TYPES`, or (d) the
fixpoint derives such a schema triple. The result is then owlrl's, exactly.

Measured with `python -m bench.reasoning [--count N]` (2 CPUs, one run each;
inferred graphs equal in every row, the rules path never fell back):

    corpus                        asserted  inferred    owlrl    rules  speed-up
    data/articles (9 articles)      10,346     8,270    9.97 s   0.36 s    x28
    300 synthetic, seed 7           35,379    37,423   33.81 s   1.34 s    x25
    1000 synthetic, seed 7         101,975   115,249   94.65 s   4.58 s    x21

The rules path is linear in the data. About half of its time is the noise
filter (`reasoning.noise_rule_for`, once per derived triple) and building the
rdflib `Graph` of the result; the fixpoint itself is under a second at 1000.

Why one pass over everything rather than one per article: with the schema
compiled, the worklist touches each triple once, so a global pass already costs
what per-article passes would, and the cross-article consequences (a carrier
in one article, its cargo in another; a clash between two articles) need no
second stage.

Pure Python and free of owlrl's process-wide state, so unlike `reasoning.reason`
it needs no lock (the fallback path takes owlrl's).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Collection, Container, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import chain
from typing import Final

from owlrl.AxiomaticTriples import OWLRL_Datatypes_Disjointness
from owlrl.DatatypeHandling import AltXSDToPYTHON
from owlrl.XsdDatatypes import OWL_Datatype_Subsumptions, OWL_RL_Datatypes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from spacekg import reasoning
from spacekg.errors import InconsistencyError
from spacekg.reasoning import NOISE_RULES, Closure, Inference, noise_rule_for

# One source of truth for how owlrl's messages name resources and how a Dataset
# is read: the same private helpers `reasoning.reason` uses.
from spacekg.reasoning import _resources_named as resources_named
from spacekg.reasoning import _triples_of as triples_of
from spacekg.vocab import PREFIXES, Iris

__all__ = [
    "HANDLED_PREDICATES",
    "HANDLED_TYPES",
    "IRRELEVANT_PREDICATES",
    "IRRELEVANT_TYPES",
    "RulesClosure",
    "Schema",
    "compile_ontology",
    "infer",
    "reason",
]

Triple = tuple[Node, Node, Node]

#: Meta-vocabulary predicates of the ontology that the rules here implement.
HANDLED_PREDICATES: Final[Mapping[Node, str]] = {
    RDFS.subClassOf: "cax-sco (superclass table, scm-sco)",
    OWL.equivalentClass: "cax-eqc1, cax-eqc2 (superclass table, scm-eqc1)",
    RDFS.subPropertyOf: "prp-spo1 (superproperty table, scm-spo)",
    OWL.equivalentProperty: "prp-eqp1, prp-eqp2 (superproperty table, scm-eqp1)",
    RDFS.domain: "prp-dom (scm-dom1/2 follow from cax-sco and prp-spo1)",
    RDFS.range: "prp-rng (scm-rng1/2 follow from cax-sco and prp-spo1)",
    OWL.inverseOf: "prp-inv1, prp-inv2",
    OWL.propertyChainAxiom: "prp-spo2",
    OWL.disjointWith: "cax-dw",
    OWL.members: "cax-adc (the members of an owl:AllDisjointClasses)",
}

#: Types of ontology terms that the rules here implement.
HANDLED_TYPES: Final[Mapping[Node, str]] = {
    OWL.SymmetricProperty: "prp-symp",
    OWL.TransitiveProperty: "prp-trp",
    OWL.FunctionalProperty: "prp-fp: a second value falls back to owlrl (owl:sameAs)",
    OWL.InverseFunctionalProperty: "prp-ifp: a second subject falls back to owlrl (owl:sameAs)",
    OWL.IrreflexiveProperty: "prp-irp",
    OWL.AsymmetricProperty: "prp-asyp",
    OWL.AllDisjointClasses: "cax-adc",
}

#: Meta-vocabulary predicates no OWL 2 RL rule of owlrl reads (annotations, lists
#: read through the axioms that own them).
IRRELEVANT_PREDICATES: Final[Mapping[Node, str]] = {
    RDF.type: "read through HANDLED_TYPES and IRRELEVANT_TYPES; instance typing is cax-sco's",
    RDF.first: "list cells, read through owl:propertyChainAxiom and owl:members",
    RDF.rest: "list cells, read through owl:propertyChainAxiom and owl:members",
    RDFS.label: "annotation (prp-ap only types rdfs:label itself: a vocabulary subject)",
    RDFS.comment: "annotation",
    RDFS.seeAlso: "annotation",
    RDFS.isDefinedBy: "annotation",
    OWL.versionInfo: "annotation",
    OWL.priorVersion: "annotation",
    OWL.backwardCompatibleWith: "annotation",
    OWL.incompatibleWith: "annotation",
    OWL.deprecated: "annotation",
    OWL.versionIRI: "no rule",
    OWL.imports: "no rule: owlrl does not follow imports",
}

#: Types of ontology terms whose owlrl consequences are all noise.
IRRELEVANT_TYPES: Final[Mapping[Node, str]] = {
    OWL.Ontology: "no rule",
    OWL.Class: "scm-cls: c ⊑ c, c ≡ c, c ⊑ owl:Thing, owl:Nothing ⊑ c: vocabulary subjects; "
    "its instances get only the trivial type owl:Thing",
    RDFS.Class: "no OWL 2 RL rule",
    OWL.ObjectProperty: "scm-op: p ⊑ p, p ≡ p: reflexive, no consequence for instances",
    OWL.DatatypeProperty: "scm-dp: p ⊑ p, p ≡ p: reflexive, no consequence for instances",
    RDF.Property: "owlrl's scm-op/dp variant: reflexive only",
    OWL.AnnotationProperty: "no rule",
    OWL.NamedIndividual: "no rule",
    OWL.Thing: "no rule beyond the trivial type",
    RDFS.Resource: "no rule",
}

_META: Final[tuple[str, ...]] = (str(RDF), str(RDFS), str(OWL), str(XSD))

# Types a node may be given by the rules without any other rule of owlrl reading
# them: the trivial types, and datatypes (owlrl reads datatype typing once, before
# its cycles, and `_schema_talk` keeps asserted datatype typing out).
_HARMLESS_TYPES: Final[frozenset[Node]] = frozenset(
    {OWL.Thing, OWL.NamedIndividual, RDFS.Resource, RDFS.Literal, *OWL_RL_Datatypes}
)


def _is_harmless_type(node: Node) -> bool:
    return node in _HARMLESS_TYPES or str(node).startswith(str(XSD))


def _is_meta(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(_META)


@dataclass(frozen=True)
class Schema:
    """The ontology as rule tables. Every mapping is keyed by class or property IRI."""

    superclasses: Mapping[Node, frozenset[Node]]
    superproperties: Mapping[Node, frozenset[Node]]
    domains: Mapping[Node, frozenset[Node]]
    ranges: Mapping[Node, frozenset[Node]]
    inverses: Mapping[Node, frozenset[Node]]
    symmetric: frozenset[Node]
    transitive: frozenset[Node]
    functional: frozenset[Node]
    inverse_functional: frozenset[Node]
    irreflexive: frozenset[Node]
    asymmetric: frozenset[Node]
    chains: tuple[tuple[Node, tuple[Node, ...]], ...]
    disjoint_pairs: tuple[tuple[Node, Node], ...]
    all_disjoint: tuple[tuple[Node, ...], ...]
    #: Axioms of the ontology this engine does not implement; non-empty means
    #: every call falls back to owlrl.
    unsupported: tuple[str, ...] = ()
    #: Properties whose subject-to-object index must be kept both ways.
    backward: frozenset[Node] = field(default=frozenset())


def compile_ontology(ontology: Graph) -> Schema:
    """Read `ontology` into rule tables (a pure function of its triples)."""
    graph = Graph()
    graph += triples_of(ontology)
    unsupported = sorted(
        {
            f"{p} {o}" if p == RDF.type else str(p)
            for _, p, o in graph
            if (_is_meta(p) and p not in HANDLED_PREDICATES and p not in IRRELEVANT_PREDICATES)
            or (
                p == RDF.type
                and _is_meta(o)
                and o not in HANDLED_TYPES
                and o not in IRRELEVANT_TYPES
            )
        }
    )
    class_edges: dict[Node, set[Node]] = defaultdict(set)
    for c1, c2 in graph.subject_objects(RDFS.subClassOf):
        class_edges[c1].add(c2)
    for c1, c2 in graph.subject_objects(OWL.equivalentClass):
        class_edges[c1].add(c2)
        class_edges[c2].add(c1)
    property_edges: dict[Node, set[Node]] = defaultdict(set)
    for p1, p2 in graph.subject_objects(RDFS.subPropertyOf):
        property_edges[p1].add(p2)
    for p1, p2 in graph.subject_objects(OWL.equivalentProperty):
        property_edges[p1].add(p2)
        property_edges[p2].add(p1)
    inverses: dict[Node, set[Node]] = defaultdict(set)
    for p1, p2 in graph.subject_objects(OWL.inverseOf):
        inverses[p1].add(p2)
        inverses[p2].add(p1)

    def typed(kind: Node) -> frozenset[Node]:
        return frozenset(graph.subjects(RDF.type, kind))

    chains = tuple(
        (p, tuple(graph.items(head))) for p, head in graph.subject_objects(OWL.propertyChainAxiom)
    )
    transitive = typed(OWL.TransitiveProperty)
    return Schema(
        superclasses=_closure(class_edges),
        superproperties=_closure(property_edges),
        domains=_grouped(graph.subject_objects(RDFS.domain)),
        ranges=_grouped(graph.subject_objects(RDFS.range)),
        inverses={p: frozenset(qs) for p, qs in inverses.items()},
        symmetric=typed(OWL.SymmetricProperty),
        transitive=transitive,
        functional=typed(OWL.FunctionalProperty),
        inverse_functional=typed(OWL.InverseFunctionalProperty),
        irreflexive=typed(OWL.IrreflexiveProperty),
        asymmetric=typed(OWL.AsymmetricProperty),
        chains=chains,
        disjoint_pairs=tuple(graph.subject_objects(OWL.disjointWith)),
        all_disjoint=tuple(
            tuple(graph.items(members))
            for group in graph.subjects(RDF.type, OWL.AllDisjointClasses)
            for members in graph.objects(group, OWL.members)
        ),
        unsupported=tuple(unsupported),
        backward=transitive | {p for _, links in chains for p in links},
    )


def _closure(edges: Mapping[Node, set[Node]]) -> dict[Node, frozenset[Node]]:
    """Every node reachable from each node (not the node itself)."""
    result = {}
    for start in edges:
        seen: set[Node] = set()
        todo = list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        seen.discard(start)
        result[start] = frozenset(seen)
    return result


def _grouped(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, frozenset[Node]]:
    groups: dict[Node, set[Node]] = defaultdict(set)
    for key, value in pairs:
        groups[key].add(value)
    return {key: frozenset(values) for key, values in groups.items()}


_CACHE: dict[frozenset[Triple], Schema] = {}
_CACHE_LOCK: Final = threading.Lock()


def _schema_for(ontology: Graph) -> Schema:
    key = frozenset(triples_of(ontology))
    with _CACHE_LOCK:
        schema = _CACHE.get(key)
        if schema is None:
            schema = compile_ontology(ontology)
            _CACHE.clear()  # one ontology per process in practice; keep memory flat
            _CACHE[key] = schema
        return schema


@dataclass(frozen=True)
class RulesClosure(Closure):
    """A `Closure` that also says which engine computed it.

    `engine` is "rules" when the compiled rules gave the result, "owlrl" when
    they handed over to `reasoning.reason`; `note` then says why.
    """

    engine: str = "rules"
    note: str = ""


class _Fallback(Exception):
    """The rules cannot promise owlrl's result for this input; `args[0]` says why."""


def reason(ontology: Graph, asserted: Graph, iris: Iris) -> RulesClosure:
    """What `reasoning.reason(ontology, asserted, iris)` returns, `inferred` equal, faster.

    Neither input is modified. Raises `InconsistencyError` with owlrl's
    messages and the resources they name, like `reasoning.reason`. `noise` is
    0 (see the module docstring); `engine` and `note` tell whether owlrl had to
    be run instead, and why.
    """
    result = infer(ontology, set(triples_of(asserted)), iris)
    inferred = Graph()
    for prefix, namespace in PREFIXES.items():
        inferred.bind(prefix, namespace, override=True, replace=True)
    inferred += result.triples
    return RulesClosure(
        inferred=inferred,
        noise=result.noise,
        noise_by_rule=result.noise_by_rule,
        seconds=result.seconds,
        engine=result.engine,
        note=result.note,
    )


def infer(ontology: Graph, asserted: Collection[Triple], iris: Iris) -> Inference:
    """`reason()` for the build: the asserted triples as a collection, the result as a set.

    The same triples as `reason(...).inferred`, without building a Graph on
    either side (at 10,000 articles, building them cost more than the rules).
    `asserted` is read, never modified; a set or frozenset is used as it is.
    """
    started = time.perf_counter()
    data = asserted if isinstance(asserted, set | frozenset) else set(asserted)
    try:
        triples = _infer(_schema_for(ontology), ontology, data, iris)
    except _Fallback as why:
        result = reasoning.infer(ontology, data, iris)
        return Inference(
            triples=result.triples,
            noise_by_rule=result.noise_by_rule,
            seconds=time.perf_counter() - started,
            engine="owlrl",
            note=str(why),
        )
    return Inference(
        triples=triples,
        noise_by_rule=dict.fromkeys((rule.name for rule in NOISE_RULES), 0),
        seconds=time.perf_counter() - started,
        engine="rules",
    )


class _AnyOf:
    """Membership in any of a few sets, without copying them into one."""

    def __init__(self, *sets: AbstractSet[Triple]) -> None:
        self.sets = sets

    def __contains__(self, triple: object) -> bool:
        return any(triple in s for s in self.sets)


def _infer(schema: Schema, ontology: Graph, data: AbstractSet[Triple], iris: Iris) -> set[Triple]:
    if schema.unsupported:
        raise _Fallback(
            "the ontology uses axioms the rules do not implement: " + ", ".join(schema.unsupported)
        )
    schema_triples = sorted({_schema_talk(t) for t in data} - {""})
    if schema_triples:
        raise _Fallback(
            "the asserted data holds schema or equality triples: " + ", ".join(schema_triples[:5])
        )
    terms: set[Triple] = set(triples_of(ontology))

    facts = _Facts(schema)
    errors: list[str] = []
    for triple in chain(terms, data):
        facts.add(triple)
    axioms = set(_datatype_triples(chain(terms, data), errors))
    for triple in axioms:
        facts.add(triple)
    facts.run()

    _check_equality_free(facts, schema)
    _check_no_schema_derived(facts, _AnyOf(terms, data, axioms))
    errors += _contradictions(facts, schema)
    if errors:
        resources = {iri for message in errors for iri in resources_named(message, data, iris)}
        raise InconsistencyError(errors, resources)
    return {
        triple
        for triple in facts
        if triple not in data and triple not in terms and noise_rule_for(triple) is None
    }


def _schema_talk(triple: Triple) -> str:
    """Why an asserted triple is schema talk the rules do not take from data ("" if it is not)."""
    _, p, o = triple
    if p == RDF.type:
        if _is_meta(o) and o not in (OWL.Thing, OWL.NamedIndividual, RDFS.Resource):
            return f"a {o}"
        return ""
    if _is_meta(p) and p not in IRRELEVANT_PREDICATES:
        return str(p)
    return ""


class _Facts:
    """The triples known so far, indexed by predicate, and the worklist of those not yet joined."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.spo: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        self.pos: dict[Node, dict[Node, set[Node]]] = {p: defaultdict(set) for p in schema.backward}
        self.todo: list[Triple] = []
        # For each predicate, the chains it occurs in and where.
        self.chain_links: dict[Node, list[tuple[Node, tuple[Node, ...], int]]] = defaultdict(list)
        for head, links in schema.chains:
            for index, link in enumerate(links):
                self.chain_links[link].append((head, links, index))

    def __iter__(self) -> Iterator[Triple]:
        for p, by_subject in self.spo.items():
            for s, objects in by_subject.items():
                for o in objects:
                    yield s, p, o

    def add(self, triple: Triple) -> None:
        s, p, o = triple
        objects = self.spo[p][s]
        if o in objects:
            return
        objects.add(o)
        index = self.pos.get(p)
        if index is not None:
            index[o].add(s)
        self.todo.append(triple)

    def run(self) -> None:
        """Apply the instance rules until nothing new follows."""
        schema, add, todo = self.schema, self.add, self.todo
        superclasses, superproperties = schema.superclasses, schema.superproperties
        domains, ranges, inverses = schema.domains, schema.ranges, schema.inverses
        while todo:
            s, p, o = todo.pop()
            if p == RDF.type:
                for c in superclasses.get(o, ()):  # cax-sco, cax-eqc1/2
                    add((s, RDF.type, c))
            for q in superproperties.get(p, ()):  # prp-spo1, prp-eqp1/2
                add((s, q, o))
            for c in domains.get(p, ()):  # prp-dom
                add((s, RDF.type, c))
            for c in ranges.get(p, ()):  # prp-rng
                add((o, RDF.type, c))
            for q in inverses.get(p, ()):  # prp-inv1/2
                add((o, q, s))
            if p in schema.symmetric:  # prp-symp
                add((o, p, s))
            if p in schema.transitive:  # prp-trp, joined on both sides
                for z in list(self.spo[p].get(o, ())):
                    add((s, p, z))
                for w in list(self.pos[p].get(s, ())):
                    add((w, p, o))
            for head, links, index in self.chain_links.get(p, ()):  # prp-spo2
                for start, end in self._chain_paths(links, index, s, o):
                    add((start, head, end))

    def _chain_paths(
        self, links: tuple[Node, ...], index: int, s: Node, o: Node
    ) -> list[tuple[Node, Node]]:
        """The (first, last) nodes of every chain path through the triple (s, links[index], o)."""
        starts = {s}
        for link in reversed(links[:index]):
            starts = {w for node in starts for w in self.pos[link].get(node, ())}
        ends = {o}
        for link in links[index + 1 :]:
            ends = {z for node in ends for z in self.spo[link].get(node, ())}
        return [(start, end) for start in starts for end in ends]


def _datatype_triples(given: Iterable[Triple], errors: list[str]) -> Iterator[Triple]:
    """owlrl's one-time datatype rules (dt-type2, subsumptions, dt-not-type, datatype
    disjointness) for a graph in which nothing is explicitly typed with a datatype
    (`_schema_talk` sends such data to owlrl)."""
    literals = {o for _, _, o in given if isinstance(o, Literal) and o.datatype in OWL_RL_Datatypes}
    used: set[Node] = set()
    for literal in literals:
        datatype = literal.datatype
        assert datatype is not None
        used.add(datatype)
        yield literal, RDF.type, datatype
        try:
            AltXSDToPYTHON.get(datatype, str)(str(literal))
        except ValueError:
            errors.append(
                f"Lexical value of the literal '{literal}' does not match its datatype ({datatype})"
            )
        for broader in OWL_Datatype_Subsumptions.get(datatype, ()):
            used.add(broader)
            yield literal, RDF.type, broader
    for left, predicate, right in OWLRL_Datatypes_Disjointness:
        if left in used and right in used:
            yield left, predicate, right


def _check_equality_free(facts: _Facts, schema: Schema) -> None:
    """prp-fp and prp-ifp would derive owl:sameAs: hand such a graph to owlrl."""
    for p in schema.functional:
        for s, objects in facts.spo.get(p, {}).items():
            if len(objects) > 1:
                raise _Fallback(f"functional property {p} has {len(objects)} values on {s}")
    for p in schema.inverse_functional:
        subjects_of: dict[Node, set[Node]] = defaultdict(set)
        for s, objects in facts.spo.get(p, {}).items():
            for o in objects:
                subjects_of[o].add(s)
                if len(subjects_of[o]) > 1:
                    raise _Fallback(f"inverse-functional property {p} has two subjects for {o}")


def _check_no_schema_derived(facts: _Facts, given: Container[Triple]) -> None:
    """A derived triple that owlrl would read as schema (or equality) means the
    tables compiled from the ontology are not the whole story: hand over to owlrl."""
    for p, by_subject in facts.spo.items():
        if p == RDF.type:
            for s, classes in by_subject.items():
                for c in classes:
                    if _is_meta(c) and not _is_harmless_type(c) and (s, p, c) not in given:
                        raise _Fallback(f"the rules derive {s} a {c}")
        elif _is_meta(p) and p not in IRRELEVANT_PREDICATES:
            for s, objects in by_subject.items():
                for o in objects:
                    if (s, p, o) not in given:
                        raise _Fallback(f"the rules derive a {p} triple")


def _contradictions(facts: _Facts, schema: Schema) -> list[str]:
    """owlrl's messages for cax-dw, cax-adc, prp-irp, prp-asyp and cls-nothing2 on the fixpoint."""
    errors: list[str] = []
    members: dict[Node, set[Node]] = defaultdict(set)
    for x, its_types in facts.spo.get(RDF.type, {}).items():
        for c in its_types:
            members[c].add(x)
    types = facts.spo.get(RDF.type, {})
    # cax-dw, for the ontology's pairs and the datatype pairs the datatype rules added.
    pairs = list(schema.disjoint_pairs) + [
        (c1, c2) for c1, c2s in facts.spo.get(OWL.disjointWith, {}).items() for c2 in c2s
    ]
    for c1, c2 in dict.fromkeys(pairs):
        for x in members.get(c1, ()):
            if c2 in types[x]:
                errors.append(f"Disjoint classes {c1} and {c2} have a common individual {x}")
    for classes in schema.all_disjoint:  # cax-adc
        for i, c1 in enumerate(classes[:-1]):
            for x in members.get(c1, ()):
                for c2 in classes[i + 1 :]:
                    if c2 in types[x]:
                        errors.append(
                            f"Disjoint classes {c1} and {c2} have a common individual {x}"
                        )
    for p in schema.irreflexive:  # prp-irp
        for x, objects in facts.spo.get(p, {}).items():
            if x in objects:
                errors.append(f"Irreflexive property used on {x} with {p}")
    for p in schema.asymmetric:  # prp-asyp
        by_subject = facts.spo.get(p, {})
        for x, objects in by_subject.items():
            for y in objects:
                if x in by_subject.get(y, ()):
                    errors.append(f"Erroneous usage of asymmetric property {p} on {x} and {y}")
    for x in members.get(OWL.Nothing, ()):  # cls-nothing2
        errors.append(f"{x} is defined of type 'Nothing'")
    return list(dict.fromkeys(errors))
