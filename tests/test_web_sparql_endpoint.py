"""/sparql beyond the basics, through the real app under waitress on a loopback port:
the formats left over, the service description, the query page, the limits
(time, size, federation, bodies), caching, CORS, concurrency and the access log."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

import pytest
from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result

from spacekg.errors import QueryError
from spacekg.store import publish
from spacekg.store.policy import check_query
from spacekg.web import create_app
from tests.conftest import (
    ESA,
    EXOMARS,
    IRIS,
    REFERENCE_GRAPH,
    LiveServer,
    sample_quads,
    sample_settings,
)
from tests.roundtrip import assert_isomorphic, parse_dataset, parse_graph, union_graph
from tests.test_web_sparql import AGENCIES, COUNT, DIRECT, FORM, count, fetch

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
LIMITS = Namespace("https://w3id.org/spacekg/service#")
#: Nine patterns over the sample's 10 triples: 10^9 solutions to count.
CROSS_PRODUCT = (
    "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(9)) + " }"
)
#: 10^4 rows (four patterns over the sample's 10 triples), each with a 100 kB string
#: made by tenfold concatenation: a GROUP_CONCAT of 1 GB, fast to build.
HUGE_CONCAT = (
    'SELECT (STRLEN(GROUP_CONCAT(?d)) AS ?n) WHERE { VALUES ?x { "' + "x" * 100 + '" } '
    + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(4))
    + " BIND(CONCAT(" + ",".join(["?x"] * 10) + ") AS ?y)"
    + " BIND(CONCAT(" + ",".join(["?y"] * 10) + ") AS ?z)"
    + " BIND(CONCAT(" + ",".join(["?z"] * 10) + ") AS ?d) }"
)  # fmt: skip
SCRIPT = '<script>alert("x")</script>'
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def start(serve: Callable[[Any], str], root: Path, **settings: Any) -> str:
    return serve(create_app(sample_settings(root, **settings)))


# --- formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("application/trig", "trig"), ("application/n-quads", "nq")],
    ids=["trig", "n-quads"],
)
def test_construct_results_come_as_quads_formats_too(
    live_server: LiveServer, accept: str, fmt: str
) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        params=[("query", "CONSTRUCT WHERE { ?s ?p ?o }")],
        headers={"Accept": accept},
    )
    assert answer.status == 200 and answer.media_type == accept
    dataset = parse_dataset(answer.body, fmt)
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    assert_isomorphic(graph, union_graph(sample_quads()))


def test_accept_q_values_choose_the_graph_format(live_server: LiveServer) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        params=[("query", "CONSTRUCT WHERE { ?s ?p ?o }")],
        headers={"Accept": "text/turtle;q=0.2, application/n-triples;q=0.9, */*;q=0.1"},
    )
    assert answer.media_type == "application/n-triples"
    assert_isomorphic(parse_graph(answer.body, "nt"), union_graph(sample_quads()))


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_a_format_link_a_browser_follows_gets_that_format(
    live_server: LiveServer, fmt: str, media_type: str
) -> None:
    answer = fetch(
        f"{live_server.url}/sparql", params=[("query", AGENCIES), ("format", fmt)], headers=BROWSER
    )
    assert answer.media_type == media_type
    if fmt in {"json", "xml"}:
        rows = Result.parse(io.BytesIO(answer.body), format=fmt)
        assert [str(row[0]) for row in rows] == [str(ESA), str(IRIS.resource("roscosmos"))]
    else:
        lines = answer.body.decode().splitlines()
        assert lines[0].lstrip("?") == "agency" and len(lines) == 3


def test_two_query_parameters_in_a_form_are_refused(live_server: LiveServer) -> None:
    body = urlencode([("query", AGENCIES), ("query", COUNT)]).encode()
    answer = fetch(
        f"{live_server.url}/sparql", method="POST", body=body, headers={"Content-Type": FORM}
    )
    assert answer.status == 400 and "one query, not 2" in answer.json()["message"]


def test_rdflib_sparqlstore_queries_the_endpoint(live_server: LiveServer) -> None:
    store = SPARQLStore(f"{live_server.url}/sparql", returnFormat="xml")
    graph = Graph(store=store)
    rows = list(graph.query(AGENCIES))
    assert [str(row[0]) for row in rows] == [str(ESA), str(IRIS.resource("roscosmos"))]
    labels = {str(o) for o in graph.objects(ESA, RDFS.label)}
    assert labels == {"European Space Agency"}


# --- service description ------------------------------------------------------------


def test_the_service_description_lists_the_dataset_and_limits(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql", headers={"Accept": "text/turtle"})
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = parse_graph(answer.body, "ttl")
    endpoint = URIRef(f"{live_server.url}/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(endpoint, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/N-Quads") in formats
    names = {str(name) for name in graph.objects(None, SD.name)}
    assert names == {str(g) for *_, g in sample_quads()}
    assert graph.value(endpoint, LIMITS.resultLimit) == Literal(10_000)
    assert graph.value(endpoint, LIMITS.queryTimeout).toPython() == 30


def test_the_service_description_turtle_is_written_for_people(live_server: LiveServer) -> None:
    """Prefixed names, each subject's properties grouped, the dataset's blank nodes
    nested in [ ] rather than labelled; the same graph as the JSON-LD version."""
    body = fetch(f"{live_server.url}/sparql", headers={"Accept": "text/turtle"}).body.decode()
    assert f"@prefix sd: <{SD}> ." in body and f"@prefix limits: <{LIMITS}> ." in body
    assert "sd:defaultDataset [ a sd:Dataset" in body and "_:" not in body
    assert "<http://www.w3.org/ns/sparql-service-description#" not in body.split("\n\n", 1)[1]
    assert body.count(f"<{live_server.url}/sparql> a sd:Service ;") == 1
    as_json_ld = fetch(f"{live_server.url}/sparql", params=[("format", "jsonld")]).body
    assert_isomorphic(parse_graph(body.encode(), "ttl"), parse_graph(as_json_ld, "jsonld"))


def test_the_service_description_states_the_memory_limit_and_federation_only_when_on(
    store_root: Path, serve: Callable[[Any], str]
) -> None:
    for allowlist in ((), ("http://example.org/sparql",)):
        url = start(serve, store_root, query_memory_mb=512, service_allowlist=allowlist)
        answer = fetch(f"{url}/sparql", headers={"Accept": "text/turtle"})
        graph = parse_graph(answer.body, "ttl")
        endpoint = URIRef(f"{url}/sparql")
        assert graph.value(endpoint, LIMITS.queryMemoryMB) == Literal(512)
        federated = (endpoint, SD.feature, SD.BasicFederatedQuery) in graph
        assert federated == bool(allowlist)


def test_the_service_description_comes_in_json_ld(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql", params=[("format", "jsonld")])
    graph = parse_graph(answer.body, "jsonld")
    assert (URIRef(f"{live_server.url}/sparql"), SD.endpoint, None) in graph


# --- the query page ------------------------------------------------------------------


def test_the_query_page_declares_our_prefixes_and_offers_examples(
    live_server: LiveServer,
) -> None:
    answer = fetch(f"{live_server.url}/sparql", headers=BROWSER)
    assert answer.status == 200 and answer.media_type == "text/html"
    page = answer.body.decode()
    assert "PREFIX skg: &lt;https://w3id.org/spacekg/ontology#&gt;" in page
    assert (
        "<textarea" in page
        and "query.js" in page
        and "<script>" not in page.replace("<script src=", "")
    )
    assert "Who said what about which mission" in page
    assert quote_plus(str(IRIS.inferred_graph)) in page  # the reasoning example
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_results_on_the_page_show_labels_and_link_to_entity_pages(
    live_server: LiveServer,
) -> None:
    answer = fetch(f"{live_server.url}/sparql", params=[("query", AGENCIES), ("format", "html")])
    page = answer.body.decode()
    assert answer.status == 200
    assert 'href="/resource/european-space-agency"' in page
    assert ">European Space Agency</a>" in page
    assert "format=csv" in page and 'download="results.ttl"' not in page  # a SELECT's
    assert 'rel="bookmark"' in page and "format=html" in page  # the permalink


def test_a_syntax_error_on_the_page_shows_where_it_is(live_server: LiveServer) -> None:
    query = "SELECT * WHERE {\n  ?s ?p\n}"
    answer = fetch(f"{live_server.url}/sparql", params=[("query", query)], headers=BROWSER)
    page = answer.body.decode()
    assert answer.status == 400
    assert "At line 3, column 2" in page  # where the engine gave up
    assert 'data-error-line="3"' in page


def test_a_syntax_error_message_is_readable(live_server: LiveServer) -> None:
    """The engine lists the characters it expected as Unicode ranges
    (['A' ..= 'Z' | '\\u{00C0}'..='\\u{00D6}' | ...]): they are named instead."""
    query = "SELECT ?s WHERE {\n  ?s ?p ?o ."
    message = fetch(f"{live_server.url}/sparql", params=[("query", query)]).json()["message"]
    assert message.startswith("SPARQL syntax error at line 2, column 13 (the end of the query): ")
    assert '"}"' in message and "a letter" in message
    assert "..=" not in message and "\\u{" not in message and "[_]" not in message


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    """The sample graph plus a label holding a script, and a `javascript:` IRI."""
    root = tmp_path / "store"
    quads = [
        *sample_quads(),
        (EXOMARS, RDFS.label, Literal(SCRIPT, lang="en"), REFERENCE_GRAPH),
        (EXOMARS, RDFS.seeAlso, URIRef("javascript:alert(1)"), REFERENCE_GRAPH),
    ]
    publish(root, quads, metadata={})
    return root


def test_a_script_in_data_or_in_the_query_shows_as_text(
    hostile_root: Path, serve: Callable[[Any], str]
) -> None:
    url = start(serve, hostile_root)
    query = (
        f"# {SCRIPT}\nSELECT ?label ?also WHERE {{ <{EXOMARS}> ?p ?label "
        f"OPTIONAL {{ <{EXOMARS}> ?q ?also FILTER(isIRI(?also)) }} }}"
    )
    page = fetch(f"{url}/sparql", params=[("query", query)], headers=BROWSER).body.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # both the echo and the label
    assert page.count("&lt;script&gt;") >= 2
    assert 'href="javascript:' not in page


# --- safety --------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, list[Any]]]:
    """A TCP listener on a loopback port, recording every connection it receives."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections: list[Any] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", connections
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("allowlist", [(), ("http://example.org/sparql",)], ids=["off", "other"])
def test_service_to_a_local_listener_opens_no_connection(
    store_root: Path,
    serve: Callable[[Any], str],
    listener: tuple[str, list[Any]],
    allowlist: tuple[str, ...],
) -> None:
    target, connections = listener
    url = start(serve, store_root, service_allowlist=allowlist)
    for query in (
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{target}> AS ?x) SERVICE ?x {{ ?s ?p ?o }} }}",
    ):
        answer = fetch(f"{url}/sparql", params=[("query", query)])
        assert answer.status == 400, answer.body
        assert "SERVICE" in answer.json()["message"]
    time.sleep(0.3)  # a connection, had one been opened, would have been accepted by now
    assert connections == []


