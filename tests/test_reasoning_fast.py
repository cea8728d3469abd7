"""The compiled rules (`spacekg.rules`) publish exactly what the owlrl path publishes.

Every comparison runs both `reasoning.reason` (owlrl's full closure, noise
filtered) and `rules.reason` on the same input and asserts that the inferred
graphs are equal triple for triple (the difference is printed on failure), or
that both raise `InconsistencyError` with the same messages and resources.
Inputs: the real data/, synthetic corpora from bench.generate, the inline
graphs of tests/test_reasoning.py, and inconsistent graphs. The rule tests of
tests/test_reasoning.py also run a second time here, against `rules.reason`
(see `RULE_TESTS_REUSED`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.generate import generate
from bench.reasoning import asserted_graph
from rdflib import Graph
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

import tests.test_reasoning as owlrl_tests
from spacekg import reasoning, rules
from spacekg.errors import InconsistencyError
from spacekg.reasoning import NOISE_RULES
from spacekg.vocab import SKG, Iris

ROOT = Path(__file__).resolve().parents[1]
IRIS = Iris()
Triple = tuple[Node, Node, Node]

# ---------------------------------------------------------------------------
# The rule tests of test_reasoning.py, against rules.reason
# ---------------------------------------------------------------------------

#: Collected here a second time, with `rules.reason` swapped in for the
#: `reason` they call. Left out: the two that assert owlrl's noise counts
#: (rules.reason reports 0 noise by design), the noise_rule_for table tests
#: (they test no reasoner) and the owlrl literal-conversion test.
RULE_TESTS_REUSED = (
    "test_cax_sco_types_instances_with_every_superclass",
    "test_cax_dw_disjoint_classes_raise_naming_the_individual",
    "test_cax_adc_all_disjoint_classes_raise_naming_the_individual",
    "test_inconsistency_names_only_the_resources_involved",
    "test_prp_inv_infers_both_directions",
    "test_prp_spo1_infers_superproperties",
    "test_prp_dom_types_the_subject",
    "test_prp_rng_types_the_object",
    "test_prp_symp_twins_are_twins_both_ways",
    "test_prp_trp_carrying_is_transitive",
    "test_prp_spo2_postponed_because_of_follows_the_chain",
    "test_prp_irp_a_spacecraft_is_not_its_own_twin",
    "test_prp_fp_two_speakers_of_one_statement_are_the_same_agent",
    "test_dt_not_type_an_ill_typed_literal_names_its_subject",
    "test_published_inferences_are_about_instances_only",
    "test_realistic_inferences_are_kept",
    "test_inferred_holds_no_input_triple",
    "test_reason_does_not_mutate_its_inputs",
)
# The fixtures they use come along (pytest finds fixtures and tests by name in
# the module's namespace).
globals().update(
    {name: getattr(owlrl_tests, name) for name in (*RULE_TESTS_REUSED, "ontology", "realistic")}
)


@pytest.fixture(scope="module", autouse=True)
def _rules_in_place_of_owlrl() -> Iterator[None]:
    """Module-scoped, so the module-scoped `realistic` fixture is computed by the rules too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owlrl_tests, "reason", rules.reason)
        yield


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------


def _show(triples: set[Triple], limit: int = 25) -> str:
    lines = sorted(" ".join(term.n3() for term in triple) for triple in triples)
    more = f"\n    ... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(f"    {line}" for line in lines[:limit]) + more


def assert_rules_match_owlrl(ontology: Graph, asserted: Graph) -> rules.RulesClosure:
    """Both reasoners publish the same inferred graph, or raise the same inconsistency."""
    try:
        expected = reasoning.reason(ontology, asserted, IRIS)
    except InconsistencyError as owlrl_error:
        with pytest.raises(InconsistencyError) as caught:
            rules.reason(ontology, asserted, IRIS)
        assert caught.value.messages == owlrl_error.messages
        assert caught.value.resources == owlrl_error.resources
        raise
    actual = rules.reason(ontology, asserted, IRIS)
    published, wanted = set(actual.inferred), set(expected.inferred)
    assert published == wanted, (
        f"rules ({actual.engine}) vs owlrl: "
        f"{len(published - wanted)} extra, {len(wanted - published)} missing\n"
        f"  extra:\n{_show(published - wanted)}\n  missing:\n{_show(wanted - published)}"
    )
    return actual


