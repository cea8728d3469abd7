"""What every HTML page shares: the `urls` builder in templates, and the
security headers on every page.

Templates extend `base.html` (blocks `title`, `head`, `main`) and find
`urls` (a web.urls.Urls) and `site_name` in their context.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from spacekg.web.state import app_state
from spacekg.web.urls import Urls

SITE_NAME = "spacekg"

#: Pages load only our own stylesheet and scripts; nothing inline, nothing remote.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def current_urls() -> Urls:
    """The URL builder for the current request (its mount point and the configured base)."""
    return Urls(app_state().settings.iris, request.script_root)


def init_app(app: Flask) -> None:
    """Give templates `urls` and `site_name`; put security headers on HTML responses."""
    app.context_processor(_template_context)
    app.after_request(_security_headers)
    app.add_url_rule("/favicon.ico", "favicon", _no_icon)


def _no_icon() -> Response:
    # Pages declare an empty icon; browsers still ask for /favicon.ico when they show
    # a non-HTML answer (a dump, the VoID): "no content" beats a 404 in their console.
    response = Response(status=204)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _template_context() -> dict[str, Any]:
    return {"urls": current_urls(), "site_name": SITE_NAME}


def _security_headers(response: Response) -> Response:
    # A page that needs a different policy sets its own; we only fill a gap.
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
