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
- has a timeout on every request.

Bodies that may be large (bulk loads) are `Body` objects: read from a
temporary file in blocks, and readable again when an auth challenge makes
urllib send the request a second time. Answers are read through
`BoundedReader`, which stops a read past a deadline or a byte budget.
"""

from __future__ import annotations

import http.client
import io
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
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
    #: Largest graph a rebuild reads back to send only what changed (0: none).
    diff_triples: int = 5_000_000
    #: Loading requests a build keeps in flight at once (see remote_target._Requests).
    load_requests: int = 2
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
            diff_triples=settings.store_diff_triples,
            load_requests=settings.store_load_requests,
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

    def open(self, request: urllib.request.Request, timeout: float, what: str) -> HTTPResponse:
        """Send `request`; the response when the store answers 2xx.

        Raises RemoteError (an HTTP error status), RequestTimeout, or
        StoreError when the store cannot be reached.
        """
        try:
            response: HTTPResponse = self._opener.open(request, timeout=timeout)
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
        wrapper = _Wrapper(self, self.config.query_url, self.config.query_url, timeout)
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

    def post_graph(self, graph: str | None, ntriples: bytes) -> None:
        """Add N-Triples to `graph` (None: the default graph; a Graph Store POST:
        merged into what it holds)."""
        request = urllib.request.Request(
            self.graph_url(graph),
            data=ntriples,
            method="POST",
            headers={"Content-Type": "application/n-triples; charset=utf-8"},
        )
        what = f"loading <{graph}>" if graph else "loading the default graph"
        with self.open(request, self.config.timeout, what) as response:
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

    def __init__(self, connection: Connection, endpoint: str, update: str, timeout: float):
        super().__init__(endpoint, updateEndpoint=update)
        self._connection = connection
        self._timeout = timeout
        self._what = "a request"

    def send(self, what: str) -> HTTPResponse:
        """Send the request built so far; the open response. Raises as Connection.open()."""
        self._what = what
        response: HTTPResponse = self.query().response
        return response

    def _query(self) -> tuple[HTTPResponse, str]:
        # SPARQLWrapper's one network call: the request it built, sent our way.
        request = self._createRequest()
        return self._connection.open(request, self._timeout, self._what), self.returnFormat


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
