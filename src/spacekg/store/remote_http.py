"""HTTP to an external SPARQL 1.1 store: queries and updates through SPARQLWrapper,
the Graph Store Protocol directly, every request bounded and authenticated alike.

SPARQLWrapper builds the protocol requests (query and update operations,
dataset parameters, the query form it reads off the text); `_Wrapper` sends
them through this module's own urllib opener instead of the process-wide one
SPARQLWrapper would use (its digest auth *installs* a global opener). The
opener:

- answers 401 challenges with the configured credentials (basic or digest),
  and only then, so a read-only endpoint that asks for none gets none;
- follows a redirect only to the same scheme, host and port: a store never
  sends our credentials or queries elsewhere;
- has a timeout on every request;
- keeps query connections alive (`_KeepAlive`): urllib opens and closes a TCP
  connection (and, over https, a TLS session) for every request, which costs a
  round trip or more per query. Idle connections wait in one small pool per
  process (a few per store, for a few seconds); one is reused only when its
  last answer was read to the end, and a query sent on one the store had
  meanwhile closed is sent again once, on a new connection.
  Updates and Graph Store requests, which are not safe to send twice, keep a
  connection of their own each.

Bodies that may be large (bulk loads) are `Body` objects: read from a
temporary file in blocks, and readable again when an auth challenge makes
urllib send the request a second time. Answers are read through
`BoundedReader`, which stops a read past a deadline or a byte budget.
"""

from __future__ import annotations

import atexit
import http.client
import io
import select
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from http.client import HTTPResponse
from typing import IO, Any

from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

from spacekg.config import Settings
from spacekg.errors import QueryError, SpacekgError, StoreError

#: The SPARQL query forms; anything else SPARQLWrapper reads off a text is an update.
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
_BLOCK = 1 << 16
#: Bytes of an error answer kept for the message (stores echo the whole query).
_DETAIL = 2_000
#: Idle connections kept per store origin, and for how long (see _IdleConnections).
IDLE_CONNECTIONS = 4
MAX_IDLE_SECONDS = 5.0
#: Headers an answer may carry. Virtuoso echoes every named-graph-uri of a
#: request as a header of its own, and a query with a GRAPH pattern names every
#: published graph (one per article) when the union is a named graph; http.client
#: refuses more than 100. The store is the operator's own, not untrusted input:
#: the limit is raised (for the process; nothing else here reads HTTP answers
#: with http.client but clients of the store).
MAX_ANSWER_HEADERS = 100_000
http.client._MAXHEADERS = max(http.client._MAXHEADERS, MAX_ANSWER_HEADERS)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RemoteConfig:
    """Where an external store answers, how to authenticate, and its one behaviour
    that matters to spacekg (see `default_graph`); all from settings."""

    query_url: str
    update_url: str = ""
    #: The Graph Store Protocol endpoint; empty: none (SPARQL does that work).
    graph_store_url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    auth: str = "basic"
    #: "write" (spacekg keeps the union in the store's default graph), "union"
    #: (the store's default graph is the union already), or a graph IRI (spacekg
    #: keeps the union in that graph and names it as the default graph of queries).
    default_graph: str = "write"
    #: Seconds a load, update or dump request may take.
    timeout: float = 300.0
    #: Most operations per update request when a build is switched in (0: no limit).
    max_update_operations: int = 0
    #: Most published graphs named as named-graph-uri with a GRAPH query (see
    #: remote.Reader.dataset).
    named_graph_limit: int = 1000
    #: Seconds a query may take, and bytes its answer may have.
    query_timeout: float = 30.0
    max_answer_bytes: int = 2048 * 2**20

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteConfig:
        assert isinstance(settings.store, str), "an external store is named by its URL"
        return cls(
            query_url=settings.store,
            update_url=settings.store_update_url or settings.store,
            graph_store_url=settings.store_graph_store_url,
            user=settings.store_user,
            password=settings.store_password,
            auth=settings.store_auth,
            default_graph=settings.store_default_graph,
            timeout=settings.store_timeout,
            max_update_operations=settings.store_update_operations,
            named_graph_limit=settings.store_named_graph_limit,
            query_timeout=settings.query_timeout,
            max_answer_bytes=settings.query_memory_mb * 2**20,
        )

    @property
    def where(self) -> str:
        """The store as messages name it (no credentials ever appear in URLs we log)."""
        return self.query_url


