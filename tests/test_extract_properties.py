"""Property-based tests: the extractor never crashes, and what it finds points at real words."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, Graph, Literal

from spacekg.articles import Article
from spacekg.extract import Gazetteer, analyse, extract
from spacekg.vocab import SKG, Iris

REFERENCE = """
@prefix skg: <https://w3id.org/spacekg/ontology#> .
@prefix res: <https://w3id.org/spacekg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
res:agency-a a skg:Agency ; rdfs:label "Orbital Agency"@en ; skos:altLabel "OA"@en ;
    skg:hasAccount res:account-oa .
res:account-oa a skg:Account ; skg:handle "oa" .
res:mission-m a skg:Mission ; rdfs:label "Moonshot 7"@en .
res:rover-r a skg:Rover ; rdfs:label "Pathmaker"@en ; skg:partOfMission res:mission-m .
res:person-p a skg:Person ; rdfs:label "Ada Quill"@en, "Ада Квилл"@ru .
res:pandemic a skg:Pandemic ; rdfs:label "Great Flu"@en .
"""

FRAGMENTS = [
    "Orbital Agency",
    "OA",
    "Moonshot 7",
    "Pathmaker",
    "Ada Quill",
    "Квилл",
    "Quill",
    " rover",
    " lander",
    " landing platform",
    " mission",
    "Director General ",
    ", leader of the team",
    ' "',
    "“",
    "”",
    "«",
    "»",
    '", she wrote.',
    " said ",
    " had said, ",
    "according to ",
    " — ",
    " (@oa) ",
    "February 25, 2022",
    "#Tag",
    "@oa",
    "https://t.co/x",
    "\n\n",
    "\n\n\n\n",
    ". ",
    "'s ",
    "’s",
    "postponed owing to the Great Flu",
    "initially scheduled for 2020",
    "launch in September this year",
    "named ",
    "twin has a name: ",
    "(",
    ")",
    ":",
    "🇮🇳",
]


def _gazetteer() -> Gazetteer:
    ontology = Graph().parse("ontology/spacekg.ttl")
    return Gazetteer.from_graph(Graph().parse(data=REFERENCE, format="turtle"), ontology)


GAZETTEER = _gazetteer()
IRIS = Iris()

genre_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=1, max_size=40
).map("".join)


def _article(body: str) -> Article:
    return Article(source="prop.txt", stem="prop", date=date(2022, 2, 25), body=body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_extraction_never_crashes_and_offsets_point_at_the_words(body: str) -> None:
    findings = analyse(_article(body), GAZETTEER, IRIS)
    for mention in findings.mentions:
        assert 0 <= mention.span.begin < mention.span.end <= len(body)
    for statement in findings.posts + findings.quotes:
        assert body[statement.span.begin : statement.span.end] == statement.text
        assert statement.speaker is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_unicode_gives_a_graph_with_an_article(body: str) -> None:
    graph = extract(_article(body or "x"), GAZETTEER, IRIS)
    assert (IRIS.resource("article-prop"), RDF.type, SKG.Article) in graph


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_anchor_texts_are_the_words_at_their_offsets(body: str) -> None:
    graph = extract(_article(body), GAZETTEER, IRIS)
    for mention in graph.subjects(RDF.type, SKG.Mention):
        begin = int(graph.value(mention, SKG.beginIndex))  # type: ignore[arg-type]
        end = int(graph.value(mention, SKG.endIndex))  # type: ignore[arg-type]
        assert graph.value(mention, SKG.anchorText) == Literal(body[begin:end])


def test_the_gazetteer_knows_inflected_and_native_names() -> None:
    assert [e.label for e in GAZETTEER.lookup("Ада Квилл")] == ["Ada Quill"]
    assert GAZETTEER.lookup("oa") == []  # acronyms match only in their own case
    assert [e.label for e in GAZETTEER.lookup("OA")] == ["Orbital Agency"]  # from skos:altLabel