def test_an_allowlisted_service_passes_the_policy() -> None:
    allowed = "http://example.org/sparql"
    check_query(f"SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}", [allowed])
    with pytest.raises(QueryError, match=r"not http://example\.org/other"):
        check_query("SELECT * WHERE { SERVICE <http://example.org/other> { ?s ?p ?o } }", [allowed])


def test_a_cross_product_is_stopped_by_the_time_limit(
    store_root: Path, serve: Callable[[Any], str]
) -> None:
    url = start(serve, store_root, query_timeout=1.0)
    answer = fetch(f"{url}/sparql", params=[("query", CROSS_PRODUCT)])
    assert answer.status == 503
    assert "time limit of 1 s" in answer.json()["message"]
    assert count(fetch(f"{url}/sparql", params=[("query", COUNT)])) == 10


def test_a_query_beyond_the_memory_limit_is_stopped_and_its_worker_replaced(
    store_root: Path, serve: Callable[[Any], str]
) -> None:
    url = start(serve, store_root, query_memory_mb=300)
    answer = fetch(f"{url}/sparql", params=[("query", HUGE_CONCAT)])
    assert answer.status == 503
    assert "memory than the limit of 300 MB" in answer.json()["message"]
    assert count(fetch(f"{url}/sparql", params=[("query", COUNT)])) == 10
    page = fetch(f"{url}/sparql", params=[("query", HUGE_CONCAT)], headers=BROWSER)
    assert page.status == 503 and "The query ran out of memory" in page.body.decode()
    assert count(fetch(f"{url}/sparql", params=[("query", COUNT)])) == 10


