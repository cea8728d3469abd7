"""The fixed query mix: questions a consumer of this graph asks, the same on every engine.

Each query is plain SPARQL 1.1 over the default graph, which is the union of
all named graphs on spacekg, on Oxigraph started with
`--union-default-graph`, and on Virtuoso; so the same text runs unchanged
everywhere. The entities named are in the reference gazetteer, hence in
every corpus the generator writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacekg.vocab import Iris

PREFIXES = """PREFIX skg: <https://w3id.org/spacekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
#: Accept header by query form: SPARQL JSON for SELECT, Turtle for DESCRIBE/CONSTRUCT.
ACCEPT = {"select": "application/sparql-results+json", "describe": "text/turtle"}

AGENCY = "european-space-agency"  # the agency most missions in the gazetteer involve
SPEAKER = "thomas-zurbuchen"  # quoted in the real articles and in synthetic ones
MISSION = "exomars-2022"


@dataclass(frozen=True)
class Query:
    name: str
    form: str  # "select" or "describe"
    text: str
    what: str  # the question, for the README and the table's legend
    #: True when the query reads named graphs (GRAPH ?g): a default-graph-uri sent to
    #: a raw engine must not go with it, as it would empty (or, on Virtuoso, upset) them.
    named_graphs: bool = False

    @property
    def accept(self) -> str:
        return ACCEPT[self.form]


def query_mix(iris: Iris | None = None) -> list[Query]:
    """The seven queries of the mix, in the order the table shows them."""
    iris = iris or Iris()
    agency = f"<{iris.resource(AGENCY)}>"
    speaker = f"<{iris.resource(SPEAKER)}>"
    mission = f"<{iris.resource(MISSION)}>"
    inferred = f"<{iris.inferred_graph}>"
    return [
        Query(
            "label",
            "select",
            PREFIXES + 'SELECT ?thing WHERE { ?thing rdfs:label "European Space Agency"@en }',
            "label lookup: what is called 'European Space Agency'",
        ),
        Query(
            "speaker",
            "select",
            PREFIXES
            + f"""SELECT ?text ?date ?article WHERE {{
  ?statement skg:statedBy {speaker} ; skg:text ?text ; skg:reportedIn ?article .
  ?article skg:datePublished ?date
}} ORDER BY ?date""",
            "everything one person said, with the articles' dates",
        ),
        Query(
            "agencies",
            "select",
            PREFIXES
            + """SELECT ?mission ?name (COUNT(DISTINCT ?agency) AS ?agencies) WHERE {
  ?agency a skg:Agency ; skg:participatesIn ?mission .
  ?mission rdfs:label ?name FILTER(LANG(?name) = "en")
} GROUP BY ?mission ?name ORDER BY DESC(?agencies) ?name""",
            "agencies per mission, with counts",
        ),
        Query(
            "two-hop",
            "select",
            PREFIXES
            + f"""SELECT DISTINCT ?article ?date WHERE {{
  {agency} skg:participatesIn/skg:mentionedIn ?article .
  ?article skg:datePublished ?date
}} ORDER BY DESC(?date) ?article LIMIT 100""",
            "two-hop path: latest articles about missions ESA takes part in",
        ),
        Query(
            "describe",
            "describe",
            f"DESCRIBE {mission}",
            "DESCRIBE of one mission",
        ),
        Query(
            "graphs",
            "select",
            PREFIXES
            + f"""SELECT ?mission ?how WHERE {{
  {{ GRAPH ?g {{ {agency} skg:participatesIn ?mission }}
    FILTER(?g != {inferred} && STRSTARTS(STR(?g), "{iris.base}graph/"))
    BIND("stated" AS ?how) }}
  UNION
  {{ GRAPH {inferred} {{ {agency} skg:participatesIn ?mission }} BIND("inferred" AS ?how) }}
}} ORDER BY ?mission ?how""",
            "union over named graphs: ESA's missions, stated or inferred",
            named_graphs=True,
        ),
        Query(
            "inferred",
            "select",
            PREFIXES
            + """SELECT ?craft ?name ?mission WHERE {
  ?craft a skg:Spacecraft ; skg:partOfMission ?mission ; rdfs:label ?name
  FILTER(LANG(?name) = "en")
} ORDER BY ?name""",
            "inferred types: every spacecraft (rovers, landers… are spacecraft by OWL)",
        ),
    ]
