"""The external engines of bench/engines.py, started for real: Oxigraph server and Virtuoso.

Each engine is started in a temporary directory, bulk-loaded from an N-Quads
file, then asked over HTTP the way spacekg's remote store asks it: SELECT
through SPARQLWrapper, SPARQL Update with the endpoint's credentials, and the
Graph Store Protocol. Then it is stopped, and its port must be free again.
Virtuoso is skipped, with the reason, where Debian's package is not installed.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager
from io import BytesIO
from pathlib import Path

import pyoxigraph as ox
import pytest
from bench.engines import (
    ENGINES,
    Endpoint,
    EngineError,
    available,
    oxigraph_server,
    virtuoso_server,
)
from rdflib import XSD, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result
from rdflib.term import Identifier
from SPARQLWrapper import DIGEST, JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import Unauthorized

EX = "https://w3id.org/spacekg/"
G1, G2 = URIRef(EX + "graph/article/one"), URIRef(EX + "graph/reference")
ESA, EXOMARS = URIRef(EX + "resource/european-space-agency"), URIRef(EX + "resource/exomars")
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
DATE = URIRef("https://w3id.org/spacekg/ontology#datePublished")
PART = URIRef("https://w3id.org/spacekg/ontology#participatesIn")
INDEX = URIRef("https://w3id.org/spacekg/ontology#beginIndex")

# What spacekg publishes, in the shapes that trip engines up: language tags
# with a script subtag, Cyrillic and CJK text, a character outside the BMP,
# quotes, backslashes and newlines, dates and integers. No blank nodes here:
# engines rename them, so they are compared by graph isomorphism below.
SAMPLE = {
    (ESA, LABEL, Literal("European Space Agency", lang="en"), G2),
    (ESA, LABEL, Literal("Европейское космическое агентство", lang="ru"), G2),
    (ESA, LABEL, Literal("歐洲太空總署", lang="zh-Hant"), G2),
    (ESA, PART, EXOMARS, G1),
    (ESA, PART, EXOMARS, G2),
    (EXOMARS, DATE, Literal("2022-02-25", datatype=XSD.date), G1),
    (EXOMARS, INDEX, Literal(42), G1),
    (EXOMARS, LABEL, Literal('🚀 "ExoMars" \\ 2022\nrover', lang="en"), G1),
}

Row = tuple[Identifier | None, ...]


def _object(term: Identifier) -> ox.NamedNode | ox.Literal:
    if isinstance(term, Literal):
        datatype = None if term.language else ox.NamedNode(term.datatype or XSD.string)
        return ox.Literal(term, language=term.language, datatype=datatype)
    return ox.NamedNode(term)


def _write_nquads(path: Path, quads: set[tuple[URIRef, URIRef, Identifier, URIRef]]) -> Path:
    """Write `quads` as N-Quads with pyoxigraph's serializer, as spacekg's dumps are written."""
    ox.serialize(
        (
            ox.Quad(ox.NamedNode(s), ox.NamedNode(p), _object(o), ox.NamedNode(g))
            for s, p, o, g in quads
        ),
        path,
        format=ox.RdfFormat.N_QUADS,
    )
    return path


def _server(name: str, directory: Path) -> AbstractContextManager[Endpoint]:
    """The engine `name`, ready to start; the test is skipped where it cannot run."""
    reason = available(name)
    if reason is not None:
        pytest.skip(reason)
    return oxigraph_server(directory) if name == "oxigraph" else virtuoso_server(directory)


@pytest.fixture(scope="module", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Endpoint]:
    """One running engine per kind for this module, bulk-loaded with SAMPLE."""
    directory = tmp_path_factory.mktemp(str(request.param))
    with _server(str(request.param), directory / "engine") as endpoint:
        endpoint.load_nquads(_write_nquads(directory / "sample.nq", SAMPLE))
        yield endpoint


def _client(endpoint: Endpoint, text: str, *, credentials: bool = True) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint.query_url, updateEndpoint=endpoint.update_url)
    client.setMethod(POST)
    client.setQuery(text)
    if credentials and endpoint.user is not None and endpoint.password is not None:
        client.setHTTPAuth(DIGEST)
        client.setCredentials(endpoint.user, endpoint.password)
    return client


@pytest.fixture(autouse=True)
def _no_global_opener() -> Iterator[None]:
    """SPARQLWrapper's DIGEST mode installs a process-wide urllib opener on every
    request (bench/README.md); put the default back, or later tests' 401s trip over it."""
    yield
    urllib.request.install_opener(None)  # type: ignore[arg-type]