def data(turtle: str) -> Graph:
    return owlrl_tests.data(turtle)


# ---------------------------------------------------------------------------
# (1) the real data, (2) synthetic corpora
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_real_data_gives_owlrls_closure(ontology: Graph) -> None:
    """Ontology + data/reference + every data/articles article, extracted as the build does."""
    asserted = asserted_graph(
        ontology, ROOT / "data" / "reference", ROOT / "data" / "articles", IRIS
    )
    closure = assert_rules_match_owlrl(ontology, asserted)
    assert closure.engine == "rules", closure.note
    assert len(closure.inferred) > 1000


@pytest.mark.slow
@pytest.mark.parametrize(
    ("count", "seed"),
    [
        pytest.param(20, 7, id="20 articles, seed 7"),
        pytest.param(20, 11, id="20 articles, seed 11"),
        pytest.param(60, 7, id="60 articles, seed 7"),
        pytest.param(60, 11, id="60 articles, seed 11"),
    ],
)
def test_a_synthetic_corpus_gives_owlrls_closure(
    ontology: Graph, tmp_path: Path, count: int, seed: int
) -> None:
    """bench.generate's articles go through the real extractor; both reasoners agree on them."""
    reference = ROOT / "data" / "reference"
    generate(count, seed, tmp_path, reference)
    asserted = asserted_graph(ontology, reference, tmp_path, IRIS)
    closure = assert_rules_match_owlrl(ontology, asserted)
    assert closure.engine == "rules", closure.note


# ---------------------------------------------------------------------------
# (3) the inline graphs of test_reasoning.py, and a few more
# ---------------------------------------------------------------------------

CONSISTENT = {
    "nothing asserted": "",
    "a rover": "r:zhurong a skg:Rover .",
    "a person": "r:josef-aschbacher a skg:Person .",
    "an agency": "r:esa a skg:Agency .",
    "a quote": "r:q a skg:Quote .",
    "participation": "r:roscosmos skg:participatesIn r:exomars .",
    "participation, inverse side": "r:exomars skg:hasParticipant r:roscosmos .",
    "parts": "r:rosalind-franklin skg:partOfMission r:exomars .",
    "statements": "r:quote-1 skg:statedBy r:josef-aschbacher .",
    "head of": "r:aschbacher skg:headOf r:esa .",
    "led by": "r:exomars skg:ledBy r:esa .",
    "mentions account": "r:post skg:mentionsAccount r:esa-account .",
    "a range": "r:q skg:statedBy r:roscosmos .",
    "a datatype range": 'r:m skg:beginIndex "4"^^xsd:nonNegativeInteger .',
    "a plain literal under a datatype range": 'r:m skg:beginIndex "4" .',
    "twins": "r:amalia skg:twinOf r:rosalind-franklin .",
    "carrying": "r:cruise-stage skg:carries r:kazachok . r:kazachok skg:carries r:rover .",
    "carrying, stated from both ends": (
        "r:a skg:carries r:b . r:c skg:carriedBy r:b . r:c skg:carries r:d ."
    ),
    "a postponement": (
        "r:exomars-postponement skg:postponementOf r:exomars ; skg:causedBy r:russo-ukrainian-war ."
    ),
    "a chain from the mission's side": "r:m skg:postponedBy r:p . r:p skg:causedBy r:war .",
    "the realistic article": owlrl_tests.REALISTIC,
    "a literal where an IRI is expected": 'r:q skg:statedBy "Someone" .',
    "a blank node": "[] skg:statedBy r:esa ; skg:reportedIn r:seed .",
}


