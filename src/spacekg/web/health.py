"""`/health`: is the service up, and which build does it serve."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from spacekg.web.state import current_store

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    """200 with the published version; 503 (the error shape) when there is no build."""
    store = current_store()
    return jsonify(
        status="ok",
        version=store.version,
        built_at=store.metadata.get("built_at"),
        quads=store.count(),
    )
