"""OWL 2 RL reasoning: the closure of ontology + asserted data, noise filtered, errors raised.

`reason()` runs owlrl's `OWLRL_Semantics` on a private copy of the ontology and
the asserted triples, keeps what the rules add, drops what is noise to a reader
of the published graph (each kind of noise is a named rule in `NOISE_RULES`),
and turns owlrl's inconsistency reports into an `InconsistencyError`.

Build time only. owlrl's `DeductiveClosure.expand()` swaps rdflib's
process-wide literal conversion table (`rdflib.term._toPythonMapping`) while it
runs, so any other thread converting literals meanwhile sees owlrl's table.
Never call `reason()` while serving a request; in this package only the build
calls it, and a module lock keeps two builds in one process from interleaving.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from owlrl import DatatypeHandling, DeductiveClosure, OWLRL_Semantics
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from spacekg.errors import InconsistencyError
from spacekg.vocab import NIF, ONTOLOGY_IRI, ORG, PREFIXES, SCHEMA, SKG, Iris

__all__ = [
    "NOISE_RULES",
    "VOCABULARY_NAMESPACES",
    "Closure",
    "Inference",
    "NoiseRule",
    "infer",
    "is_vocabulary_term",
    "noise_rule_for",
    "reason",
]

Triple = tuple[Node, Node, Node]

#: Namespaces whose terms are vocabulary, not instances. The ontology graph is
#: published on its own, so what reasoning says *about* these terms (subclass
#: closure, domains of superproperties, datatype axioms) is left out of the
#: inferred graph, which is about instances. Both schema.org schemes occur in
#: the wild.
VOCABULARY_NAMESPACES: Final[tuple[str, ...]] = (
    str(RDF),
    str(RDFS),
    str(OWL),
    str(XSD),
    str(SKOS),
    str(SCHEMA),
    "https://schema.org/",
    str(FOAF),
    str(PROV),
    str(ORG),
    str(NIF),
    str(DCTERMS),
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/vocab/vann/",
    str(SKG._NS),
)

# Types that hold of every individual in OWL 2 RL, so they tell a reader nothing.
_TRIVIAL_TYPES: Final[frozenset[Node]] = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})

# Datatypes outside the xsd namespace that owlrl's dt-type rules use.
_NON_XSD_DATATYPES: Final[frozenset[Node]] = frozenset(
    {RDF.langString, RDF.PlainLiteral, RDF.XMLLiteral, RDF.HTML, RDF.JSON, OWL.real, OWL.rational}
)

# The meta-vocabulary: typing something with one of these terms is schema-level talk.
_META_NAMESPACES: Final[tuple[str, ...]] = (str(RDF), str(RDFS), str(OWL))


def is_vocabulary_term(node: Node) -> bool:
    """True when `node` is an IRI of one of `VOCABULARY_NAMESPACES` or the ontology's own IRI."""
    if not isinstance(node, URIRef):
        return False
    return node == ONTOLOGY_IRI or str(node).startswith(VOCABULARY_NAMESPACES)


# The terms the noise rules test, resolved once: rdflib namespace lookups cost
# microseconds each, and these run for every triple owlrl produces.
_TYPE: Final = RDF.type
_SAME_AS: Final = OWL.sameAs
_ERROR: Final = ERRNS.error
_ERROR_MESSAGE: Final = ERRNS.ErrorMessage
_DATATYPE: Final = RDFS.Datatype
_XSD: Final = str(XSD)


def _is_error_report(t: Triple) -> bool:
    _, p, o = t
    return p == _ERROR or (p == _TYPE and o == _ERROR_MESSAGE)


def _is_reflexive_same_as(t: Triple) -> bool:
    s, p, o = t
    return p == _SAME_AS and s == o


def _has_literal_subject(t: Triple) -> bool:
    return isinstance(t[0], Literal)


def _has_vocabulary_subject(t: Triple) -> bool:
    return is_vocabulary_term(t[0])


def _is_trivial_type(t: Triple) -> bool:
    _, p, o = t
    return p == _TYPE and o in _TRIVIAL_TYPES


