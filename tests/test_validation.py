"""SHACL validation against the real ontology/shapes.ttl.

Data is reasoned first, as in the build: shapes see asserted + inferred
triples. Each kind of violation is one parametrised case whose id reads as a
sentence; each must fail with a report naming the focus node and the path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from spacekg.errors import ValidationError
from spacekg.reasoning import reason
from spacekg.validation import MAX_REPORT_LINES, validate
from spacekg.vocab import SKG, Iris

ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
IRIS = Iris()
R = Namespace(IRIS.resource_prefix)

ARTICLE = R["esa-statement-2022"]
MENTION = URIRef(f"{ARTICLE}#mention-4-26")
QUOTE = R["esa-statement-2022-quote-1"]
POST = R["esa-statement-2022-post-1"]
SPEAKER = R["josef-aschbacher"]
AGENCY = R["european-space-agency"]
ACCOUNT = R["aschbacherjosef-account"]

VALID = f"""
@prefix skg:  <{SKG._NS}> .
@prefix r:    <{IRIS.resource_prefix}> .
@prefix rdfs: <{RDFS}> .
@prefix xsd:  <{XSD}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<{ARTICLE}> a skg:Article ;
    rdfs:label "ESA statement on cooperation with Roscosmos"@en ;
    skg:datePublished "2022-02-25"^^xsd:date ;
    skg:articleBody "The European Space Agency's Director General Josef Aschbacher ..."@en ;
    skg:sourceFile "000_92ec57ef2a237250.txt" ;
    skg:language "en" ;
    skg:mentions r:european-space-agency, r:josef-aschbacher .

<{MENTION}> a skg:Mention ;
    skg:mentionOf r:european-space-agency ;
    skg:inArticle <{ARTICLE}> ;
    skg:beginIndex "4"^^xsd:integer ;
    skg:endIndex "26"^^xsd:integer ;
    skg:anchorText "European Space Agency" .

<{QUOTE}> a skg:Quote ;
    rdfs:label "Josef Aschbacher: “civil space cooperation remains a bridge”"@en ;
    skg:text "Notwithstanding the current conflict, civil space cooperation remains a bridge."@en ;
    skg:statedBy r:josef-aschbacher ;
    skg:reportedIn <{ARTICLE}> ;
    skg:beginIndex "700"^^xsd:integer ;
    skg:endIndex "780"^^xsd:integer ;
    skg:language "en" .

<{POST}> a skg:SocialMediaPost ;
    rdfs:label "Josef Aschbacher on Twitter, 25 February 2022"@en ;
    skg:text "We continue to monitor the evolving situation."@en ;
    skg:statedBy r:josef-aschbacher ;
    skg:reportedIn <{ARTICLE}> ;
    skg:beginIndex "370"^^xsd:integer ;
    skg:endIndex "416"^^xsd:integer ;
    skg:datePublished "2022-02-25"^^xsd:date ;
    skg:postedFrom r:aschbacherjosef-account ;
    skg:hasHashtag r:exomars2022-hashtag ;
    skg:linksTo <https://twitter.com/AschbacherJosef/status/1> .

r:aschbacherjosef-account a skg:Account ;
    skg:handle "AschbacherJosef" ;
    skg:accountOf r:josef-aschbacher ;
    rdfs:label "@AschbacherJosef" .

r:exomars2022-hashtag a skg:Hashtag ; rdfs:label "#ExoMars2022" .

r:josef-aschbacher a skg:Person ;
    rdfs:label "Josef Aschbacher"@en, "Йозеф Ашбахер"@ru ;
    skg:holdsPosition r:josef-aschbacher-director-general-european-space-agency .

r:josef-aschbacher-director-general-european-space-agency a skg:Position ;
    rdfs:label "Director General of the European Space Agency"@en ;
    skg:roleTitle "Director General"@en ;
    skg:positionIn r:european-space-agency .

r:european-space-agency a skg:Agency ;
    rdfs:label "European Space Agency"@en ;
    skos:altLabel "ESA" ;
    skg:foundingDate "1975-05-30"^^xsd:date ;
    skg:participatesIn r:exomars-2022 .

r:exomars-2022 a skg:Mission ;
    rdfs:label "ExoMars 2022"@en ;
    skg:plannedLaunchDate "2022-09"^^xsd:gYearMonth .

r:exomars-postponement-2022 a skg:Postponement ;
    rdfs:label "postponement of ExoMars 2022"@en ;
    skg:postponementOf r:exomars-2022 ;
    skg:previousDate "2022"^^xsd:gYear ;
    skg:causedBy r:russo-ukrainian-war ;
    skg:inArticle <{ARTICLE}> .

r:russo-ukrainian-war a skg:Conflict ;
    rdfs:label "Russo-Ukrainian War"@en ;
    skg:startDate "2014-02"^^xsd:gYearMonth .
