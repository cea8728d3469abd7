"""`/sparql`: the query operation of the SPARQL 1.1 Protocol.

https://www.w3.org/TR/sparql11-protocol/#query-operation — three ways in:

- GET with `query` (and `default-graph-uri`, `named-graph-uri`) in the URL;
- POST `application/x-www-form-urlencoded`, the same parameters in the body;
- POST `application/sparql-query`, the query as the body, the dataset
  parameters in the URL.

The result format follows Accept (q-values included) or a `format` parameter.
Errors: 400 for a missing, doubled or malformed query and for updates, 415
for any other POST body, 405 for any other method, 503 for a query that ran
out of time or memory (it is stopped, never answered in part). GET with no query
answers with the service description to an RDF Accept type and with the
query page to a browser; a browser sending a query (or `format=html`) gets
the page with the results.

Every query runs under the time and memory limits: in a worker process on the
embedded store (store.workers), as a bounded request on a remote one
(store.runners), at most `result_limit` solutions long (announced in
SPARQL-Result-Limit; a cut result says so in SPARQL-Result-Truncated).
Responses carry an ETag made from the published version and everything that
shapes the answer, so a conditional GET is answered 304 without running the
query; the same key finds the answer in the result cache (web.result_cache)
when another client asked the same thing of the same version, and X-Cache
says whether it did.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from werkzeug.http import parse_accept_header

from spacekg.errors import QueryLimitError, QueryTimeoutError
from spacekg.store import Store
from spacekg.store.embedded import write_graph
from spacekg.store.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    TURTLE,
    QueryKind,
    find_format,
    formats_for,
)
from spacekg.store.policy import update_refused
from spacekg.store.workers import Job, Outcome
from spacekg.web import query_page
from spacekg.web.errors import error_response
from spacekg.web.negotiation import negotiate
from spacekg.web.result_cache import CACHE_HEADER
from spacekg.web.service import describe
from spacekg.web.state import app_state, current_store

bp = Blueprint("sparql", __name__)


@bp.record_once
def _warm_up(setup: BlueprintSetupState) -> None:
    """Start a query worker now, so the first query does not wait for one."""
    assert isinstance(setup.app, Flask)
    with setup.app.app_context():
        app_state().runner.warm_up()


FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
#: What people's browsers ask for; `format=html` asks for the same.
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_FORMAT = "html"

RESULT_LIMIT_HEADER = "SPARQL-Result-Limit"
TRUNCATED_HEADER = "SPARQL-Result-Truncated"
_EXPOSED = ("ETag", RESULT_LIMIT_HEADER, TRUNCATED_HEADER, "X-SPARQL-MaxRows", CACHE_HEADER)


@dataclass(frozen=True)
class QueryRequest:
    """A protocol request, whichever way it came in."""

    query: str | None
    default_graph_uris: list[str]
    named_graph_uris: list[str]
    format: str | None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer one SPARQL query in the format the client negotiated."""
    parsed = read_request()
    if parsed.query is None:
        return no_query(parsed)
    if wants_page(parsed):
        return query_page.results(parsed.query, parsed.default_graph_uris, parsed.named_graph_uris)
    return answer(parsed)


def answer(parsed: QueryRequest) -> Response:
    """The result of `parsed` in the negotiated format, or 304 when the client has it."""
    assert parsed.query is not None
    chosen, refusals = _negotiate_each_kind(parsed.format)
    if not chosen:  # no kind of result could be written as asked: say so without running it
        raise next(iter(refusals.values()))
    store = current_store()
    job = replace(
        make_job(store, parsed.query, parsed.default_graph_uris, parsed.named_graph_uris),
        formats=tuple(sorted(chosen.items())),
    )
    etag = _etag(store.version, repr(job))
    if request.method == "GET" and request.if_none_match.contains(etag):
        return _not_modified(etag)
    results = app_state().results
    outcome = results.get(etag)
    cache = "hit" if outcome is not None else "miss"
    if outcome is None:
        outcome = run(job)
        results.put(etag, store.version, outcome)
    if outcome.data is None:
        raise refusals[outcome.kind]
    fmt = find_format(outcome.format or "", formats_for(outcome.kind))
    assert fmt is not None
    response = Response(outcome.data, mimetype=fmt.media_type)
    result_headers(response, outcome)
    _cache_headers(response, etag)
    if results.enabled:
        response.headers[CACHE_HEADER] = cache
    return response


