"""Every serialization spacekg offers, in one table.

The CLI's `--format`, the web layer's content negotiation and the store's
serializers all look formats up here; nothing else branches on a format name.
A format is known by a short name (`ttl`), its canonical media type, and any
aliases clients commonly send (`application/json` for SPARQL JSON results).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pyoxigraph as ox


class QueryKind(StrEnum):
    """What a SPARQL query returns, which decides the formats it can be written in."""

    SELECT = "select"  # a table of solutions
    ASK = "ask"  # one boolean
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE: RDF triples


@dataclass(frozen=True)
class Format:
    """One serialization: how people name it, how HTTP names it, how the engine names it."""

    name: str
    media_type: str
    extension: str
    engine: ox.QueryResultsFormat | ox.RdfFormat
    aliases: tuple[str, ...] = ()
    #: The format's IRI in http://www.w3.org/ns/formats/ (for service descriptions).
    iri: str = ""
    #: Concatenating two documents of this format gives a valid document, so
    #: dumps can be written in chunks instead of being held whole in memory.
    chunkable: bool = False

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def is_rdf(self) -> bool:
        return isinstance(self.engine, ox.RdfFormat)

    @property
    def keeps_graphs(self) -> bool:
        """True for formats that carry named graphs (TriG, N-Quads, JSON-LD)."""
        return isinstance(self.engine, ox.RdfFormat) and self.engine.supports_datasets


_W3C = "http://www.w3.org/ns/formats/"

JSON = Format(
    "json",
    "application/sparql-results+json",
    "srj",
    ox.QueryResultsFormat.JSON,
    iri=_W3C + "SPARQL_Results_JSON",
    aliases=("application/json",),
)
XML = Format(
    "xml",
    "application/sparql-results+xml",
    "srx",
    ox.QueryResultsFormat.XML,
    iri=_W3C + "SPARQL_Results_XML",
    aliases=("application/xml", "text/xml"),
)
CSV = Format("csv", "text/csv", "csv", ox.QueryResultsFormat.CSV, iri=_W3C + "SPARQL_Results_CSV")
TSV = Format(
    "tsv",
    "text/tab-separated-values",
    "tsv",
    ox.QueryResultsFormat.TSV,
    iri=_W3C + "SPARQL_Results_TSV",
)

TURTLE = Format(
    "ttl",
    "text/turtle",
    "ttl",
    ox.RdfFormat.TURTLE,
    aliases=("application/x-turtle",),
    iri=_W3C + "Turtle",
    chunkable=True,
)
N_TRIPLES = Format(
    "nt",
    "application/n-triples",
    "nt",
    ox.RdfFormat.N_TRIPLES,
    iri=_W3C + "N-Triples",
    chunkable=True,
)
JSON_LD = Format(
    "jsonld", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, iri=_W3C + "JSON-LD"
)
RDF_XML = Format("rdfxml", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, iri=_W3C + "RDF_XML")
TRIG = Format(
    "trig", "application/trig", "trig", ox.RdfFormat.TRIG, iri=_W3C + "TriG", chunkable=True
)
N_QUADS = Format(
    "nq", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, iri=_W3C + "N-Quads", chunkable=True
)

#: Formats for SELECT and ASK results; the first is the default.
RESULT_FORMATS: tuple[Format, ...] = (JSON, XML, CSV, TSV)
#: Formats for CONSTRUCT and DESCRIBE results; the first is the default. TriG and
#: N-Quads write the triples in the default graph: offered because clients that
#: ask every endpoint for quads (Fuseki offers them too) should get an answer.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS)
#: Formats for whole-dataset dumps; the first is the default.
DUMP_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, TRIG, N_QUADS, JSON_LD, RDF_XML)

_BY_KIND: dict[QueryKind, tuple[Format, ...]] = {
    QueryKind.SELECT: RESULT_FORMATS,
    QueryKind.ASK: RESULT_FORMATS,
    QueryKind.GRAPH: GRAPH_FORMATS,
}


def formats_for(kind: QueryKind) -> tuple[Format, ...]:
    """The formats a result of this kind can be written in, the default first."""
    return _BY_KIND[kind]


def find_format(name_or_media_type: str, candidates: tuple[Format, ...]) -> Format | None:
    """The candidate called `name_or_media_type` (a short name, or a media type with or
    without parameters, case-insensitive), or None when none is."""
    wanted = name_or_media_type.split(";", 1)[0].strip().lower()
    for fmt in candidates:
        if wanted == fmt.name or wanted in fmt.media_types:
            return fmt
    return None