def _select(endpoint: Endpoint, query: str) -> list[Row]:
    client = _client(endpoint, query)
    client.setReturnFormat(JSON)
    result = Result.parse(BytesIO(client.query().response.read()), format="json")
    variables = result.vars or []
    return [tuple(binding.get(v) for v in variables) for binding in result.bindings]


def _update(endpoint: Endpoint, update: str, *, credentials: bool = True) -> None:
    _client(endpoint, update, credentials=credentials).query().response.read()


def _own_quads(endpoint: Endpoint) -> set[Row]:
    rows = _select(endpoint, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {row for row in rows if str(row[3]) not in endpoint.system_graphs}


def _graph_url(endpoint: Endpoint, graph: URIRef) -> str:
    return f"{endpoint.graph_store_url}?graph={urllib.parse.quote(str(graph), safe='')}"


def _graph_store(
    endpoint: Endpoint, method: str, graph: URIRef, turtle: str | None = None
) -> tuple[int, bytes]:
    request = urllib.request.Request(_graph_url(endpoint, graph), method=method)
    if turtle is not None:
        request.data = turtle.encode("utf-8")
        request.add_header("Content-Type", "text/turtle; charset=utf-8")
    if method == "GET":  # Virtuoso answers a write with HTML: 406 if the Accept excludes it
        request.add_header("Accept", "application/n-triples")
    try:
        with endpoint.opener().open(request) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _port(endpoint: Endpoint) -> int:
    port = urllib.parse.urlsplit(endpoint.query_url).port
    assert port is not None
    return port


def _port_is_free(port: int) -> bool:
    """Nothing listens on `port`, and a server could bind it (as servers do, SO_REUSEADDR)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
    return True


def test_bulk_loaded_quads_come_back_as_written_through_select(engine: Endpoint) -> None:
    """Language tags may come back lower-cased (Virtuoso does): RDF says they are
    case-insensitive, and rdflib compares them so."""
    assert _own_quads(engine) == SAMPLE


def test_the_default_graph_is_the_union_exactly_when_the_endpoint_says_so(
    engine: Endpoint,
) -> None:
    rows = _select(engine, f"SELECT ?o WHERE {{ <{ESA}> <{PART}> ?o }}")
    assert rows == ([(EXOMARS,), (EXOMARS,)] if engine.union_default_graph else [])


def test_sparql_update_with_the_endpoint_credentials_changes_the_data(engine: Endpoint) -> None:
    graph = URIRef(EX + "graph/article/updated")
    _update(engine, f'INSERT DATA {{ GRAPH <{graph}> {{ <{ESA}> <{LABEL}> "ESA"@en }} }}')
    assert _select(engine, f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ <{ESA}> <{LABEL}> ?o }} }}") == [
        (Literal("ESA", lang="en"),)
    ]
    _update(engine, f"DROP SILENT GRAPH <{graph}>")
    assert _select(engine, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == []


def test_an_update_without_credentials_is_refused_where_the_endpoint_has_them(
    engine: Endpoint,
) -> None:
    if engine.user is None:
        pytest.skip(f"{engine.name} is open: it has no credentials to withhold")
    graph = URIRef(EX + "graph/article/anonymous")
    with pytest.raises(Unauthorized):
        _update(
            engine,
            f"INSERT DATA {{ GRAPH <{graph}> {{ <{ESA}> <{LABEL}> 1 }} }}",
            credentials=False,
        )
    assert _select(engine, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == []


def test_graph_store_put_get_replace_and_delete_a_named_graph(engine: Endpoint) -> None:
    graph = URIRef(EX + "graph/article/gsp")
    turtle = f"""<{ESA}> <{LABEL}> "Agence spatiale européenne"@fr ;
        <{PART}> [ <{LABEL}> "a mission with no name yet"@en ] ."""
    status, _ = _graph_store(engine, "PUT", graph, turtle)
    assert status in (200, 201, 204)
    status, body = _graph_store(engine, "GET", graph)
    assert status == 200
    assert isomorphic(Graph().parse(data=body, format="nt"), Graph().parse(data=turtle))

    replacement = f'<{ESA}> <{LABEL}> "ESA"@en .'
    assert _graph_store(engine, "PUT", graph, replacement)[0] in (200, 201, 204)
    assert set(Graph().parse(data=_graph_store(engine, "GET", graph)[1], format="nt")) == {
        (ESA, LABEL, Literal("ESA", lang="en"))
    }

    assert _graph_store(engine, "DELETE", graph)[0] in (200, 204)
    assert _graph_store(engine, "GET", graph)[0] == 404
    assert _own_quads(engine) == SAMPLE


def test_graph_store_takes_a_graph_of_megabytes_through_the_endpoint_opener(
    engine: Endpoint,
) -> None:
    """Regression: unsigned, a body this large made Virtuoso reset the connection
    (it answers 401 and closes before the body is read); Endpoint.opener() signs
    requests up front."""
    graph = URIRef(EX + "graph/article/large")
    lines = [
        f'<{EX}resource/e{i}> <{LABEL}> "entity number {i} {"x" * 100}"@en .' for i in range(20000)
    ]
    assert len("\n".join(lines)) > 2_000_000
    assert _graph_store(engine, "PUT", graph, "\n".join(lines))[0] in (200, 201, 204)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert _select(engine, count) == [(Literal(20000),)]
    assert _graph_store(engine, "DELETE", graph)[0] in (200, 204)


def test_a_malformed_nquads_file_fails_the_load_and_the_engine_goes_on(
    engine: Endpoint, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_text(f'<{ESA}> <{LABEL}> "unterminated <{G1}> .\n')
    with pytest.raises(EngineError):
        engine.load_nquads(broken)
    assert _own_quads(engine) == SAMPLE


@pytest.mark.parametrize("name", ENGINES)
def test_a_stopped_engine_frees_its_port(name: str, tmp_path: Path) -> None:
    with _server(name, tmp_path) as endpoint:
        assert not _port_is_free(_port(endpoint))
    assert _port_is_free(_port(endpoint))


@pytest.mark.parametrize("name", ENGINES)
def test_an_engine_is_killed_when_its_block_raises(name: str, tmp_path: Path) -> None:
    class Boom(Exception):
        pass

    ports = []
    with pytest.raises(Boom), _server(name, tmp_path) as endpoint:
        ports.append(_port(endpoint))
        raise Boom
    assert _port_is_free(ports[0])


def test_oxigraph_with_union_default_graph_answers_from_every_named_graph(tmp_path: Path) -> None:
    if (reason := available("oxigraph")) is not None:
        pytest.skip(reason)
    with oxigraph_server(tmp_path, union_default_graph=True) as endpoint:
        endpoint.load_nquads(_write_nquads(tmp_path / "sample.nq", SAMPLE))
        assert endpoint.union_default_graph
        # Oxigraph's union, like Virtuoso's, repeats a triple once per graph holding it.
        rows = _select(endpoint, f"SELECT ?o WHERE {{ <{ESA}> <{PART}> ?o }}")
        assert rows == [(EXOMARS,), (EXOMARS,)]


def test_available_gives_a_reason_when_an_engine_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = available("virtuoso")
    assert reason is not None and "virtuoso-opensource" in reason


def test_available_refuses_an_unknown_engine() -> None:
    with pytest.raises(ValueError, match="fuseki"):
        available("fuseki")