def make_job(
    store: Store, query: str, default_graph_uris: Iterable[str], named_graph_uris: Iterable[str]
) -> Job:
    """The job running `query` against `store` under this app's settings (no formats yet)."""
    state = app_state()
    return Job(
        root="",  # the runner knows where the store is
        version=store.version,
        sparql=query,
        default_graph_uris=tuple(default_graph_uris),
        named_graph_uris=tuple(named_graph_uris),
        allowed_services=state.settings.service_allowlist,
        limit=state.settings.result_limit,
    )


def run(job: Job) -> Outcome:
    """Run `job` under the time and memory limits: in a worker (embedded store) or as
    a request to the remote store. Raises QueryLimitError (QueryTimeoutError,
    QueryMemoryError), QueryError."""
    return app_state().runner.run(current_store(), job)


def result_headers(response: Response, outcome: Outcome) -> None:
    """Announce the result limit, and whether this result was cut to it."""
    limit = str(app_state().settings.result_limit)
    response.headers[RESULT_LIMIT_HEADER] = limit
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = "true"
        response.headers["X-SPARQL-MaxRows"] = limit  # what Virtuoso's clients look for


def no_query(parsed: QueryRequest) -> Response:
    """The answer to a request without a query: the service description (RDF Accept),
    the query page (a browser), else 400."""
    if request.method == "GET":
        rdf_types = [media for fmt in GRAPH_FORMATS for media in fmt.media_types]
        wanted = parsed.format or explicit_choice(
            request.accept_mimetypes, [*HTML_TYPES, *rdf_types]
        )
        if wanted in (PAGE_FORMAT, *HTML_TYPES):
            return query_page.page()
        if wanted is not None and find_format(wanted, GRAPH_FORMATS) is not None:
            return service_description(wanted)
    raise BadRequest(
        "no query: send one as the `query` parameter (GET or a POSTed form) "
        f"or as a POST body of type {DIRECT}"
    )


def service_description(wanted: str) -> Response:
    """The service description, in the RDF format `wanted` (a name or media type)."""
    fmt = find_format(wanted, GRAPH_FORMATS)
    assert fmt is not None
    store = current_store()
    settings = app_state().settings
    etag = _etag(store.version, fmt.name, request.base_url, repr(settings))
    if request.if_none_match.contains(etag):
        return _not_modified(etag)
    max_body = current_app.config.get("MAX_CONTENT_LENGTH")
    graph = describe(request.base_url, store, settings, max_body)
    if fmt == TURTLE:
        # The one format people read: rdflib's writer nests the blank nodes (the
        # dataset and its graphs) and groups each subject's properties.
        data = graph.serialize(format="turtle", encoding="utf-8")
    else:
        data = write_graph(graph.serialize(format="nt", encoding="utf-8"), fmt)
    response = Response(data, mimetype=fmt.media_type)
    _cache_headers(response, etag)
    return response


def wants_page(parsed: QueryRequest) -> bool:
    """True when a person's browser sent the query: it gets the page with the results."""
    if parsed.format:
        return parsed.format.strip().lower() == PAGE_FORMAT
    offered = [media for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS) for media in fmt.media_types]
    return explicit_choice(request.accept_mimetypes, [*HTML_TYPES, *offered]) in HTML_TYPES


def explicit_choice(accept: MIMEAccept, candidates: list[str]) -> str | None:
    """The candidate the client named (not through a wildcard) with the highest q-value."""
    for value, quality in accept:  # werkzeug keeps them best first
        if quality > 0 and value.lower() in candidates:
            return str(value.lower())
    return None


