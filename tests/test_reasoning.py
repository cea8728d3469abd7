"""OWL 2 RL reasoning over the real ontology: one test per rule the ontology relies on.

In the manner of OWL-RL's and pySHACL's own tests: a few triples of Turtle
inline, the rule named and quoted (from the OWL 2 RL profile, section 4.3) in
the docstring, and an assertion about what `reason()` infers or rejects.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import rdflib.term
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF, OWL, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from spacekg.errors import InconsistencyError
from spacekg.reasoning import NOISE_RULES, Closure, is_vocabulary_term, noise_rule_for, reason
from spacekg.vocab import ONTOLOGY_IRI, ORG, SCHEMA, SKG, Iris

ONTOLOGY_FILE = Path(__file__).resolve().parents[1] / "ontology" / "spacekg.ttl"
IRIS = Iris()
R = Namespace(IRIS.resource_prefix)

PREFIXES = f"""
@prefix skg:    <{SKG._NS}> .
@prefix r:      <{IRIS.resource_prefix}> .
@prefix rdfs:   <{RDFS}> .
@prefix xsd:    <{XSD}> .
@prefix owl:    <{OWL}> .
"""

Triple = tuple[Node, Node, Node]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def data(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def closure_of(ontology: Graph, turtle: str) -> Closure:
    return reason(ontology, data(turtle), IRIS)


def inconsistency(ontology: Graph, turtle: str) -> InconsistencyError:
    with pytest.raises(InconsistencyError) as caught:
        closure_of(ontology, turtle)
    return caught.value


# ---------------------------------------------------------------------------
# Class axioms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turtle", "individual", "expected_types"),
    [
        pytest.param(
            "r:zhurong a skg:Rover .",
            R["zhurong"],
            {SKG.Spacecraft, SCHEMA.Product, PROV.Entity},
            id="a rover is a spacecraft, a schema:Product and a prov:Entity",
        ),
        pytest.param(
            "r:josef-aschbacher a skg:Person .",
            R["josef-aschbacher"],
            {SKG.Agent, SCHEMA.Person, FOAF.Person, PROV.Person, PROV.Agent, FOAF.Agent},
            id="a person is an agent and a schema, foaf and prov person",
        ),
        pytest.param(
            "r:esa a skg:Agency .",
            R["esa"],
            {SKG.Organization, SKG.Agent, SCHEMA.GovernmentOrganization, ORG.Organization},
            id="an agency is an organization and a government organization",
        ),
        pytest.param(
            "r:q a skg:Quote .",
            R["q"],
            {SKG.Statement, SCHEMA.Quotation, SCHEMA.CreativeWork, PROV.Entity},
            id="a quote is a statement and a creative work",
        ),
    ],
)
def test_cax_sco_types_instances_with_every_superclass(
    ontology: Graph, turtle: str, individual: URIRef, expected_types: set[URIRef]
) -> None:
    """cax-sco: T(?c1, rdfs:subClassOf, ?c2), T(?x, rdf:type, ?c1) ⇒ T(?x, rdf:type, ?c2)."""
    inferred = closure_of(ontology, turtle).inferred
    assert expected_types <= set(inferred.objects(individual, RDF.type))


def test_cax_dw_disjoint_classes_raise_naming_the_individual(ontology: Graph) -> None:
    """cax-dw: T(?c1, owl:disjointWith, ?c2), T(?x, rdf:type, ?c1), T(?x, rdf:type, ?c2) ⇒ false.

    skg:Person owl:disjointWith skg:Organization.
    """
    error = inconsistency(ontology, "r:nasa a skg:Person, skg:Agency .")
    assert error.resources == [str(R["nasa"])]
    assert any("Disjoint classes" in m and str(R["nasa"]) in m for m in error.messages)


def test_cax_adc_all_disjoint_classes_raise_naming_the_individual(ontology: Graph) -> None:
    """cax-adc: T(?x, rdf:type, owl:AllDisjointClasses), T(?x, owl:members, ?y),
    LIST[?y, ?c1, ..., ?cn], T(?z, rdf:type, ?ci), T(?z, rdf:type, ?cj) ⇒ false
    (for each 1 ≤ i < j ≤ n).

    skg:Spacecraft and skg:Mission are members of one owl:AllDisjointClasses; a
    rover is a spacecraft through cax-sco, so a rover typed as a mission clashes.
    """
    error = inconsistency(ontology, "r:exomars a skg:Rover, skg:Mission .")
    assert error.resources == [str(R["exomars"])]


def test_inconsistency_names_only_the_resources_involved(ontology: Graph) -> None:
    """Each clashing individual is named once, and nothing else from the graph is."""
    error = inconsistency(
        ontology,
        """
        r:a a skg:Quote, skg:SocialMediaPost .
        r:b a skg:Person, skg:Organization .
        r:innocent a skg:Person ; rdfs:label "Innocent"@en .
        """,
    )
    assert error.resources == [str(R["a"]), str(R["b"])]
    assert len(error.messages) == 2


# ---------------------------------------------------------------------------
# Property axioms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse", "subject", "object_"),
    [
        pytest.param(
            SKG.participatesIn, SKG.hasParticipant, R["roscosmos"], R["exomars"], id="participation"
        ),
        pytest.param(
            SKG.partOfMission, SKG.hasComponent, R["rosalind-franklin"], R["exomars"], id="parts"
        ),
        pytest.param(SKG.statedBy, SKG.made, R["quote-1"], R["josef-aschbacher"], id="statements"),
    ],
)
def test_prp_inv_infers_both_directions(
    ontology: Graph, forward: URIRef, inverse: URIRef, subject: URIRef, object_: URIRef
) -> None:
    """prp-inv1: T(?p1, owl:inverseOf, ?p2), T(?x, ?p1, ?y) ⇒ T(?y, ?p2, ?x).
    prp-inv2: T(?p1, owl:inverseOf, ?p2), T(?x, ?p2, ?y) ⇒ T(?y, ?p1, ?x).
    """
    one_way = closure_of(ontology, f"<{subject}> <{forward}> <{object_}> .").inferred
    assert (object_, inverse, subject) in one_way
    other_way = closure_of(ontology, f"<{object_}> <{inverse}> <{subject}> .").inferred
    assert (subject, forward, object_) in other_way


@pytest.mark.parametrize(
    ("turtle", "expected"),
    [
        pytest.param(
            "r:aschbacher skg:headOf r:esa .",
            [
                (R["aschbacher"], SKG.affiliatedWith, R["esa"]),
                (R["aschbacher"], ORG.memberOf, R["esa"]),
                (R["aschbacher"], ORG.headOf, R["esa"]),
                (R["aschbacher"], SCHEMA.affiliation, R["esa"]),
            ],
            id="head of is affiliated with, org:memberOf and org:headOf",
        ),
        pytest.param(
            "r:exomars skg:ledBy r:esa .",
            [
                (R["exomars"], SKG.hasParticipant, R["esa"]),
                (R["exomars"], PROV.wasAssociatedWith, R["esa"]),
            ],
            id="led by is has participant and prov:wasAssociatedWith",
        ),
        pytest.param(
            "r:q skg:statedBy r:aschbacher .",
            [
                (R["q"], PROV.wasAttributedTo, R["aschbacher"]),
                (R["q"], SCHEMA.author, R["aschbacher"]),
            ],
            id="stated by is prov:wasAttributedTo and schema:author",
        ),
        pytest.param(
            "r:post skg:mentionsAccount r:esa-account .",
            [
                (R["post"], SKG.mentions, R["esa-account"]),
                (R["post"], SCHEMA.mentions, R["esa-account"]),
            ],
            id="mentions account is mentions and schema:mentions",
        ),
    ],
)
def test_prp_spo1_infers_superproperties(
    ontology: Graph, turtle: str, expected: list[Triple]
) -> None:
    """prp-spo1: T(?p1, rdfs:subPropertyOf, ?p2), T(?x, ?p1, ?y) ⇒ T(?x, ?p2, ?y)."""
    inferred = closure_of(ontology, turtle).inferred
    for triple in expected:
        assert triple in inferred


def test_prp_dom_types_the_subject(ontology: Graph) -> None:
    """prp-dom: T(?p, rdfs:domain, ?c), T(?x, ?p, ?y) ⇒ T(?x, rdf:type, ?c).

    skg:headOf has domain skg:Person, so the head is a person, and through
    cax-sco a schema:Person, foaf:Person and prov:Agent.
    """
    inferred = closure_of(ontology, "r:aschbacher skg:headOf r:esa .").inferred
    types = set(inferred.objects(R["aschbacher"], RDF.type))
    assert {SKG.Person, SCHEMA.Person, FOAF.Person, PROV.Agent} <= types


def test_prp_rng_types_the_object(ontology: Graph) -> None:
    """prp-rng: T(?p, rdfs:range, ?c), T(?x, ?p, ?y) ⇒ T(?y, rdf:type, ?c).

    skg:statedBy has range skg:Agent: whoever stated a statement is an agent.
    """
    inferred = closure_of(ontology, "r:q skg:statedBy r:roscosmos .").inferred
    types = set(inferred.objects(R["roscosmos"], RDF.type))
    assert {SKG.Agent, PROV.Agent, FOAF.Agent} <= types
    assert (R["q"], RDF.type, SKG.Statement) in inferred


def test_prp_rng_on_a_datatype_property_adds_only_noise(ontology: Graph) -> None:
    """prp-rng on skg:beginIndex (range xsd:integer) types the literal: noise."""
    closure = closure_of(ontology, 'r:m skg:beginIndex "4"^^xsd:integer .')
    assert not any(isinstance(s, Literal) for s in closure.inferred.subjects())
    assert closure.noise_by_rule["literal-subject"] >= 1


def test_prp_symp_twins_are_twins_both_ways(ontology: Graph) -> None:
    """prp-symp: T(?p, rdf:type, owl:SymmetricProperty), T(?x, ?p, ?y) ⇒ T(?y, ?p, ?x)."""
    inferred = closure_of(ontology, "r:amalia skg:twinOf r:rosalind-franklin .").inferred
    assert (R["rosalind-franklin"], SKG.twinOf, R["amalia"]) in inferred


def test_prp_trp_carrying_is_transitive(ontology: Graph) -> None:
    """prp-trp: T(?p, rdf:type, owl:TransitiveProperty), T(?x, ?p, ?y), T(?y, ?p, ?z)
    ⇒ T(?x, ?p, ?z).

    The cruise stage carries the lander, the lander carries the rover, so the
    cruise stage carries the rover (and, through prp-inv, the rover is carried by it).
    """
    inferred = closure_of(
        ontology, "r:cruise-stage skg:carries r:kazachok . r:kazachok skg:carries r:rover ."
    ).inferred
    assert (R["cruise-stage"], SKG.carries, R["rover"]) in inferred
    assert (R["rover"], SKG.carriedBy, R["cruise-stage"]) in inferred


def test_prp_spo2_postponed_because_of_follows_the_chain(ontology: Graph) -> None:
    """prp-spo2: T(?p, owl:propertyChainAxiom, ?x), LIST[?x, ?p1, ..., ?pn],
    T(?u1, ?p1, ?u2), T(?u2, ?p2, ?u3), ..., T(?un, ?pn, ?un+1) ⇒ T(?u1, ?p, ?un+1).

    skg:postponedBecauseOf ≡ skg:postponedBy ∘ skg:causedBy. The extractor states
    the postponement's side (skg:postponementOf), so prp-inv supplies the first link.
    """
    inferred = closure_of(
        ontology,
        """
        r:exomars-postponement skg:postponementOf r:exomars ;
            skg:causedBy r:russo-ukrainian-war .
        """,
    ).inferred
    assert (R["exomars"], SKG.postponedBecauseOf, R["russo-ukrainian-war"]) in inferred
    assert (R["exomars"], SKG.affectedBy, R["russo-ukrainian-war"]) in inferred
    assert (R["russo-ukrainian-war"], RDF.type, SKG.Event) in inferred


def test_prp_irp_a_spacecraft_is_not_its_own_twin(ontology: Graph) -> None:
    """prp-irp: T(?p, rdf:type, owl:IrreflexiveProperty), T(?x, ?p, ?x) ⇒ false."""
    error = inconsistency(ontology, "r:amalia skg:twinOf r:amalia .")
    assert error.resources == [str(R["amalia"])]
    assert any("Irreflexive" in m for m in error.messages)


def test_prp_fp_two_speakers_of_one_statement_are_the_same_agent(ontology: Graph) -> None:
    """prp-fp: T(?p, rdf:type, owl:FunctionalProperty), T(?x, ?p, ?y1), T(?x, ?p, ?y2)
    ⇒ T(?y1, owl:sameAs, ?y2).

    skg:statedBy is functional: a statement credited to two IRIs makes them one agent.
    """
    inferred = closure_of(ontology, "r:q skg:statedBy r:aschbacher, r:josef-aschbacher .").inferred
    assert (R["aschbacher"], OWL.sameAs, R["josef-aschbacher"]) in inferred
    assert (R["josef-aschbacher"], OWL.sameAs, R["aschbacher"]) in inferred


def test_dt_not_type_an_ill_typed_literal_names_its_subject(ontology: Graph) -> None:
    """dt-not-type: T(lt, rdf:type, dt) ⇒ false, for a literal lt whose value is not in
    the value space of the OWL 2 RL datatype dt.

    The message names only the literal; the error names the resource holding it.
    """
    error = inconsistency(ontology, 'r:article skg:datePublished "2022-02-30"^^xsd:date .')
    assert error.resources == [str(R["article"])]


# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------

NOISE_EXAMPLES: list[tuple[str, Triple, str | None]] = [
    ("x sameAs x is dropped", (R.x, OWL.sameAs, R.x), "reflexive-sameAs"),
    (
        "a blank node sameAs itself is dropped",
        (BNode("b"), OWL.sameAs, BNode("b")),
        "reflexive-sameAs",
    ),
    ("x sameAs y is kept", (R.x, OWL.sameAs, R.y), None),
    (
        "a typed literal is dropped",
        (Literal("2022-02-25", datatype=XSD.date), RDF.type, XSD.date),
        "literal-subject",
    ),
    ("literal sameAs itself is dropped", (Literal(3), OWL.sameAs, Literal(3)), "reflexive-sameAs"),
    (
        "a subclass of owl:Thing is dropped",
        (SKG.Rover, RDFS.subClassOf, OWL.Thing),
        "vocabulary-subject",
    ),
    (
        "a superproperty's domain is dropped",
        (SCHEMA.author, RDFS.domain, SKG.Statement),
        "vocabulary-subject",
    ),
    (
        "a datatype typed as datatype is dropped",
        (XSD.date, RDF.type, RDFS.Datatype),
        "vocabulary-subject",
    ),
    ("owl:Thing a owl:Class is dropped", (OWL.Thing, RDF.type, OWL.Class), "vocabulary-subject"),
    (
        "the ontology's own IRI is vocabulary",
        (ONTOLOGY_IRI, RDFS.seeAlso, R.x),
        "vocabulary-subject",
    ),
    ("x a owl:Thing is dropped", (R.x, RDF.type, OWL.Thing), "trivial-type"),
    ("x a rdfs:Resource is dropped", (R.x, RDF.type, RDFS.Resource), "trivial-type"),
    ("x a owl:NamedIndividual is dropped", (R.x, RDF.type, OWL.NamedIndividual), "trivial-type"),
    ("x a rdfs:Datatype is dropped", (R.x, RDF.type, RDFS.Datatype), "datatype-axiom"),
    ("x a xsd:date is dropped", (R.x, RDF.type, XSD.date), "datatype-axiom"),
    ("x a rdf:langString is dropped", (R.x, RDF.type, RDF.langString), "datatype-axiom"),
    ("x a owl:Class is dropped", (R.x, RDF.type, OWL.Class), "metaclass-type"),
    ("x a rdf:Property is dropped", (R.x, RDF.type, RDF.Property), "metaclass-type"),
    ("x a owl:ObjectProperty is dropped", (R.x, RDF.type, OWL.ObjectProperty), "metaclass-type"),
    ("an error node's type is dropped", (BNode("e"), RDF.type, ERRNS.ErrorMessage), "error-report"),
    (
        "an error node's message is dropped",
        (BNode("e"), ERRNS.error, Literal("oops")),
        "error-report",
    ),
    ("an inferred skg type is kept", (R.x, RDF.type, SKG.Spacecraft), None),
    ("an inferred schema.org type is kept", (R.x, RDF.type, SCHEMA.Person), None),
    ("an inferred foaf type is kept", (R.x, RDF.type, FOAF.Person), None),
    ("an inferred prov property is kept", (R.q, PROV.wasAttributedTo, R.x), None),
    ("an inverse is kept", (R.esa, SKG.participatesIn, R.exomars), None),
    ("a chain conclusion is kept", (R.exomars, SKG.postponedBecauseOf, R.war), None),
    (
        "a fact about an outside IRI is kept",
        (URIRef("https://example.org/x"), RDF.type, SKG.Agent),
        None,
    ),
]


@pytest.mark.parametrize(
    ("triple", "rule"),
    [pytest.param(triple, rule, id=name) for name, triple, rule in NOISE_EXAMPLES],
)
def test_noise_rule_for(triple: Triple, rule: str | None) -> None:
    """Each triple is dropped by the rule named, or kept (None)."""
    found = noise_rule_for(triple)
    assert (found.name if found else None) == rule


def test_every_noise_rule_has_an_example() -> None:
    """No rule in the table goes untested by NOISE_EXAMPLES."""
    exercised = {rule for _, _, rule in NOISE_EXAMPLES if rule is not None}
    assert exercised == {rule.name for rule in NOISE_RULES}


REALISTIC = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
r:seed a skg:Article ;
    rdfs:label "ESA on cooperation with Roscosmos"@en ;
    skg:datePublished "2022-02-25"^^xsd:date ;
    skg:articleBody "The European Space Agency's Director General Josef Aschbacher ..."@en ;
    skg:sourceFile "000_92ec57ef2a237250.txt" ;
    skg:language "en" ;
    skg:mentions r:european-space-agency, r:josef-aschbacher, r:exomars-2022 .
<https://w3id.org/spacekg/resource/seed#mention-4-26> a skg:Mention ;
    skg:mentionOf r:european-space-agency ; skg:inArticle r:seed ;
    skg:beginIndex "4"^^xsd:integer ; skg:endIndex "26"^^xsd:integer ;
    skg:anchorText "European Space Agency" .
r:seed-post-1 a skg:SocialMediaPost ;
    rdfs:label "Josef Aschbacher on Twitter, 25 February 2022"@en ;
    skg:text "Notwithstanding the current conflict, civil space cooperation remains a bridge."@en ;
    skg:statedBy r:josef-aschbacher ; skg:reportedIn r:seed ;
    skg:postedFrom r:aschbacherjosef-account ; skg:hasHashtag r:exomars2022-hashtag ;
    skg:datePublished "2022-02-25"^^xsd:date ;
    skg:beginIndex "370"^^xsd:integer ; skg:endIndex "450"^^xsd:integer .
r:aschbacherjosef-account a skg:Account ; skg:handle "AschbacherJosef" ;
    skg:accountOf r:josef-aschbacher ; rdfs:label "@AschbacherJosef" .
r:josef-aschbacher a skg:Person ; rdfs:label "Josef Aschbacher"@en ;
    skg:headOf r:european-space-agency .
r:european-space-agency a skg:Agency ; rdfs:label "European Space Agency"@en ;
    skos:altLabel "ESA" ; skg:participatesIn r:exomars-2022 ; skg:foundingDate "1975"^^xsd:gYear .
r:exomars-2022 a skg:Mission ; rdfs:label "ExoMars 2022"@en .
r:rosalind-franklin a skg:Rover ; skg:partOfMission r:exomars-2022 ; skg:twinOf r:amalia .
r:kazachok a skg:LandingPlatform ; skg:carries r:rosalind-franklin .
r:exomars-postponement a skg:Postponement ; skg:postponementOf r:exomars-2022 ;
    skg:causedBy r:russo-ukrainian-war ; skg:inArticle r:seed .
r:russo-ukrainian-war a skg:Conflict ; rdfs:label "Russo-Ukrainian War"@en .
"""


