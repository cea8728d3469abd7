"""A tiny invented gazetteer for extraction tests that must not depend on data/reference."""

from __future__ import annotations

from datetime import date

from rdflib import Graph

from spacekg.articles import Article
from spacekg.extract import Gazetteer, analyse
from spacekg.extract.model import Findings
from spacekg.vocab import Iris

REFERENCE = """
@prefix skg: <https://w3id.org/spacekg/ontology#> .
@prefix res: <https://w3id.org/spacekg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
res:orbital-agency a skg:Agency ; rdfs:label "Orbital Agency"@en ; skos:altLabel "OA"@en ;
    skg:hasAccount res:account-oa .
res:account-oa a skg:Account ; skg:handle "oa" .
res:jane-roe a skg:Person ; rdfs:label "Jane Roe"@en ; skg:hasAccount res:account-janeroe .
res:account-janeroe a skg:Account ; skg:handle "JaneRoe" .
res:moonshot-7 a skg:Mission ; rdfs:label "Moonshot 7"@en .
res:moonshot-6 a skg:Mission ; rdfs:label "Moonshot 6"@en .
res:heron a skg:Lander ; rdfs:label "Heron"@en ; skg:partOfMission res:moonshot-7 .
res:pathmaker a skg:Rover ; rdfs:label "Pathmaker"@en ; skg:partOfMission res:moonshot-7 .
res:great-flu a skg:Pandemic ; rdfs:label "Great Flu"@en .
res:earth a skg:CelestialBody ; rdfs:label "Earth"@en .
res:moon a skg:CelestialBody ; rdfs:label "Moon"@en ; skos:altLabel "the Moon"@en .
"""
GAZETTEER = Gazetteer.from_graph(
    Graph().parse(data=REFERENCE, format="turtle"), Graph().parse("ontology/spacekg.ttl")
)


def findings_of(body: str, published: date = date(2022, 3, 4)) -> Findings:
    article = Article(source="t.txt", stem="t", date=published, body=body)
    return analyse(article, GAZETTEER, Iris())


def facts_of(body: str, published: date = date(2022, 3, 4)) -> set[tuple[str, str, str]]:
    """The article's facts as (subject slug, property name, object slug or literal)."""
    return {
        (str(s).rsplit("/", 1)[-1], str(p).rsplit("#", 1)[-1], str(o).rsplit("/", 1)[-1])
        for s, p, o in findings_of(body, published).facts
    }
