"""/sparql and /health, through the real app under waitress on a loopback port,
exercised as SPARQL 1.1 Protocol clients do (urllib, and SPARQLWrapper), on every
kind of store: the embedded one, Oxigraph server, Virtuoso (tests/stores.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from spacekg.store import open_target, published_version
from tests.conftest import (
    ESA,
    INFERRED_GRAPH,
    ROSCOSMOS,
    LiveServer,
    sample_quads,
    sample_settings,
)
from tests.roundtrip import assert_isomorphic, parse_graph, union_graph
from tests.stores import STORE_KINDS, serve_store

AGENCIES = (
    "SELECT ?agency WHERE { ?agency a <https://w3id.org/spacekg/ontology#Agency> } ORDER BY ?agency"
)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0]

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(
    url: str,
    *,
    method: str = "GET",
    params: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One HTTP request; errors come back as answers, not exceptions."""
    if params:
        url = f"{url}?{urlencode(params)}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, _headers(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, _headers(error.headers), error.read())


def _headers(message: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


def agencies(answer: Answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [row["agency"]["value"] for row in answer.json()["results"]["bindings"]]


def count(answer: Answer) -> int:
    assert answer.status == 200, answer.body
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(params=STORE_KINDS)
def live_server(
    request: pytest.FixtureRequest, tmp_path: Path, serve: Callable[[Any], str]
) -> LiveServer:
    """The app over sample_quads(), on each kind of store: the protocol is the same."""
    return serve_store(request.param, request, tmp_path, serve, sample_quads())


# --- the three ways to send a query ---------------------------------------------


def test_get(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql", params=[("query", AGENCIES)])
    assert answer.media_type == "application/sparql-results+json"
    assert agencies(answer) == [str(ESA), str(ROSCOSMOS)]
    assert "Accept" in answer.headers["vary"]


def test_post_form(live_server: LiveServer) -> None:
    body = urlencode({"query": AGENCIES}).encode()
    answer = fetch(
        f"{live_server.url}/sparql", method="POST", body=body, headers={"Content-Type": FORM}
    )
    assert agencies(answer) == [str(ESA), str(ROSCOSMOS)]


def test_post_direct(live_server: LiveServer) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        method="POST",
        body=AGENCIES.encode(),
        headers={"Content-Type": f"{DIRECT}; charset=utf-8"},
    )
    assert agencies(answer) == [str(ESA), str(ROSCOSMOS)]


# --- datasets --------------------------------------------------------------------


def test_default_graph_uri_replaces_the_union(live_server: LiveServer) -> None:
    params = [("query", COUNT), ("default-graph-uri", str(INFERRED_GRAPH))]
    assert count(fetch(f"{live_server.url}/sparql", params=params)) == 1


def test_named_graph_uri_in_a_form_leaves_the_default_graph_empty(
    live_server: LiveServer,
) -> None:
    body = urlencode([("query", COUNT), ("named-graph-uri", str(INFERRED_GRAPH))]).encode()
    answer = fetch(
        f"{live_server.url}/sparql", method="POST", body=body, headers={"Content-Type": FORM}
    )
    assert count(answer) == 0


def test_dataset_parameters_sit_in_the_url_for_a_direct_post(live_server: LiveServer) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        method="POST",
        params=[("default-graph-uri", str(INFERRED_GRAPH))],
        body=COUNT.encode(),
        headers={"Content-Type": DIRECT},
    )
    assert count(answer) == 1


# --- result formats --------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("application/x-unknown, */*;q=0.1", "application/sparql-results+json"),
        ("image/png", "application/sparql-results+json"),
    ],
    ids=["xml", "csv", "tsv", "json-alias", "q-values", "wildcard", "nothing-we-have"],
)
def test_select_results_follow_accept(
    live_server: LiveServer, accept: str, media_type: str
) -> None:
    answer = fetch(
        f"{live_server.url}/sparql", params=[("query", AGENCIES)], headers={"Accept": accept}
    )
    assert answer.status == 200
    assert answer.media_type == media_type
    assert str(ROSCOSMOS).encode() in answer.body


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/sparql-results+json", "ttl"),
    ],
    ids=["turtle", "n-triples", "json-ld", "rdf-xml", "results-type-falls-back-to-turtle"],
)
def test_construct_results_follow_accept(live_server: LiveServer, accept: str, fmt: str) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        params=[("query", "CONSTRUCT WHERE { ?s ?p ?o }")],
        headers={"Accept": accept},
    )
    assert answer.status == 200
    assert_isomorphic(parse_graph(answer.body, fmt), union_graph(sample_quads()))


def test_the_format_parameter_wins_over_accept(live_server: LiveServer) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        params=[("query", AGENCIES), ("format", "csv")],
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert answer.media_type == "text/csv"


@pytest.mark.parametrize(
    ("fmt", "status"), [("ttl", 406), ("nonsense", 400)], ids=["unsuitable", "unknown"]
)
def test_a_format_parameter_we_cannot_honour_is_an_error(
    live_server: LiveServer, fmt: str, status: int
) -> None:
    answer = fetch(f"{live_server.url}/sparql", params=[("query", AGENCIES), ("format", fmt)])
    assert answer.status == status
    assert fmt in answer.json()["message"]


def test_sparqlwrapper_gets_json_results(live_server: LiveServer) -> None:
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(AGENCIES)
    client.setReturnFormat(JSON)
    results: Any = client.query().convert()
    assert [row["agency"]["value"] for row in results["results"]["bindings"]] == [
        str(ESA),
        str(ROSCOSMOS),
    ]


