"""`/dump.{ext}`, `/dump-asserted.{ext}` and the `/dumps` page.

`/dump.ttl` is the whole graph with OWL 2 RL inferences (the union of every
named graph, as Turtle); `/dump-asserted.ttl` leaves out the graph of
inferred triples. TriG, N-Quads and JSON-LD keep the named graphs; Turtle and
N-Triples hold the union. Dumps are streamed from the store in chunks (a
generator response: memory stays flat however big the graph), gzipped on the
fly when the client accepts it, and cached by ETag and Last-Modified, both
taken from the published version, which never changes once published.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from werkzeug.http import is_resource_modified

from spacekg.store import Store
from spacekg.web.catalog import DUMPS, OFFERED, Dump, catalog, find_dump, gzipped
from spacekg.web.errors import error_response
from spacekg.web.state import app_state, current_store

bp = Blueprint("dumps", __name__)


@bp.get("/dump.<extension>")
def dump(extension: str) -> Response:
    """The whole graph with inferences, in the format of the extension."""
    return _dump(extension, inferred=True)


@bp.get("/dump-asserted.<extension>")
def dump_asserted(extension: str) -> Response:
    """The whole graph without the inferred graph."""
    return _dump(extension, inferred=False)


@bp.get("/dumps")
def dumps() -> str:
    store, iris = current_store(), app_state().settings.iris
    facts = {(f.dump.fmt, f.dump.inferred): f for f in catalog().dumps(store, iris)}
    rows = [(fmt, facts[(fmt, True)], facts[(fmt, False)]) for fmt in OFFERED]
    return render_template(
        "dumps.html",
        rows=rows,
        version=store.version,
        built_at=store.metadata.get("built_at"),
        stats=catalog().statistics(store, iris),
    )


def built_at(store: Store) -> datetime | None:
    """When the published version was built (its Last-Modified), if the build says."""
    recorded = store.metadata.get("built_at")
    try:
        return datetime.fromisoformat(recorded) if isinstance(recorded, str) else None
    except ValueError:
        return None


def _dump(extension: str, inferred: bool) -> Response:
    chosen = find_dump(extension, inferred)
    if chosen is None:
        known = ", ".join(f".{d.fmt.extension}" for d in DUMPS if d.inferred)
        return error_response(404, f"no dump as .{extension}; there are {known}")
    store = current_store()
    compress = request.accept_encodings.quality("gzip") > 0
    # The gzipped bytes differ from the plain ones, so they get their own ETag.
    etag = f"{store.version}.{chosen.name}" + (".gz" if compress else "")
    modified = built_at(store)
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
    else:
        response = _stream(chosen, store, compress)
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Cache-Control"] = app_state().settings.cache_control
    response.vary.add("Accept-Encoding")
    return response


def _stream(chosen: Dump, store: Store, compress: bool) -> Response:
    # The generator runs after this request's context is gone: it holds the store
    # it started with, so a build published meanwhile never mixes into a dump.
    chunks = chosen.chunks(store, app_state().settings.iris)
    response = Response(
        gzipped(chunks) if compress else chunks,
        mimetype=chosen.fmt.media_type,
        direct_passthrough=True,
    )
    if compress:
        response.headers["Content-Encoding"] = "gzip"
    filename = chosen.filename(store.version)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
