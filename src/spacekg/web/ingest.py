"""POST /articles: publishers add or replace an article over HTTP.

    curl -X POST http://localhost:8080/articles \\
         -H "Authorization: Bearer $SPACEKG_INGEST_TOKEN" \\
         -H "Slug: 2026-11-24-artemis.txt" \\
         -H "Content-Type: text/plain; charset=utf-8" --data-binary @article.txt

The article's file name comes from the `Slug` header (as in AtomPub), the
`name` query parameter, or the file name of a multipart upload (field
`article`). The route exists only when a token is configured
(`ingest_token`) and the app was given something to ingest with: the web
layer knows nothing of extraction, so the composition root (`spacekg
serve`) passes an `ArticleSink`.

Answers: 201 Created (a new article) or 200 (replaced, or unchanged) with
what was done as JSON and `Location` naming the article's page; 400 for a
bad article, 401 without the right token, 413 for a body over the request
limit, 422 when the article would make the graph inconsistent or invalid,
503 when nothing is published yet. The published graph is unchanged by any
error.
"""

from __future__ import annotations

import hmac
from typing import Any, Protocol

from flask import Blueprint, Flask, Response, current_app, json, request

from spacekg.errors import (
    ArticleError,
    InconsistencyError,
    IngestError,
    StoreError,
    ValidationError,
)
from spacekg.web.errors import error_response
from spacekg.web.layout import current_urls
from spacekg.web.state import app_state

bp = Blueprint("ingest", __name__)

_SINK = "spacekg.ingest"


class Ingested(Protocol):
    """What the sink reports about one article."""

    @property
    def slug(self) -> str: ...

    @property
    def status(self) -> str: ...

    def as_json(self) -> dict[str, Any]: ...


class ArticleSink(Protocol):
    """Something that ingests one article file's bytes under its file name."""

    def ingest(self, name: str, data: bytes) -> Ingested: ...


def init_app(app: Flask, sink: ArticleSink | None, token: str) -> None:
    """Add POST /articles when both a sink and a token are given; otherwise the
    route does not exist (404), so an unconfigured server cannot be written to."""
    if sink is None or not token:
        return
    app.extensions[_SINK] = sink
    app.register_blueprint(bp)


@bp.post("/articles")
def post_article() -> Response:
    if not _authorized():
        return error_response(
            401,
            "adding articles needs the ingest token: send 'Authorization: Bearer <token>'",
            headers=[("WWW-Authenticate", 'Bearer realm="spacekg"')],
        )
    name, data = _article_from_request()
    if not name:
        return error_response(
            400,
            "name the article file: a 'Slug' header, a 'name' parameter, or a multipart "
            "upload with a file name (field 'article')",
        )
    sink: ArticleSink = current_app.extensions[_SINK]
    try:
        done = sink.ingest(name, data)
    except ArticleError as exc:
        return error_response(400, str(exc))
    except (InconsistencyError, ValidationError, IngestError) as exc:
        return error_response(422, str(exc))
    except StoreError:
        raise  # the app's handler answers 503 and logs the detail
    response = Response(
        json.dumps(done.as_json()) + "\n",
        201 if done.status == "added" else 200,
        mimetype="application/json",
    )
    response.headers["Location"] = current_urls().resource(done.slug)
    return response


def _authorized() -> bool:
    token: str = app_state().settings.ingest_token
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # compare_digest: the time taken does not tell how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _article_from_request() -> tuple[str, bytes]:
    upload = request.files.get("article")
    if upload is not None:
        return upload.filename or "", upload.read()
    name = request.headers.get("Slug") or request.args.get("name") or ""
    return name, request.get_data(cache=False)
