"""One error shape for every HTTP error.

Every error response, whatever raised it, carries the status, its title and
a message meant for the person or program that sent the request:

    {"status": 400, "error": "Bad Request", "message": "SPARQL syntax error: ..."}

as JSON by default, or as one line of text (`400 Bad Request: ...`) for
clients that prefer text/plain. Tracebacks and internal paths never reach the
client: unexpected exceptions become a plain 500 and go to the log.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, json, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from spacekg.errors import QueryError, StoreError

_UNAVAILABLE = "the knowledge graph is not available right now; try again later"


def init_app(app: Flask) -> None:
    """Route every error the app can raise to error_response()."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(StoreError, _store_error)


def error_response(
    status: int,
    message: str,
    headers: list[tuple[str, str]] | None = None,
    suggestions: list[tuple[str, str]] | None = None,
) -> Response:
    """An error in the documented shape, as JSON, text or (for browsers) HTML by the
    request's Accept. `suggestions` (label, URL) are pages the client may have meant."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    chosen = request.accept_mimetypes.best_match(["application/json", "text/plain", "text/html"])
    shape: dict[str, object] = {"status": status, "error": title, "message": message}
    if suggestions:
        shape["suggestions"] = [{"label": label, "url": url} for label, url in suggestions]
    if chosen == "text/plain":
        response = Response(f"{status} {title}: {message}\n", status, mimetype="text/plain")
    elif chosen == "text/html":
        page = render_template("error.html", error=shape, suggestions=suggestions or [])
        response = Response(page, status, mimetype="text/html")
    else:
        response = Response(json.dumps(shape) + "\n", status, mimetype="application/json")
    for name, value in headers or ():
        response.headers[name] = value
    response.vary.add("Accept")
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    # Keep the headers the status depends on (Allow on a 405), not werkzeug's HTML content type.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return error_response(status, exc.description or HTTP_STATUS_CODES.get(status, ""), headers)


def _query_error(exc: QueryError) -> Response:
    return error_response(400, str(exc))


def _store_error(exc: StoreError) -> Response:
    # The detail names paths on the server: it is for the log, not the client.
    current_app.logger.error("store unavailable: %s", exc)
    return error_response(503, _UNAVAILABLE)