def _is_datatype_axiom(t: Triple) -> bool:
    _, p, o = t
    if p != _TYPE:
        return False
    return o == _DATATYPE or o in _NON_XSD_DATATYPES or str(o).startswith(_XSD)


def _is_metaclass_type(t: Triple) -> bool:
    _, p, o = t
    return p == _TYPE and isinstance(o, URIRef) and str(o).startswith(_META_NAMESPACES)


@dataclass(frozen=True)
class NoiseRule:
    """One kind of triple owlrl adds that the published inferred graph leaves out."""

    name: str
    why: str
    matches: Callable[[Triple], bool]


#: The noise rules, in the order they are tried: a dropped triple is counted
#: under the first rule that matches it.
NOISE_RULES: Final[tuple[NoiseRule, ...]] = (
    NoiseRule(
        "error-report",
        "owlrl's inconsistency reports (ERRNS error nodes); they become an InconsistencyError",
        _is_error_report,
    ),
    NoiseRule(
        "reflexive-sameAs",
        "x owl:sameAs x, which rule eq-ref adds for every term in the graph",
        _is_reflexive_same_as,
    ),
    NoiseRule(
        "literal-subject",
        "triples about literals (datatype typing, eq-ref); not RDF 1.1, not publishable",
        _has_literal_subject,
    ),
    NoiseRule(
        "vocabulary-subject",
        "triples about vocabulary terms (scm-* closure, datatype axioms); the ontology graph "
        "is published separately",
        _has_vocabulary_subject,
    ),
    NoiseRule(
        "trivial-type",
        "x rdf:type owl:Thing, rdfs:Resource or owl:NamedIndividual: true of every individual",
        _is_trivial_type,
    ),
    NoiseRule(
        "datatype-axiom",
        "x rdf:type rdfs:Datatype, or x typed with a datatype (dt-type1, dt-type2)",
        _is_datatype_axiom,
    ),
    NoiseRule(
        "metaclass-type",
        "x rdf:type owl:Class, rdf:Property, owl:ObjectProperty, ...: schema-level typing",
        _is_metaclass_type,
    ),
)


def noise_rule_for(triple: Triple) -> NoiseRule | None:
    """The first rule of `NOISE_RULES` that drops `triple`, or None when it is kept."""
    for rule in NOISE_RULES:
        if rule.matches(triple):
            return rule
    return None


@dataclass(frozen=True)
class Closure:
    """What OWL 2 RL adds to ontology + asserted data, ready to publish.

    `inferred` holds only new triples, none of them noise; `noise` counts the
    dropped ones, `noise_by_rule` splits that count by rule name (every rule
    of `NOISE_RULES` appears, zero when it dropped nothing); `seconds` is the
    wall-clock time of the whole call, for the build report.
    """

    inferred: Graph
    noise: int
    noise_by_rule: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class Inference:
    """What OWL 2 RL adds, as a set of triples rather than a Graph: what the build uses.

    The same triples as `Closure.inferred`. A set of tuples costs a fraction of
    an rdflib Graph's memory and time (a build of 10,000 articles infers over a
    million triples). `engine` names what computed it ("owlrl" or "rules"),
    `note` says why the rules handed over to owlrl when they did.
    """

    triples: set[Triple]
    noise_by_rule: dict[str, int]
    seconds: float
    engine: str = "owlrl"
    note: str = ""

    @property
    def noise(self) -> int:
        return sum(self.noise_by_rule.values())


def infer(ontology: Graph, asserted: Collection[Triple], iris: Iris) -> Inference:
    """`reason()` on a collection of triples, its result as a set: owlrl's path for the build."""
    started = time.perf_counter()
    graph = Graph()
    graph += asserted
    closure = reason(ontology, graph, iris)
    return Inference(
        triples=set(closure.inferred),
        noise_by_rule=closure.noise_by_rule,
        seconds=time.perf_counter() - started,
    )


# Serialises owlrl runs: expand() mutates module-level state (see the module docstring).
_OWLRL_LOCK: Final = threading.Lock()