@pytest.fixture(scope="module")
def realistic(ontology: Graph) -> Closure:
    return closure_of(ontology, REALISTIC)


def test_published_inferences_are_about_instances_only(realistic: Closure) -> None:
    """No vocabulary or literal subject, no reflexive sameAs, no trivial or schema typing."""
    for s, p, o in realistic.inferred:
        assert not isinstance(s, Literal), (s, p, o)
        assert not is_vocabulary_term(s), (s, p, o)
        assert not (p == OWL.sameAs and s == o), (s, p, o)
        assert noise_rule_for((s, p, o)) is None, (s, p, o)


def test_realistic_inferences_are_kept(realistic: Closure) -> None:
    """What the ontology is for survives the filter."""
    inferred = realistic.inferred
    for triple in [
        (R["josef-aschbacher"], RDF.type, SCHEMA.Person),
        (R["josef-aschbacher"], RDF.type, FOAF.Person),
        (R["josef-aschbacher"], RDF.type, PROV.Agent),
        (R["josef-aschbacher"], SKG.made, R["seed-post-1"]),
        (R["seed-post-1"], PROV.wasAttributedTo, R["josef-aschbacher"]),
        (R["seed-post-1"], RDF.type, SKG.Statement),
        (R["european-space-agency"], SKG.hasAffiliate, R["josef-aschbacher"]),
        (R["exomars-2022"], SKG.hasParticipant, R["european-space-agency"]),
        (R["exomars-2022"], SKG.hasComponent, R["rosalind-franklin"]),
        (R["exomars-2022"], SKG.postponedBecauseOf, R["russo-ukrainian-war"]),
        (R["amalia"], SKG.twinOf, R["rosalind-franklin"]),
        (R["kazachok"], RDF.type, SKG.Spacecraft),
        (R["seed"], SCHEMA.mentions, R["exomars-2022"]),
    ]:
        assert triple in inferred, triple


