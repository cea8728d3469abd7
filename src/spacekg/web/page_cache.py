"""`cached_page`: a view's answers kept per published version (web.result_cache).

An entity page with thousands of incoming links costs tens of milliseconds
to gather and render; asked again for the same version, it costs a lookup.
The key holds everything an answer depends on: the version, the mount point
and URL asked (path and query string), the Accept and Accept-Language
headers as the view reads them (the format negotiated, the reader's
languages). Only 200 answers are kept: a 404 may become a 200 with the next
build, and errors are never worth keeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Response, make_response, request

from spacekg.web.result_cache import CACHE_HEADER, Page
from spacekg.web.state import app_state, current_store

P = ParamSpec("P")

#: Response headers worth keeping with a page (the rest are set per request).
_KEPT = ("Content-Type", "Link", "Vary", "Content-Language")


def cached_page(view: Callable[P, object]) -> Callable[P, Response]:
    """Keep `view`'s 200 answers per published version and serve them again."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        pages = app_state().pages
        if not pages.enabled or request.method != "GET":
            return make_response(view(*args, **kwargs))
        version = current_store().version
        key = _key(version)
        page = pages.get(key)
        if page is not None:
            response = Response(page.body, status=page.status, headers=list(page.headers))
            response.headers[CACHE_HEADER] = "hit"
            return response
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed:
            kept = tuple((k, v) for k, v in response.headers.items() if k in _KEPT)
            pages.put(key, version, Page(200, response.get_data(), kept))
        response.headers[CACHE_HEADER] = "miss"
        return response

    return wrapper


def _key(version: str) -> str:
    parts = (
        version,
        request.script_root,
        request.full_path,
        request.headers.get("Accept", ""),
        request.headers.get("Accept-Language", ""),
    )
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()