def test_sparqlwrapper_posts_too(live_server: LiveServer) -> None:
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(f"ASK {{ <{ESA}> ?p ?o }}")
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    results: Any = client.query().convert()
    assert results["boolean"] is True


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "no query"),
        ([("query", "")], "no query"),
        ([("query", AGENCIES), ("query", AGENCIES)], "one query, not 2"),
        ([("query", "SELEC ?s")], "SPARQL syntax error"),
        ([("query", "DROP ALL")], "updates are not allowed"),
        ([("update", "DROP ALL")], "updates are not allowed"),
        ([("query", AGENCIES), ("default-graph-uri", "not an iri")], "not a graph IRI"),
    ],
    ids=["none", "empty", "two", "syntax", "update-as-query", "update-param", "bad-graph-iri"],
)
def test_bad_requests_get_400_in_the_error_shape(
    live_server: LiveServer, params: list[tuple[str, str]], message: str
) -> None:
    answer = fetch(f"{live_server.url}/sparql", params=params)
    assert answer.status == 400
    assert answer.media_type == "application/json"
    error = answer.json()
    assert error["status"] == 400 and error["error"] == "Bad Request"
    assert message in error["message"]


def test_a_query_in_both_the_url_and_the_form_is_refused(live_server: LiveServer) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        method="POST",
        params=[("query", AGENCIES)],
        body=urlencode({"query": AGENCIES}).encode(),
        headers={"Content-Type": FORM},
    )
    assert answer.status == 400


def test_updates_leave_the_data_unchanged(live_server: LiveServer) -> None:
    body = urlencode({"update": "DELETE WHERE { ?s ?p ?o }"}).encode()
    url = f"{live_server.url}/sparql"
    assert fetch(url, method="POST", body=body, headers={"Content-Type": FORM}).status == 400
    assert count(fetch(url, params=[("query", COUNT)])) == 10


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/sparql-update", "application/json"]
)
def test_other_post_bodies_get_415(live_server: LiveServer, content_type: str) -> None:
    answer = fetch(
        f"{live_server.url}/sparql",
        method="POST",
        body=AGENCIES.encode(),
        headers={"Content-Type": content_type},
    )
    assert answer.status == 415
    assert content_type in answer.json()["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(live_server: LiveServer, method: str) -> None:
    answer = fetch(f"{live_server.url}/sparql", method=method, body=b"")
    assert answer.status == 405
    assert answer.json()["status"] == 405
    assert {"GET", "POST"} <= set(answer.headers["allow"].replace(" ", "").split(","))


def test_errors_come_as_text_to_clients_preferring_it(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/sparql", headers={"Accept": "text/plain"})
    assert answer.status == 400
    assert answer.body.decode().startswith("400 Bad Request: no query")


def test_unknown_pages_get_404_in_the_error_shape(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/no/such/page")
    assert answer.status == 404
    assert answer.json()["error"] == "Not Found"


# --- health and new builds ------------------------------------------------------


def test_health_names_the_published_version(live_server: LiveServer) -> None:
    answer = fetch(f"{live_server.url}/health")
    assert answer.status == 200
    assert answer.json()["version"] == published_version(live_server.store_settings)
    assert answer.json()["quads"] == 11


def test_a_new_build_is_served_without_a_restart(live_server: LiveServer) -> None:
    before = count(fetch(f"{live_server.url}/sparql", params=[("query", COUNT)]))
    target = open_target(live_server.store_settings)
    version = target.publish(sample_quads()[:1], metadata={})
    assert fetch(f"{live_server.url}/health").json()["version"] == version
    # The answer cached for the old version is not served for the new one.
    after = fetch(f"{live_server.url}/sparql", params=[("query", COUNT)])
    assert before > 1 and (count(after), after.headers["x-cache"]) == (1, "miss")


# --- the result cache -------------------------------------------------------------


def test_a_repeated_query_is_answered_from_the_cache(live_server: LiveServer) -> None:
    def ask(accept: str) -> Answer:
        return fetch(
            f"{live_server.url}/sparql", params=[("query", AGENCIES)], headers={"Accept": accept}
        )

    json_results = "application/sparql-results+json"
    first, second = ask(json_results), ask(json_results)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert second.body == first.body and second.headers["etag"] == first.headers["etag"]
    assert agencies(second) == agencies(first) != []
    # Another format is another answer, computed and kept on its own.
    xml = ask("application/sparql-results+xml")
    assert xml.headers["x-cache"] == "miss" and xml.body.startswith(b"<?xml")
    assert ask("application/sparql-results+xml").headers["x-cache"] == "hit"


def test_the_cache_can_be_turned_off(
    request: pytest.FixtureRequest, tmp_path: Path, serve: Callable[[Any], str]
) -> None:
    server = serve_store("embedded", request, tmp_path, serve, sample_quads(), result_cache_mb=0)
    answers = [fetch(f"{server.url}/sparql", params=[("query", AGENCIES)]) for _ in range(2)]
    assert [a.status for a in answers] == [200, 200]
    assert all("x-cache" not in a.headers for a in answers)


def test_without_a_build_the_service_is_unavailable_without_leaking_paths(
    tmp_path: Path, serve: Callable[[Any], str]
) -> None:
    from spacekg.web import create_app

    url = serve(create_app(sample_settings(tmp_path / "empty-store")))
    for path in ("/health", f"/sparql?{urlencode({'query': COUNT})}"):
        answer = fetch(f"{url}{path}")
        assert answer.status == 503
        assert str(tmp_path) not in answer.body.decode()
        assert answer.json()["error"] == "Service Unavailable"


def test_the_web_layer_never_imports_extraction() -> None:
    """The web layer knows the store, not how the graph was made (DESIGN: one direction)."""
    code = (
        "import sys, spacekg.web; "
        "assert not {'spacekg.extract', 'spacekg.build'} & set(sys.modules), 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