def read_request() -> QueryRequest:
    """The query and dataset of the current request. Raises BadRequest,
    UnsupportedMediaType, or QueryError for an update."""
    if request.method == "GET":
        return _from_params(request.args, request.args.getlist("query"))
    mimetype = request.mimetype
    if mimetype == FORM:
        # The protocol puts every parameter in the body; a query in the URL as
        # well would leave it unclear which one to run.
        queries = request.args.getlist("query") + request.form.getlist("query")
        return _from_params(request.form, queries, extra=request.args)
    if mimetype == DIRECT:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in {"utf-8", "utf8"}:
            raise UnsupportedMediaType(f"send the query as UTF-8, not {charset}")
        try:
            body = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the query is not valid UTF-8") from None
        if "query" in request.args:
            raise BadRequest("give the query either as the body or as `query`, not both")
        return _from_params(request.args, [body])
    raise UnsupportedMediaType(
        f"POST a query as {FORM} or {DIRECT}, not {mimetype or 'an untyped body'}"
    )


def _from_params(
    params: MultiDict[str, str],
    queries: list[str],
    extra: MultiDict[str, str] | None = None,
) -> QueryRequest:
    if "update" in params:
        raise update_refused()
    if len(queries) > 1:
        raise BadRequest(f"give one query, not {len(queries)}")
    query = queries[0] if queries and queries[0].strip() else None
    fmt = params.get("format") or (extra.get("format") if extra is not None else None)
    return QueryRequest(
        query=query,
        default_graph_uris=params.getlist("default-graph-uri"),
        named_graph_uris=params.getlist("named-graph-uri"),
        format=fmt,
    )


def _negotiate_each_kind(
    requested: str | None,
) -> tuple[dict[QueryKind, str], dict[QueryKind, HTTPException]]:
    """The format for each kind of result, decided before the query runs (the worker
    writes the answer); and for a kind that cannot be served as asked, the error."""
    accept = request.headers.get("Accept", "")
    if len(accept) > _REMEMBERED_ACCEPT_CHARS:
        decided = _decide_each_kind(accept, requested)
    else:  # clients send the same few headers again and again
        decided = _remembered_decisions(accept, requested)
    chosen = {kind: name for kind, name in decided if isinstance(name, str)}
    refusals = {
        kind: type(exc)(exc.description) for kind, exc in decided if not isinstance(exc, str)
    }
    return chosen, refusals


def _decide_each_kind(
    accept: str, requested: str | None
) -> tuple[tuple[QueryKind, str | HTTPException], ...]:
    parsed = parse_accept_header(accept, MIMEAccept)
    decided: list[tuple[QueryKind, str | HTTPException]] = []
    for kind in QueryKind:
        try:
            decided.append((kind, negotiate(formats_for(kind), parsed, requested).name))
        except HTTPException as exc:
            decided.append((kind, exc))
    return tuple(decided)


#: Negotiating costs a tenth of a label lookup's time in Python: the decisions for
#: the Accept headers (and `format`) seen last are kept, for headers up to this long.
_REMEMBERED_ACCEPT_CHARS = 1_000
_remembered_decisions = functools.lru_cache(maxsize=256)(_decide_each_kind)


def _etag(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def _cache_headers(response: Response, etag: str) -> None:
    response.set_etag(etag)
    response.headers["Cache-Control"] = app_state().settings.cache_control
    response.vary.add("Accept")


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    _cache_headers(response, etag)
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    """Let pages on the configured origins read answers (and errors) from a browser."""
    origins = app_state().settings.cors_origins
    origin = request.headers.get("Origin")
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin is not None and origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return response
    response.headers["Access-Control-Expose-Headers"] = ", ".join(_EXPOSED)
    if request.method == "OPTIONS":  # a preflight
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.app_errorhandler(QueryLimitError)
def _stopped(exc: QueryLimitError) -> Response:
    # Waiting helps a query that found every worker busy, not one too big to run.
    retry = [("Retry-After", "10")] if isinstance(exc, QueryTimeoutError) else []
    return error_response(503, str(exc), retry)
