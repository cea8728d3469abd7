"""Namespaces: the spacekg ontology and the vocabularies it is aligned to.

`SKG` is a DefinedNamespace, so a misspelt term fails at import time rather
than producing a silently wrong IRI. Instance and graph IRIs depend on the
configured base, so they come from `Iris`, never from string pasting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/spacekg/ontology")
DEFAULT_BASE = "https://w3id.org/spacekg/"


class SKG(DefinedNamespace):
    """The spacekg ontology, `ontology/spacekg.ttl`."""

    _NS = Namespace("https://w3id.org/spacekg/ontology#")
    _fail = True

    # Classes
    Agent: URIRef
    Organization: URIRef
    Agency: URIRef
    Company: URIRef
    Person: URIRef
    Position: URIRef
    Account: URIRef
    SocialMediaPlatform: URIRef
    Hashtag: URIRef
    Place: URIRef
    Country: URIRef
    CelestialBody: URIRef
    LaunchSite: URIRef
    SurfaceFeature: URIRef
    Mission: URIRef
    Spacecraft: URIRef
    Rover: URIRef
    Lander: URIRef
    LandingPlatform: URIRef
    Orbiter: URIRef
    SpaceStation: URIRef
    SpaceTelescope: URIRef
    Capsule: URIRef
    LaunchVehicle: URIRef
    Event: URIRef
    Conflict: URIRef
    Pandemic: URIRef
    Launch: URIRef
    Postponement: URIRef
    Article: URIRef
    Statement: URIRef
    Quote: URIRef
    SocialMediaPost: URIRef
    Mention: URIRef

    # Statements and provenance
    statedBy: URIRef
    made: URIRef
    text: URIRef
    reportedIn: URIRef
    reports: URIRef
    mentions: URIRef
    mentionedIn: URIRef
    mentionsAccount: URIRef
    hasHashtag: URIRef
    postedFrom: URIRef
    linksTo: URIRef
    quotedIn: URIRef
    mentionOf: URIRef
    inArticle: URIRef
    beginIndex: URIRef
    endIndex: URIRef
    anchorText: URIRef
    datePublished: URIRef
    articleBody: URIRef
    sourceFile: URIRef
    language: URIRef

    # Agents, accounts, positions
    affiliatedWith: URIRef
    hasAffiliate: URIRef
    headOf: URIRef
    holdsPosition: URIRef
    heldBy: URIRef
    positionIn: URIRef
    roleTitle: URIRef
    nationality: URIRef
    hasAccount: URIRef
    accountOf: URIRef
    handle: URIRef
    displayName: URIRef
    onPlatform: URIRef
    homepage: URIRef

    # Organizations and countries
    country: URIRef
    hasMemberState: URIRef
    memberStateOf: URIRef
    foundingDate: URIRef

    # Missions and spacecraft
    participatesIn: URIRef
    hasParticipant: URIRef
    ledBy: URIRef
    leads: URIRef
    partOfMission: URIRef
    hasComponent: URIRef
    carries: URIRef
    carriedBy: URIRef
    twinOf: URIRef
    developedBy: URIRef
    operatedBy: URIRef
    madeIn: URIRef
    launchVehicle: URIRef
    destination: URIRef
    launchSite: URIRef
    landingSite: URIRef
    locatedOn: URIRef
    locatedIn: URIRef
    launchDate: URIRef
    plannedLaunchDate: URIRef

    # Events
    startDate: URIRef
    endDate: URIRef
    involves: URIRef
    postponementOf: URIRef
    postponedBy: URIRef
    previousDate: URIRef
    newDate: URIRef
    causedBy: URIRef
    affectedBy: URIRef
    postponedBecauseOf: URIRef


SCHEMA = Namespace("http://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")

#: Prefixes bound in every graph spacekg serializes, and declared on the query page.
PREFIXES: dict[str, str] = {
    "skg": str(SKG._NS),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": str(SCHEMA),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": str(PROV),
    "org": str(ORG),
    "nif": str(NIF),
}

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(text: str) -> bool:
    """True when `text` is a well-formed slug: lower-case ASCII words joined by hyphens."""
    return bool(_SLUG_RE.match(text))


@dataclass(frozen=True)
class Iris:
    """Every instance and graph IRI spacekg mints, under one configurable base."""

    base: str = DEFAULT_BASE

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    @property
    def resource_prefix(self) -> str:
        return f"{self.base}resource/"

    def resource(self, slug: str) -> URIRef:
        return URIRef(f"{self.resource_prefix}{slug}")

    def slug_of(self, iri: str) -> str | None:
        """The slug of one of our resource IRIs, or None for any other IRI."""
        if iri.startswith(self.resource_prefix):
            return iri[len(self.resource_prefix) :]
        return None

    @property
    def graph_base(self) -> str:
        """What every graph IRI spacekg mints starts with."""
        return f"{self.base}graph/"

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.graph_base}{name}")

    def article_graph(self, article_slug: str) -> URIRef:
        return URIRef(f"{self.graph_base}{article_slug}")

    @property
    def ontology_graph(self) -> URIRef:
        return self.graph("ontology")

    @property
    def reference_graph(self) -> URIRef:
        return self.graph("reference")

    @property
    def inferred_graph(self) -> URIRef:
        return self.graph("inferred")
