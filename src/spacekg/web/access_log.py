"""One log line per request: method, path, status, time taken, bytes sent.

    GET /sparql 200 12.4ms 1832B

A blueprint with no routes, only app-wide hooks, so any surface gets it by
registration. Logged to the `spacekg.access` logger at INFO.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, g, request

bp = Blueprint("access_log", __name__)
log = logging.getLogger("spacekg.access")


@bp.before_app_request
def _start() -> None:
    g.access_started = time.perf_counter()


@bp.after_app_request
def _log(response: Response) -> Response:
    started = g.get("access_started")
    took = f"{(time.perf_counter() - started) * 1000:.1f}ms" if started is not None else "-"
    size = response.content_length
    log.info(
        "%s %s %d %s %s",
        request.method,
        request.path,
        response.status_code,
        took,
        f"{size}B" if size is not None else "streamed",
    )
    return response