def test_a_fifty_megabyte_body_is_refused(live_server: LiveServer) -> None:
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 50_000_000
    answer = fetch(
        f"{live_server.url}/sparql", method="POST", body=body, headers={"Content-Type": DIRECT}
    )
    assert answer.status == 413
    assert answer.json()["status"] == 413 and answer.json()["error"] == "Request Entity Too Large"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, urlencode({"update": "DROP ALL"}).encode()),
        (FORM, urlencode({"query": "CLEAR DEFAULT"}).encode()),
        (DIRECT, b"DELETE WHERE { ?s ?p ?o }"),
        ("application/sparql-update", b"INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    ],
    ids=["update-param", "update-as-query", "direct-delete", "sparql-update-type"],
)
def test_an_update_changes_nothing(live_server: LiveServer, content_type: str, body: bytes) -> None:
    url = f"{live_server.url}/sparql"
    before = count(fetch(url, params=[("query", COUNT)]))
    answer = fetch(url, method="POST", body=body, headers={"Content-Type": content_type})
    assert answer.status in {400, 415}
    assert count(fetch(url, params=[("query", COUNT)])) == before == 10


def test_results_beyond_the_limit_are_cut_and_say_so(
    store_root: Path, serve: Callable[[Any], str]
) -> None:
    url = start(serve, store_root, result_limit=3)
    answer = fetch(f"{url}/sparql", params=[("query", "SELECT * WHERE { ?s ?p ?o }")])
    assert len(answer.json()["results"]["bindings"]) == 3
    assert answer.headers["sparql-result-limit"] == "3"
    assert answer.headers["sparql-result-truncated"] == "true"
    small = fetch(f"{url}/sparql", params=[("query", AGENCIES), ("format", "csv")])
    assert small.headers["sparql-result-limit"] == "3"
    assert "sparql-result-truncated" not in small.headers
    graph = fetch(f"{url}/sparql", params=[("query", "CONSTRUCT WHERE { ?s ?p ?o }")])
    assert len(parse_graph(graph.body, "ttl")) == 3


