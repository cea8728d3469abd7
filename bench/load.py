"""The load generator: wrk (Debian's package), in its own process, driven by a Lua script.

`run(base_url, requests, connections, seconds)` starts `wrk` with that many
open keep-alive connections (one client each, each sending its next request
as soon as the last answer is in), cycling through `requests` (one request:
the figures of that request; several: a mix, each connection starting at a
different one). The Lua script's `done` hook prints wrk's own figures as one
JSON line: completed requests, its latency histogram's percentiles, errors
by kind (a status of 400 or more counts as an error). wrk counts a request
only when its answer is complete, so a run must last several times the
slowest request: `duration_for` picks the length from a probe.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: wrk gives up on an answer after this long (its default, 2 s, is shorter than
#: the slow queries at 10,000 articles); a timed-out request counts as an error.
TIMEOUT_SECONDS = 60

LUA = """
local requests = {REQUESTS}
local prepared = {}
local next_index = 0
local threads = 0

function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end

function init(args)
  for i, r in ipairs(requests) do
    prepared[i] = wrk.format(r[1], r[2], r[3], r[4])
  end
  next_index = (first or 0) % #prepared
end

function request()
  next_index = next_index % #prepared + 1
  return prepared[next_index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string; the host comes from the URL wrk is given
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def sparql_request(
    path: str, query: str, accept: str, parameters: Sequence[tuple[str, str]] = ()
) -> Request:
    """A SPARQL Protocol query by POST of a form, which every engine accepts; `parameters`
    are further protocol parameters (`default-graph-uri`…)."""
    return Request(
        "POST",
        path,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        urllib.parse.urlencode([("query", query), *parameters]),
    )


def page_request(path: str) -> Request:
    return Request("GET", path, {"Accept": "text/html"})


def available() -> str | None:
    """None when wrk can run here, else why not."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (Debian's wrk: `make bench` installs it)"
    return None


def _lua_string(text: str | None) -> str:
    if text is None:
        return "nil"
    # Every byte as a decimal escape: no quoting rule of Lua can be broken.
    return '"' + "".join(f"\\{byte:03d}" for byte in text.encode()) + '"'


def _lua_requests(requests: list[Request]) -> str:
    items = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        items.append(
            f"{{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, "
            f"{_lua_string(r.body)}}}"
        )
    return "{" + ",\n".join(items) + "}"


def run(base_url: str, requests: list[Request], connections: int, seconds: int) -> dict[str, Any]:
    """Load `base_url` with `requests` from `connections` clients for `seconds`; the figures.

    Latencies are in milliseconds; `qps` counts completed requests per second.
    """
    threads = max(1, min(connections, os.cpu_count() or 1))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.replace("{REQUESTS}", _lua_requests(requests)))
    try:
        done = subprocess.run(
            [
                "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                f"--timeout={TIMEOUT_SECONDS}s", "-s", script.name, base_url,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + TIMEOUT_SECONDS + 30,
        )  # fmt: skip
    finally:
        Path(script.name).unlink()
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures (exit {done.returncode}):\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    count = raw["requests"]
    latency = {k: v / 1000 for k, v in raw["latency_us"].items()} if count else {}
    return {
        "connections": connections,
        "seconds": raw["duration_us"] / 1e6,
        "requests": count,
        "qps": count / (raw["duration_us"] / 1e6) if raw["duration_us"] else None,
        "latency_ms": {k: round(v, 3) for k, v in latency.items()},
        "errors": {k: v for k, v in raw["errors"].items() if v},
        "bytes": raw["bytes"],
    }


@dataclass(frozen=True)
class Probe:
    """One request sent once, outside the measurement: did it work, how long, how big."""

    status: int
    seconds: float
    size: int
    body: bytes


def probe(base_url: str, request: Request) -> Probe:
    """Send `request` once with urllib (also warms the engine's caches for it)."""
    data = request.body.encode() if request.body is not None else None
    http = urllib.request.Request(
        base_url.rstrip("/") + request.path, data=data, headers=request.headers,
        method=request.method,
    )  # fmt: skip
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_SECONDS) as response:
            body = response.read()
            status = int(response.status)
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return Probe(status, time.perf_counter() - started, len(body), body)


def duration_for(probe_seconds: float, connections: int, base: int, most: int, least: int) -> int:
    """Seconds to run so that about `least` requests complete, within [`base`, `most`]."""
    wanted = least * probe_seconds / max(1, min(connections, os.cpu_count() or 1))
    return max(base, min(most, math.ceil(wanted)))