def test_noise_is_counted_by_rule(realistic: Closure) -> None:
    """Every rule reports a count, and the counts add up to the total."""
    assert set(realistic.noise_by_rule) == {rule.name for rule in NOISE_RULES}
    assert sum(realistic.noise_by_rule.values()) == realistic.noise
    assert realistic.noise_by_rule["reflexive-sameAs"] > 0
    assert realistic.noise_by_rule["vocabulary-subject"] > 0
    assert realistic.seconds >= 0


def test_inferred_holds_no_input_triple(ontology: Graph, realistic: Closure) -> None:
    """Only what reasoning adds: nothing already in the ontology or the data."""
    asserted = data(REALISTIC)
    for triple in realistic.inferred:
        assert triple not in asserted
        assert triple not in ontology


# ---------------------------------------------------------------------------
# Side effects
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "turtle",
    [
        pytest.param(REALISTIC, id="consistent data"),
        pytest.param("r:x a skg:Person, skg:Organization .", id="inconsistent data"),
    ],
)
def test_reason_does_not_mutate_its_inputs(ontology: Graph, turtle: str) -> None:
    """The rules run on a copy; the caller's graphs are as they were, even after an error."""
    asserted = data(turtle)
    ontology_before, asserted_before = set(ontology), set(asserted)
    with contextlib.suppress(InconsistencyError):
        reason(ontology, asserted, IRIS)
    assert set(ontology) == ontology_before
    assert set(asserted) == asserted_before


def test_reason_restores_rdflibs_literal_conversions(ontology: Graph) -> None:
    """owlrl swaps rdflib's process-wide lexical-to-Python table while it runs; it is put back."""
    before = dict(rdflib.term._toPythonMapping)
    closure_of(ontology, REALISTIC)
    with pytest.raises(InconsistencyError):
        closure_of(ontology, "r:x a skg:Person, skg:Organization .")
    assert dict(rdflib.term._toPythonMapping) == before