def reason(ontology: Graph, asserted: Graph, iris: Iris) -> Closure:
    """Compute the OWL 2 RL closure of `ontology` + `asserted` and return what it adds.

    Neither input is modified: the rules run on a private copy. Raises
    `InconsistencyError` when a rule finds a contradiction (disjoint classes
    sharing an individual, an irreflexive property used reflexively, an
    ill-typed literal, ...), carrying owlrl's messages and the individuals
    they name: our resources under `iris` where a message names any (see
    `_resources_named`), so the caller can tell which article is to blame.
    """
    started = time.perf_counter()
    given = Graph()
    given += _triples_of(ontology)
    given += _triples_of(asserted)
    work = Graph()
    work += given
    _expand(work)

    errors = _error_messages(work)
    if errors:
        resources = {iri for message in errors for iri in _resources_named(message, asserted, iris)}
        raise InconsistencyError(errors, resources)

    inferred = Graph()
    for prefix, namespace in PREFIXES.items():
        inferred.bind(prefix, namespace, override=True, replace=True)
    counts = dict.fromkeys((rule.name for rule in NOISE_RULES), 0)
    for triple in work:
        if triple in given:
            continue
        rule = noise_rule_for(triple)
        if rule is None:
            inferred.add(triple)
        else:
            counts[rule.name] += 1
    return Closure(
        inferred=inferred,
        noise=sum(counts.values()),
        noise_by_rule=counts,
        seconds=time.perf_counter() - started,
    )


def _triples_of(graph: Graph | Iterable[Triple]) -> Iterator[Triple]:
    """Every triple of `graph`; for a Dataset, of all its graphs, not only the default one."""
    if isinstance(graph, ConjunctiveGraph):
        for s, p, o, _ in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph


def _expand(graph: Graph) -> None:
    with _OWLRL_LOCK:
        try:
            # No axiomatic or datatype-axiom triples: they would only be dropped as noise.
            DeductiveClosure(
                OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
            ).expand(graph)
        finally:
            # expand() restores rdflib's literal conversions only when it returns
            # normally; make sure an exception inside owlrl does not leave the
            # whole process converting literals owlrl's way.
            if not DeductiveClosure.improved_datatype_generic:
                DatatypeHandling.use_RDFLib_lexical_conversions()


def _error_messages(graph: Graph) -> list[str]:
    """owlrl's inconsistency messages: it adds them as `[] a err:ErrorMessage; err:error "..."`."""
    return sorted(
        str(message)
        for node in graph.subjects(RDF.type, ERRNS.ErrorMessage)
        for message in graph.objects(node, ERRNS.error)
    )


# owlrl formats terms with %s, so IRIs appear bare, delimited by spaces, commas or brackets.
_IRI_RE: Final = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)[^\s,()<>\"'{}|\\^`]+")
_ILL_TYPED_RE: Final = re.compile(
    r"^Lexical value of the literal '(?P<lexical>.*)' does not match its datatype "
    r"\((?P<datatype>[^()\s]+)\)$",
    re.DOTALL,
)


def _resources_named(message: str, asserted: Graph | Iterable[Triple], iris: Iris) -> list[str]:
    """The individuals an owlrl error message is about.

    Our own resources (under `iris.resource_prefix`) when the message names
    any, else every IRI in it that is not a vocabulary term. An ill-typed
    literal names no IRI, so the subjects holding that literal stand in for it.
    """
    ill_typed = _ILL_TYPED_RE.match(message)
    if ill_typed:
        return _subjects_holding(ill_typed["lexical"], ill_typed["datatype"], asserted)
    named = [iri.rstrip(".;:") for iri in _IRI_RE.findall(message)]
    ours = [iri for iri in named if iris.slug_of(iri) is not None]
    if ours:
        return ours
    return [iri for iri in named if not is_vocabulary_term(URIRef(iri))]


def _subjects_holding(lexical: str, datatype: str, asserted: Graph | Iterable[Triple]) -> list[str]:
    return sorted(
        str(s)
        for s, _, o in _triples_of(asserted)
        if isinstance(o, Literal)
        and str(o) == lexical
        and str(o.datatype) == datatype
        and not isinstance(s, BNode)
    )