"""


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "spacekg.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")


def asserted() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def published(ontology: Graph, graph: Graph) -> Graph:
    """Asserted + inferred, the graph the build validates."""
    union = Graph()
    union += graph
    union += reason(ontology, graph, IRIS).inferred
    return union


def failure(ontology: Graph, shapes: Graph, graph: Graph) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(published(ontology, graph), shapes)
    return caught.value


# ---------------------------------------------------------------------------
# The shapes file
# ---------------------------------------------------------------------------


def test_every_shape_is_named_commented_and_has_a_message(shapes: Graph) -> None:
    """A person reading a report can find the shape and knows what to do."""
    all_shapes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    assert len(all_shapes) > 20
    for shape in all_shapes:
        assert shapes.value(shape, SH.name) is not None, shape
        assert shapes.value(shape, RDFS.comment) is not None, shape
        assert shapes.value(shape, SH.message) is not None, shape


def test_every_shape_path_and_class_is_an_ontology_term(ontology: Graph, shapes: Graph) -> None:
    """A misspelt skg: term in a shape would silently never match anything."""
    used = set(shapes.objects(None, SH.path)) | set(shapes.objects(None, SH.targetClass))
    used |= set(shapes.objects(None, SH["class"])) | set(shapes.objects(None, SH.targetSubjectsOf))
    for term in used:
        if str(term).startswith(str(SKG._NS)):
            assert (term, RDF.type, None) in ontology, term


# ---------------------------------------------------------------------------
# Conforming data
# ---------------------------------------------------------------------------


def test_a_small_valid_graph_passes(ontology: Graph, shapes: Graph) -> None:
    """An article with a mention, a quote, a post and the things they name conforms."""
    validate(published(ontology, asserted()), shapes)


def test_a_speaker_typed_only_as_person_counts_as_an_agent(ontology: Graph, shapes: Graph) -> None:
    """sh:class skg:Agent is met through the inferred type, which is why reasoning comes first."""
    graph = asserted()
    assert (SPEAKER, RDF.type, SKG.Agent) not in graph
    validate(published(ontology, graph), shapes)


def test_a_dataset_is_validated_as_the_union_of_its_graphs(ontology: Graph, shapes: Graph) -> None:
    """Statement and speaker in different named graphs still meet the shapes together."""
    graph = published(ontology, asserted())
    dataset = Dataset()
    article_graph = dataset.graph(IRIS.article_graph("esa-statement-2022"))
    reference_graph = dataset.graph(IRIS.reference_graph)
    for s, p, o in graph:
        (reference_graph if s in {SPEAKER, AGENCY} else article_graph).add((s, p, o))
    validate(dataset, shapes)


# ---------------------------------------------------------------------------
# Violations
# ---------------------------------------------------------------------------

Change = Callable[[Graph], object]


def without(subject: URIRef, predicate: URIRef) -> Change:
    return lambda g: g.remove((subject, predicate, None))


def replacing(subject: URIRef, predicate: URIRef, *values: Literal | URIRef) -> Change:
    def change(graph: Graph) -> None:
        graph.remove((subject, predicate, None))
        for value in values:
            graph.add((subject, predicate, value))

    return change


def adding(subject: URIRef, predicate: URIRef, value: Literal | URIRef) -> Change:
    return lambda g: g.add((subject, predicate, value))


def nni(n: int) -> Literal:
    """An offset as published: xsd:integer (stores canonicalise derived integer types)."""
    return Literal(n, datatype=XSD.integer)


#: One case per kind of violation: (change, focus node, path, constraint), the
#: id a sentence. tests/test_validation_scale.py runs them through validate_triples too.
VIOLATIONS: Final = [
    pytest.param(
        without(QUOTE, SKG.text),
        QUOTE,
        "skg:text",
        "MinCount",
        id="a statement without text fails",
    ),
    pytest.param(
        replacing(QUOTE, SKG.text, Literal("no language tag")),
        QUOTE,
        "skg:text",
        "Datatype",
        id="a statement whose text has no language tag fails",
    ),
    pytest.param(
        without(QUOTE, SKG.statedBy),
        QUOTE,
        "skg:statedBy",
        "MinCount",
        id="a statement without a speaker fails",
    ),
    pytest.param(
        replacing(POST, SKG.statedBy, Literal("Josef Aschbacher")),
        POST,
        "skg:statedBy",
        "Class",
        id="a statement whose speaker is a string fails",
    ),
    pytest.param(
        without(POST, SKG.reportedIn),
        POST,
        "skg:reportedIn",
        "MinCount",
        id="a statement without an article fails",
    ),
    pytest.param(
        without(AGENCY, RDFS.label),
        AGENCY,
        "rdfs:label",
        "MinCount",
        id="an entity without a label fails",
    ),
    pytest.param(
        adding(AGENCY, RDFS.label, Literal("ESA", lang="en")),
        AGENCY,
        "rdfs:label",
        "UniqueLang",
        id="an entity with two English labels fails",
    ),
    pytest.param(
        adding(R["russo-ukrainian-war"], RDFS.label, R["war"]),
        R["russo-ukrainian-war"],
        "rdfs:label",
        "Node",
        id="an entity whose label is an IRI fails",
    ),
    pytest.param(
        replacing(ARTICLE, SKG.datePublished, Literal("2022-02-25")),
        ARTICLE,
        "skg:datePublished",
        "Datatype",
        id="a datePublished that is a plain string fails",
    ),
    pytest.param(
        replacing(POST, SKG.datePublished, Literal("2022-02-25T10:00:00", datatype=XSD.dateTime)),
        POST,
        "skg:datePublished",
        "Datatype",
        id="a datePublished that is a dateTime fails",
    ),
    pytest.param(
        without(ARTICLE, SKG.datePublished),
        ARTICLE,
        "skg:datePublished",
        "MinCount",
        id="an article without a date fails",
    ),
    pytest.param(
        replacing(MENTION, SKG.beginIndex, nni(30)),
        MENTION,
        "skg:beginIndex",
        "LessThan",
        id="a mention that begins after it ends fails",
    ),
    pytest.param(
        replacing(MENTION, SKG.beginIndex, nni(26)),
        MENTION,
        "skg:beginIndex",
        "LessThan",
        id="an empty mention fails",
    ),
    pytest.param(
        replacing(MENTION, SKG.beginIndex, nni(-1)),
        MENTION,
        "skg:beginIndex",
        "MinInclusive",
        id="a mention with a negative offset fails",
    ),
    pytest.param(
        replacing(MENTION, SKG.endIndex, Literal("26")),
        MENTION,
        "skg:endIndex",
        "Datatype",
        id="an offset that is a string fails",
    ),
    pytest.param(
        without(MENTION, SKG.inArticle),
        MENTION,
        "skg:inArticle",
        "MinCount",
        id="a mention without its article fails",
    ),
    pytest.param(
        replacing(ACCOUNT, SKG.handle, Literal("@AschbacherJosef")),
        ACCOUNT,
        "skg:handle",
        "Pattern",
        id="a handle with its @ fails",
    ),
    pytest.param(
        replacing(ACCOUNT, SKG.handle, Literal("Josef Aschbacher")),
        ACCOUNT,
        "skg:handle",
        "Pattern",
        id="a handle with a space fails",
    ),
    pytest.param(
        replacing(R["exomars-2022"], SKG.plannedLaunchDate, Literal("September 2022")),
        R["exomars-2022"],
        "skg:plannedLaunchDate",
        "Node",
        id="a planned launch date in words fails",
    ),
    pytest.param(
        without(R["exomars-postponement-2022"], SKG.postponementOf),
        R["exomars-postponement-2022"],
        "skg:postponementOf",
        "MinCount",
        id="a postponement of nothing fails",
    ),
    pytest.param(
        replacing(QUOTE, SKG.language, Literal("English")),
        QUOTE,
        "skg:language",
        "Pattern",
        id="a language that is not a language tag fails",
    ),
]


@pytest.mark.parametrize(("change", "focus", "path", "constraint"), VIOLATIONS)
def test_violation_is_reported_with_focus_node_and_path(
    ontology: Graph, shapes: Graph, change: Change, focus: URIRef, path: str, constraint: str
) -> None:
    graph = asserted()
    change(graph)
    error = failure(ontology, shapes, graph)
    expected = f"<{focus}> {path} ({constraint}"
    assert any(line.startswith(expected) for line in error.report.splitlines()), error.report
    assert error.violations >= 1


def test_report_lines_carry_the_shapes_message(ontology: Graph, shapes: Graph) -> None:
    """The message says what to do, in the shape's words."""
    graph = asserted()
    graph.remove((QUOTE, SKG.text, None))
    error = failure(ontology, shapes, graph)
    assert error.report == (
        f"<{QUOTE}> skg:text (MinCount): Every statement needs exactly one skg:text: "
        'its verbatim words as one language-tagged literal ("…"@en).'
    )
    assert error.violations == 1


def test_report_is_sorted_and_capped(ontology: Graph, shapes: Graph) -> None:
    """At most MAX_REPORT_LINES lines, sorted, then a count of the rest."""
    graph = asserted()
    extra = 60
    for n in range(extra):
        graph.add((R[f"unnamed-mission-{n:02d}"], RDF.type, SKG.Mission))
    error = failure(ontology, shapes, graph)
    lines = error.report.splitlines()
    assert error.violations == extra
    assert len(lines) == MAX_REPORT_LINES + 1
    assert lines[:-1] == sorted(lines[:-1])
    assert lines[-1] == f"… and {extra - MAX_REPORT_LINES} more violation(s)"