@pytest.mark.parametrize(
    "turtle", [pytest.param(turtle, id=name) for name, turtle in CONSISTENT.items()]
)
def test_an_inline_graph_gives_owlrls_closure(ontology: Graph, turtle: str) -> None:
    closure = assert_rules_match_owlrl(ontology, data(turtle))
    assert closure.engine == "rules", closure.note


# ---------------------------------------------------------------------------
# (4) inconsistencies: the same messages, the same resources
# ---------------------------------------------------------------------------

INCONSISTENT = {
    "disjointWith": "r:nasa a skg:Person, skg:Agency .",
    "AllDisjointClasses through a subclass": "r:exomars a skg:Rover, skg:Mission .",
    "two clashes and an innocent": """
        r:a a skg:Quote, skg:SocialMediaPost .
        r:b a skg:Person, skg:Organization .
        r:innocent a skg:Person ; rdfs:label "Innocent"@en .
    """,
    "an irreflexive property used reflexively": "r:amalia skg:twinOf r:amalia .",
    "an ill-typed date": 'r:article skg:datePublished "2022-02-30"^^xsd:date .',
    "a clash through a range": "r:x skg:headOf r:y . r:y a skg:Person .",
    "a clash through an inverse": "r:esa skg:hasAffiliate r:esa-2 . r:esa-2 a skg:Agency .",
    "a clash through transitivity": (
        "r:a skg:carries r:b . r:b skg:carries r:c . r:a skg:carries r:c . r:c a skg:Mission ."
    ),
    "a clash through a property chain": """
        r:p skg:postponementOf r:m ; skg:causedBy r:someone .
        r:someone a skg:Person .
    """,
    "two articles that disagree": "r:zephyr a skg:Rover . r:zephyr a skg:Lander .",
}


@pytest.mark.parametrize(
    "turtle", [pytest.param(turtle, id=name) for name, turtle in INCONSISTENT.items()]
)
def test_an_inconsistency_is_reported_as_owlrl_reports_it(ontology: Graph, turtle: str) -> None:
    with pytest.raises(InconsistencyError):
        assert_rules_match_owlrl(ontology, data(turtle))


def test_datatype_disjointness_clashes_as_in_owlrl(ontology: Graph) -> None:
    """dt-type2 and owlrl's datatype disjointness axioms: an xsd:integer literal under a
    range of xsd:string is a decimal and a string, which owlrl declares disjoint as soon
    as both datatypes occur. The ontology has no such range, so one is added here."""
    widened = Graph()
    widened += ontology
    widened += data("skg:handle rdfs:range xsd:string .")
    asserted = data('r:a skg:handle "42"^^xsd:integer . r:b skg:handle "x"^^xsd:string .')
    with pytest.raises(InconsistencyError) as caught:
        assert_rules_match_owlrl(widened, asserted)
    assert any("have a common individual 42" in m for m in caught.value.messages)


# ---------------------------------------------------------------------------
# The ontology: every axiom handled, or shown irrelevant
# ---------------------------------------------------------------------------


def _meta_axioms(ontology: Graph) -> set[Node]:
    """The meta-vocabulary predicates and rdf:type objects the ontology uses."""
    kinds: set[Node] = set()
    for _, p, o in ontology:
        if str(p).startswith((str(RDF), str(OWL), "http://www.w3.org/2000/01/rdf-schema#")):
            kinds.add(p)
        if p == RDF.type and str(o).startswith((str(RDF), str(OWL))):
            kinds.add(o)
    return kinds


def test_every_axiom_of_the_ontology_is_handled_or_irrelevant(ontology: Graph) -> None:
    known = {
        *rules.HANDLED_PREDICATES,
        *rules.HANDLED_TYPES,
        *rules.IRRELEVANT_PREDICATES,
        *rules.IRRELEVANT_TYPES,
    }
    assert _meta_axioms(ontology) <= known
    assert rules.compile_ontology(ontology).unsupported == ()