# --- caching and CORS ----------------------------------------------------------------


def test_a_conditional_get_is_answered_304(live_server: LiveServer) -> None:
    url = f"{live_server.url}/sparql"
    first = fetch(url, params=[("query", AGENCIES)])
    etag = first.headers["etag"]
    again = fetch(url, params=[("query", AGENCIES)], headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag
    other_format = fetch(
        url, params=[("query", AGENCIES), ("format", "csv")], headers={"If-None-Match": etag}
    )
    assert other_format.status == 200 and other_format.headers["etag"] != etag
    publish(live_server.root, sample_quads(), metadata={})  # a new version: a new ETag
    assert fetch(url, params=[("query", AGENCIES)], headers={"If-None-Match": etag}).status == 200


def test_cache_control_is_configurable(store_root: Path, serve: Callable[[Any], str]) -> None:
    url = start(serve, store_root, cache_control="no-store")
    answer = fetch(f"{url}/sparql", params=[("query", AGENCIES)])
    assert answer.headers["cache-control"] == "no-store"


def test_cors_is_on_for_reads_by_default(live_server: LiveServer) -> None:
    url = f"{live_server.url}/sparql"
    answer = fetch(url, params=[("query", AGENCIES)], headers={"Origin": "https://a.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]
    preflight = fetch(
        url,
        method="OPTIONS",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_cors_can_name_origins_or_be_off(store_root: Path, serve: Callable[[Any], str]) -> None:
    named = start(serve, store_root, cors_origins=("https://a.example",))
    ok = fetch(
        f"{named}/sparql", params=[("query", AGENCIES)], headers={"Origin": "https://a.example"}
    )
    assert ok.headers["access-control-allow-origin"] == "https://a.example"
    other = fetch(
        f"{named}/sparql", params=[("query", AGENCIES)], headers={"Origin": "https://b.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    off = start(serve, store_root, cors_origins=())
    answer = fetch(
        f"{off}/sparql", params=[("query", AGENCIES)], headers={"Origin": "https://a.example"}
    )
    assert "access-control-allow-origin" not in answer.headers


# --- concurrency and operations ------------------------------------------------------


def test_a_slow_query_does_not_block_a_simple_one(
    store_root: Path, serve: Callable[[Any], str]
) -> None:
    url = start(serve, store_root, query_timeout=5.0)
    finished: list[str] = []

    def slow() -> None:
        fetch(f"{url}/sparql", params=[("query", CROSS_PRODUCT)])
        finished.append("slow")

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)  # let the slow query reach its worker
    assert count(fetch(f"{url}/sparql", params=[("query", COUNT)])) == 10
    finished.append("simple")
    thread.join()
    assert finished == ["simple", "slow"]


def test_every_request_logs_one_line(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="spacekg.access"):
        answer = fetch(f"{live_server.url}/sparql", params=[("query", AGENCIES)])
        fetch(f"{live_server.url}/sparql", params=[("query", "SELEC")])
    lines = [r.getMessage() for r in caplog.records if r.name == "spacekg.access"]
    assert len(lines) == 2
    method, path, status, took, size = lines[0].split()
    assert (method, path, status) == ("GET", "/sparql", "200")
    assert took.endswith("ms") and size == f"{len(answer.body)}B"
    assert lines[1].split()[2] == "400"