class RemoteError(StoreError):
    """The store answered a request with an HTTP error."""

    def __init__(self, message: str, status: int, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class RequestTimeout(StoreError):
    """A request to the store did not complete in time."""


class Body:
    """A request body spooled to a temporary file: memory stays flat however big it
    grows, and it can be sent again (urllib re-sends after an auth challenge)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def __iter__(self) -> Iterator[bytes]:
        # Each iteration starts over: every send of the request sends the whole body.
        self._file.seek(0)
        while block := self._file.read(_BLOCK):
            yield block

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BoundedReader(io.RawIOBase):
    """An answer's body, read no later than `deadline` (time.monotonic) and no further
    than `max_bytes`; past either, a read raises the error `too_late` / `too_big`
    makes. The socket's own timeout bounds each single read."""

    def __init__(
        self,
        response: HTTPResponse,
        deadline: float,
        max_bytes: int | None,
        too_late: Callable[[], SpacekgError],
        too_big: Callable[[], SpacekgError],
    ) -> None:
        super().__init__()
        self._response = response
        self._deadline = deadline
        self._left = max_bytes
        self._too_late = too_late
        self._too_big = too_big

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if time.monotonic() > self._deadline:
            raise self._too_late()
        view = memoryview(buffer)
        if self._left is not None:
            if self._left <= 0:
                # One byte more than allowed tells a full answer from a cut one.
                if self._response.read(1):
                    raise self._too_big()
                return 0
            view = view[: self._left]
        try:
            count = self._response.readinto(view)
        except TimeoutError:
            raise self._too_late() from None
        except OSError as exc:
            raise StoreError(f"reading the store's answer failed: {exc}") from None
        if self._response.isclosed():
            # Read to its end: a kept-alive connection can serve the next query now.
            self._response.close()
        if self._left is not None:
            self._left -= count
        return count

    def close(self) -> None:
        self._response.close()
        super().close()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the origin (scheme, host, port) asked."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != _origin(req.full_url):
            return None  # urllib then raises the 3xx as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _PooledResponse(HTTPResponse):
    """An answer on a kept-alive connection. Closing it hands the connection back
    (`done`): reusable when the body was read to its end (http.client lets go of
    it there, so it shows as closed before close() is called), else to be closed,
    since the rest of the body is still on the wire."""

    done: Callable[[bool], None] | None = None

    def close(self) -> None:
        read_to_end = self.isclosed()
        super().close()
        done, self.done = self.done, None
        if done is not None:
            done(read_to_end and not self.will_close)


class _KeptAliveHTTP(http.client.HTTPConnection):
    response_class = _PooledResponse


class _KeptAliveHTTPS(http.client.HTTPSConnection):
    response_class = _PooledResponse


_Kind = type[_KeptAliveHTTP] | type[_KeptAliveHTTPS]


class _IdleConnections:
    """Connections waiting for their next request, per (kind, host:port); thread-safe.

    One per process, shared by every Connection: however many readers a process
    makes, it keeps at most `size` idle connections per store, none idle longer
    than `max_idle` seconds (below stores' own keep-alive timeouts: Virtuoso's
    default is 10 s).

    No lock: an answer is often closed by the garbage collector, which can run
    in the middle of any code, this class's included, and a lock taken there
    would deadlock its own thread. The deques' appends and pops are atomic.
    """

    def __init__(self, size: int = IDLE_CONNECTIONS, max_idle: float = MAX_IDLE_SECONDS) -> None:
        self._size = size
        self._max_idle = max_idle
        self._idle: dict[tuple[_Kind, str], deque[tuple[float, http.client.HTTPConnection]]] = {}

    def take(self, key: tuple[_Kind, str]) -> http.client.HTTPConnection | None:
        """An idle connection still open, or None."""
        waiting = self._waiting(key)
        fresh_since = time.monotonic() - self._max_idle
        while True:
            try:
                since, connection = waiting.pop()  # the one used last
            except IndexError:
                return None
            if since >= fresh_since and _still_open(connection):
                return connection
            connection.close()

    def done(
        self, key: tuple[_Kind, str], connection: http.client.HTTPConnection, reusable: bool
    ) -> None:
        """Take `connection` back after an answer: kept when `reusable` and there is room."""
        waiting = self._waiting(key)
        self._expire(waiting)
        if reusable and len(waiting) < self._size:
            waiting.append((time.monotonic(), connection))
        else:
            connection.close()

    def _waiting(self, key: tuple[_Kind, str]) -> deque[tuple[float, http.client.HTTPConnection]]:
        waiting = self._idle.get(key)
        return waiting if waiting is not None else self._idle.setdefault(key, deque())

    def _expire(self, waiting: deque[tuple[float, http.client.HTTPConnection]]) -> None:
        """Close the connections idle too long (the oldest are on the left)."""
        fresh_since = time.monotonic() - self._max_idle
        while waiting and waiting[0][0] < fresh_since:
            try:
                _, connection = waiting.popleft()
            except IndexError:
                return
            connection.close()  # at worst a fresh one another thread just returned

    def count(self, host: str | None = None) -> int:
        """Connections waiting now (to `host`, "name:port", when given)."""
        return sum(
            len(waiting)
            for (_, where), waiting in list(self._idle.items())
            if host is None or where == host
        )

    def close(self) -> None:
        """Close every idle connection."""
        for waiting in list(self._idle.values()):
            while waiting:
                try:
                    _, connection = waiting.pop()
                except IndexError:
                    break
                connection.close()


#: The process's idle connections (see _IdleConnections).
IDLE = _IdleConnections()
atexit.register(IDLE.close)


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """True when an idle connection's socket is open with nothing to read. Anything
    readable on an idle connection is the store closing it (or a stray answer)."""
    if connection.sock is None:
        return False
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return not poller.poll(0)


class _KeepAlive(urllib.request.AbstractHTTPHandler):
    """Sends requests on kept-alive connections from `idle` (see the module
    docstring). Only for requests that may safely be sent twice: a connection the
    store closed while it was idle shows only when the request fails on it."""

    # Ahead of urllib's own handlers, which would close every connection.
    handler_order = urllib.request.HTTPHandler.handler_order - 1

    def __init__(self, idle: _IdleConnections) -> None:
        super().__init__()
        self._idle = idle

    def http_open(self, request: urllib.request.Request) -> HTTPResponse | None:
        return self._send(request, _KeptAliveHTTP)

    def https_open(self, request: urllib.request.Request) -> HTTPResponse | None:
        return self._send(request, _KeptAliveHTTPS)

    def _send(self, request: urllib.request.Request, kind: _Kind) -> HTTPResponse | None:
        # As urllib's AbstractHTTPHandler.do_open, without its "Connection: close".
        if request._tunnel_host:  # type: ignore[attr-defined]
            return None  # https through a proxy's tunnel: left to urllib's own handler
        if not request.host:
            raise urllib.error.URLError("no host given")
        headers = dict(request.unredirected_hdrs)
        headers.update({k: v for k, v in request.headers.items() if k not in headers})
        headers = {name.title(): value for name, value in headers.items()}
        key = (kind, request.host)
        while True:
            connection = self._idle.take(key)
            reused = connection is not None
            if connection is None:
                connection = kind(request.host, timeout=request.timeout)
            else:
                connection.timeout = request.timeout
                assert connection.sock is not None, "an idle connection is open"
                connection.sock.settimeout(request.timeout)
            try:
                connection.request(
                    request.get_method(), request.selector, request.data, headers,
                    encode_chunked=request.has_header("Transfer-encoding"),
                )  # fmt: skip
                response = connection.getresponse()
            except ConnectionError as error:  # http.client's RemoteDisconnected included
                connection.close()
                if reused:
                    continue  # the store closed it while it was idle: once more, on a new one
                raise urllib.error.URLError(error) from None
            except OSError as error:
                connection.close()
                raise urllib.error.URLError(error) from None
            except BaseException:
                connection.close()
                raise
            break
        assert isinstance(response, _PooledResponse)
        response.done = partial(self._idle.done, key, connection)
        response.url = request.get_full_url()
        response.msg = response.reason  # type: ignore[assignment]  # as urllib does
        return response


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class Connection:
    """Requests to one external store (see the module docstring)."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        handlers: list[urllib.request.BaseHandler] = [_SameOriginRedirects()]
        if config.user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {config.query_url, config.update_url, config.graph_store_url} - {""}:
                passwords.add_password(None, url, config.user, config.password)
            handler: urllib.request.BaseHandler = (
                urllib.request.HTTPDigestAuthHandler(passwords)
                if config.auth == "digest"
                else urllib.request.HTTPBasicAuthHandler(passwords)
            )
            handlers.append(handler)
        self._opener = urllib.request.build_opener(*handlers)
        self.idle = IDLE
        self._kept_alive = urllib.request.build_opener(*handlers, _KeepAlive(self.idle))

    def open(
        self,
        request: urllib.request.Request,
        timeout: float,
        what: str,
        *,
        keep_alive: bool = False,
    ) -> HTTPResponse:
        """Send `request`; the response when the store answers 2xx. With
        `keep_alive` (only for requests safe to send twice, as queries are) it goes
        on a kept-alive connection.

        Raises RemoteError (an HTTP error status), RequestTimeout, or
        StoreError when the store cannot be reached.
        """
        opener = self._kept_alive if keep_alive else self._opener
        try:
            response: HTTPResponse = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read(_DETAIL).decode("utf-8", "replace").strip()
            raise _http_error(what, error.code, detail, self.config) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise RequestTimeout(f"{what}: no answer within {timeout:g} s") from None
            raise StoreError(
                f"{what}: cannot reach the store at {self.config.where}: {error.reason}"
            ) from None
        except TimeoutError:
            raise RequestTimeout(f"{what}: no answer within {timeout:g} s") from None
        # ValueError: an auth scheme urllib cannot answer; HTTPException: an answer
        # that is not HTTP as http.client reads it.
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise StoreError(f"{what}: request to {self.config.where} failed: {exc}") from None
        return response

    # --- SPARQL (through SPARQLWrapper) --------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float,
    ) -> HTTPResponse:
        """POST `sparql` (a query) as a form; the open response.

        Raises QueryError when the store refuses the query (400), and as open().
        """
        wrapper = _Wrapper(
            self, self.config.query_url, self.config.query_url, timeout, keep_alive=True
        )
        wrapper.setQuery(sparql)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: Accept decides
        wrapper.addCustomHttpHeader("Accept", accept)
        for iri in default_graph_uris:
            wrapper.addParameter("default-graph-uri", iri)
        for iri in named_graph_uris:
            wrapper.addParameter("named-graph-uri", iri)
        try:
            return wrapper.send("the query")
        except RemoteError as error:
            if error.status == 400:
                raise QueryError(f"the store refused the query: {error.detail}") from None
            raise

    def update(self, text: str, *, timeout: float | None = None) -> None:
        """Run one SPARQL Update request (all its operations). Raises as open()."""
        wrapper = _Wrapper(
            self, self.config.query_url, self.config.update_url, timeout or self.config.timeout
        )
        wrapper.setQuery(text)
        assert wrapper.isSparqlUpdateRequest(), "an update must start with an update operation"
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
        with wrapper.send("an update") as response:
            response.read()

    def update_body(self, body: Body) -> None:
        """Run one SPARQL Update request whose text is `body` (too big for a string):
        the protocol's update via POST directly. Raises as open()."""
        request = urllib.request.Request(
            self.config.update_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/sparql-update; charset=utf-8",
                "Content-Length": str(body.size),
            },
        )
        with self.open(request, self.config.timeout, "an update") as response:
            response.read()

    # --- Graph Store Protocol -------------------------------------------------------

    def graph_url(self, graph: str | None) -> str:
        """The Graph Store URL of `graph` (None: the default graph), indirectly named."""
        query = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
        separator = "&" if "?" in self.config.graph_store_url else "?"
        return f"{self.config.graph_store_url}{separator}{query}"

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add N-Triples to `graph` (Graph Store POST: merged into what it holds)."""
        request = urllib.request.Request(
            self.graph_url(graph),
            data=ntriples,
            method="POST",
            headers={"Content-Type": "application/n-triples; charset=utf-8"},
        )
        with self.open(request, self.config.timeout, f"loading <{graph}>") as response:
            response.read()

    def get_graph(self, graph: str | None) -> HTTPResponse:
        """The open response holding `graph` (None: the default graph) as N-Triples."""
        request = urllib.request.Request(
            self.graph_url(graph), headers={"Accept": "application/n-triples"}
        )
        return self.open(request, self.config.timeout, f"reading <{graph or 'default'}>")


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper sending through a Connection (its opener, auth, timeouts) instead
    of urllib's global opener, and leaving the response to us to read."""

    def __init__(
        self,
        connection: Connection,
        endpoint: str,
        update: str,
        timeout: float,
        *,
        keep_alive: bool = False,
    ):
        super().__init__(endpoint, updateEndpoint=update)
        self._connection = connection
        self._timeout = timeout
        self._keep_alive = keep_alive
        self._what = "a request"

    def send(self, what: str) -> HTTPResponse:
        """Send the request built so far; the open response. Raises as Connection.open()."""
        self._what = what
        response: HTTPResponse = self.query().response
        return response

    def _query(self) -> tuple[HTTPResponse, str]:
        # SPARQLWrapper's one network call: the request it built, sent our way.
        request = self._createRequest()
        response = self._connection.open(
            request, self._timeout, self._what, keep_alive=self._keep_alive
        )
        return response, self.returnFormat


def query_form(sparql: str) -> str | None:
    """The form SPARQLWrapper reads off `sparql` (SELECT, ASK, CONSTRUCT, DESCRIBE, or
    an update operation), or None when the text has none."""
    if not SPARQLWrapper.pattern.search(sparql):
        return None  # SPARQLWrapper would warn and guess SELECT
    wrapper = SPARQLWrapper("http://localhost/")
    wrapper.setQuery(sparql)
    form: str | None = wrapper.queryType
    return form


def _http_error(what: str, status: int, detail: str, config: RemoteConfig) -> RemoteError:
    if status in (401, 403):
        message = (
            f"{what}: the store at {config.where} refused access ({status}); check "
            "store_user, store_password and store_auth"
        )
    elif 300 <= status < 400:
        message = f"{what}: the store redirected elsewhere ({status}); not followed"
    else:
        message = f"{what}: the store at {config.where} answered {status}: {detail[:500]}"
    return RemoteError(message, status, detail)