def test_the_axioms_called_irrelevant_change_nothing_owlrl_publishes(ontology: Graph) -> None:
    """Drop every triple whose only rules are IRRELEVANT_*: owlrl publishes the same graph.

    (rdf:type is kept for the HANDLED_TYPES and for instance typing; list cells are
    kept because the chains and AllDisjointClasses read them.)
    """
    kept = {RDF.type, RDF.first, RDF.rest}

    def relevant(triple: Triple) -> bool:
        _, p, o = triple
        if p == RDF.type:
            return o not in rules.IRRELEVANT_TYPES
        return p not in rules.IRRELEVANT_PREDICATES or p in kept

    trimmed = Graph()
    trimmed += (t for t in ontology if relevant(t))
    assert len(trimmed) < len(ontology)
    asserted = data(owlrl_tests.REALISTIC)
    full = reasoning.reason(ontology, asserted, IRIS).inferred
    assert set(reasoning.reason(trimmed, asserted, IRIS).inferred) == set(full)


def test_the_schema_tables_follow_the_hierarchies(ontology: Graph) -> None:
    schema = rules.compile_ontology(ontology)
    assert SKG.Spacecraft in schema.superclasses[SKG.LandingPlatform]
    assert SKG.participatesIn in schema.superproperties[SKG.leads]
    assert schema.inverses[SKG.carries] == {SKG.carriedBy}
    assert SKG.carries in schema.transitive
    assert SKG.twinOf in schema.symmetric & schema.irreflexive
    assert (SKG.postponedBecauseOf, (SKG.postponedBy, SKG.causedBy)) in schema.chains


# ---------------------------------------------------------------------------
# Where the rules hand over to owlrl
# ---------------------------------------------------------------------------

FALLBACKS = {
    "a functional property with two values (prp-fp)": (
        "",
        "r:q skg:statedBy r:aschbacher, r:josef-aschbacher .",
        "functional property",
    ),
    "a functional property with two values through an inverse": (
        "",
        "r:a skg:holdsPosition r:dg . r:b skg:holdsPosition r:dg . r:dg skg:roleTitle 'DG' .",
        "functional property",
    ),
    "two literal values of a functional datatype property": (
        "",
        'r:m skg:beginIndex "4"^^xsd:nonNegativeInteger, "5"^^xsd:nonNegativeInteger .',
        "functional property",
    ),
    "owl:sameAs in the data": ("", "r:esa owl:sameAs r:european-space-agency .", "owl#sameAs"),
    "a class declared in the data": ("", "r:thing a owl:Class .", "owl#Class"),
    "an axiom the rules do not implement": (
        """
        skg:Launched owl:equivalentClass [ a owl:Restriction ;
            owl:onProperty skg:launchVehicle ; owl:someValuesFrom skg:LaunchVehicle ] .
        """,
        "r:m skg:launchVehicle r:ariane-5 . r:ariane-5 a skg:LaunchVehicle .",
        "owl#someValuesFrom",
    ),
}


@pytest.mark.parametrize(
    ("extra_ontology", "turtle", "why"),
    [pytest.param(*case, id=name) for name, case in FALLBACKS.items()],
)
def test_the_rules_hand_over_to_owlrl_and_say_why(
    ontology: Graph, extra_ontology: str, turtle: str, why: str
) -> None:
    extended = Graph()
    extended += ontology
    extended += data(extra_ontology)
    closure = assert_rules_match_owlrl(extended, data(turtle))
    assert closure.engine == "owlrl"
    assert why in closure.note


# ---------------------------------------------------------------------------
# Interface
# ---------------------------------------------------------------------------


def test_noise_is_reported_as_zero_under_every_rule_name(ontology: Graph) -> None:
    """The rules generate no noise, so there is none to count (module docstring)."""
    closure = rules.reason(ontology, data(owlrl_tests.REALISTIC), IRIS)
    assert closure.noise == 0
    assert closure.noise_by_rule == {rule.name: 0 for rule in NOISE_RULES}
    assert closure.seconds >= 0
    assert isinstance(closure, reasoning.Closure)
