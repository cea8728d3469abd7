"""`/sparql`: the query operation of the SPARQL 1.1 Protocol.

https://www.w3.org/TR/sparql11-protocol/#query-operation — three ways in:

- GET with `query` (and `default-graph-uri`, `named-graph-uri`) in the URL;
- POST `application/x-www-form-urlencoded`, the same parameters in the body;
- POST `application/sparql-query`, the query as the body, the dataset
  parameters in the URL.

The result format follows Accept (or a `format` parameter). Errors: 400 for a
missing, doubled or malformed query and for updates, 415 for any other POST
body, 405 for any other method. GET with no query is where the query page
and the service description will answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from spacekg.store.formats import formats_for
from spacekg.store.policy import update_refused
from spacekg.web.negotiation import negotiate
from spacekg.web.state import current_store

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


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
        return no_query()
    result = current_store().query(
        parsed.query,
        default_graph_uris=parsed.default_graph_uris,
        named_graph_uris=parsed.named_graph_uris,
    )
    fmt = negotiate(formats_for(result.kind), request.accept_mimetypes, parsed.format)
    response = Response(result.serialize(fmt), mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def no_query() -> Response:
    """The answer to a request without a query."""
    raise BadRequest(
        "no query: send one as the `query` parameter (GET or a POSTed form) "
        f"or as a POST body of type {DIRECT}"
    )


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
