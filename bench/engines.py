"""Real external SPARQL engines, started and stopped by code, for tests and benchmarks.

`oxigraph_server(dir)` runs the `oxigraph` binary from PyPI's `oxigraph`
package; `virtuoso_server(dir)` runs `virtuoso-t` from Debian's
`virtuoso-opensource`. Each context manager starts its engine in its own
directory on free loopback ports, waits until it answers SPARQL, yields an
`Endpoint` (the URLs, credentials and default-graph behaviour a client needs),
and stops the engine afterwards: gracefully when the block ends normally,
with SIGKILL when it raises, so a failing test never leaves a server behind.

    with oxigraph_server(tmp_path) as endpoint:
        endpoint.load_nquads(Path("dump.nq"))
        ...  # SPARQLWrapper(endpoint.query_url, endpoint.update_url)

`available(name)` says whether an engine can run here (None) or why not, so
tests can skip with a stated reason. bench/README.md describes how each engine
is configured and the quirks a client must know.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ENGINES = ("oxigraph", "virtuoso")
LOOPBACK = "127.0.0.1"

# How long an engine may take to answer after it starts: Virtuoso creates its
# database on a first start (about 5 s here); the margin is for a loaded machine.
STARTUP_SECONDS = 180.0
STOP_SECONDS = 60.0

# Virtuoso has no unnamed default graph: quads of N-Quads' default graph go
# into this named graph instead (spacekg's own dumps hold named graphs only).
VIRTUOSO_DEFAULT_GRAPH = "urn:x-spacekg:default-graph"
#: Operations per SPARQL Update request spacekg may send Virtuoso: it refuses ~900 and more.
VIRTUOSO_UPDATE_OPERATIONS = 500

# The Virtuoso account spacekg writes with: a plain SQL user holding only the
# SPARQL_UPDATE role, reached with HTTP digest auth on the *-auth endpoints.
VIRTUOSO_WRITER = "spacekg"


class EngineError(RuntimeError):
    """An engine failed to start, to load data, or to stop."""


@dataclass(frozen=True)
class Endpoint:
    """A running SPARQL engine, as a client sees it.

    `user` and `password` are for updates and Graph Store writes (None when
    the engine is open); `auth` names the HTTP scheme they go with. With
    `union_default_graph` true, a query that names no dataset sees the union
    of all named graphs; otherwise it sees only the (usually empty) default
    graph. `system_graphs` are graphs the engine keeps for itself.
    """

    name: str
    query_url: str
    update_url: str
    graph_store_url: str
    user: str | None
    password: str | None
    auth: Literal["digest"] | None
    union_default_graph: bool
    system_graphs: frozenset[str]
    log: Path
    loader: Callable[[Path], None] = field(repr=False, compare=False)
    #: The engine's server process (for memory figures).
    pid: int | None = None
    #: Most operations one SPARQL Update request may hold (0: no limit known).
    update_operations: int = 0
    #: spacekg's store_diff_triples for this engine (None: spacekg's default).
    diff_triples: int | None = None
    #: What the engine's operator runs after writing a lot (None: nothing).
    settle: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def load_nquads(self, path: Path) -> None:
        """Bulk-load an N-Quads file into the running engine, committed when this returns."""
        self.loader(path)

    def opener(self) -> urllib.request.OpenerDirector:
        """A urllib opener that signs requests with this engine's credentials, if any.

        For Graph Store writes and updates; see `PreemptiveDigestAuthHandler`
        for why plain urllib digest auth is not enough for large bodies.
        """
        handlers: list[urllib.request.BaseHandler] = []
        if self.auth == "digest" and self.user is not None and self.password is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.graph_store_url, self.user, self.password)
            passwords.add_password(None, self.update_url, self.user, self.password)
            handlers.append(PreemptiveDigestAuthHandler(passwords))
        return urllib.request.build_opener(*handlers)


class PreemptiveDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """HTTP digest auth that signs every request up front, large bodies included.

    urllib's handler sends each request unsigned first and signs it only on
    the 401. Virtuoso answers that 401 as soon as it has read the headers and
    closes the connection, so an unsigned body of more than a few hundred KB
    fails with "connection reset" or "broken pipe" while it is still being
    sent (curl avoids this by sending an empty body first). This handler
    fetches a challenge once, with a bodyless GET of the same URL, and signs
    each request from it (RFC 7616 lets a client reuse a nonce, counting up
    `nc`); a stale nonce gets the ordinary 401-and-retry.
    """

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwords)
        self._challenge: Mapping[str, str] | None = None

    def get_authorization(self, req: urllib.request.Request, chal: Mapping[str, str]) -> str | None:
        self._challenge = chal
        return super().get_authorization(req, chal)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if req.has_header(self.auth_header):
            return req
        if self._challenge is None:
            self._challenge = _digest_challenge(req.full_url)
        if self._challenge is not None:
            authorization = super().get_authorization(req, self._challenge)
            if authorization:
                req.add_unredirected_header(self.auth_header, f"Digest {authorization}")
        return req

    https_request = http_request


def _digest_challenge(url: str) -> dict[str, str] | None:
    """The digest challenge `url` answers an unsigned, bodyless GET with, if any."""
    try:
        with urllib.request.build_opener().open(urllib.request.Request(url), timeout=60):
            return None
    except urllib.error.HTTPError as error:
        status, header = error.code, str(error.headers.get("WWW-Authenticate", ""))
        error.close()
    scheme, _, challenge = header.partition(" ")
    if status != 401 or scheme.lower() != "digest":
        return None
    items = urllib.request.parse_http_list(challenge)
    return dict(urllib.request.parse_keqv_list([item for item in items if item]))


def available(name: str) -> str | None:
    """None when engine `name` can run on this machine, else the reason it cannot."""
    if name == "oxigraph":
        if _oxigraph_binary() is None:
            return "the oxigraph server binary is missing (pip install oxigraph: the test extras)"
        return None
    if name == "virtuoso":
        missing = [tool for tool in ("virtuoso-t", "isql-vt") if shutil.which(tool) is None]
        if missing:
            return (
                f"{' and '.join(missing)} not on PATH: Debian's virtuoso-opensource "
                "is not installed (`make unit` installs it)"
            )
        return None
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")


# --- Oxigraph ---------------------------------------------------------------------------


def _oxigraph_binary() -> Path | None:
    # The binary lands beside the interpreter of the venv that installed it,
    # which need not be on PATH when tests run as .venv/bin/pytest.
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    return Path(found) if found else None


@contextmanager
def oxigraph_server(directory: Path, *, union_default_graph: bool = False) -> Iterator[Endpoint]:
    """Run `oxigraph serve` on a store in `directory`, on a free loopback port.

    The server is open (no authentication). `union_default_graph` passes
    `--union-default-graph`, making the union of named graphs the default
    graph of queries that name no dataset.
    """
    binary = _oxigraph_binary()
    if binary is None:
        raise EngineError(str(available("oxigraph")))
    directory = directory.resolve()  # the server runs in it: keep --location absolute
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_ports(1)[0]
    base = f"http://{LOOPBACK}:{port}"
    command = [str(binary), "serve", "--location", str(directory / "store")]
    command += ["--bind", f"{LOOPBACK}:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    log = directory / "oxigraph.log"
    store_url = f"{base}/store"

    def load(path: Path) -> None:
        # `no_transaction` makes the server use its bulk loader, as `oxigraph
        # load` does; the store is locked by the server, so that CLI cannot run.
        _post_file(f"{store_url}?no_transaction", path, "application/n-quads")

    with _running(command, log, f"{base}/query?query=ASK%7B%7D", sql_port=None) as process:
        yield Endpoint(
            name="oxigraph",
            query_url=f"{base}/query",
            update_url=f"{base}/update",
            graph_store_url=store_url,
            user=None,
            password=None,
            auth=None,
            union_default_graph=union_default_graph,
            system_graphs=frozenset(),
            log=log,
            loader=load,
            pid=process.pid,
        )


# --- Virtuoso ---------------------------------------------------------------------------


@contextmanager
def virtuoso_server(directory: Path, *, buffer_mb: int = 512) -> Iterator[Endpoint]:
    """Run `virtuoso-t` in the foreground on a fresh database in `directory`.

    Queries go to the anonymous, read-only `/sparql`; updates and Graph Store
    writes to `/sparql-auth` and `/sparql-graph-crud-auth` as the SQL user
    `spacekg` (role SPARQL_UPDATE only) with HTTP digest auth, as a real
    deployment would do it. At start the `dba` password is changed from its
    well-known default to a random one, and the WebDAV account `dav` is
    disabled. `buffer_mb` sizes the page cache (NumberOfBuffers); the default
    suits the 10,000-article bench.
    """
    for tool in ("virtuoso-t", "isql-vt"):
        if shutil.which(tool) is None:
            raise EngineError(str(available("virtuoso")))
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "load").mkdir(exist_ok=True)
    (directory / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = _free_ports(2)
    ini = directory / "virtuoso.ini"
    ini.write_text(_virtuoso_ini(directory, sql_port, http_port, buffer_mb), encoding="utf-8")
    base = f"http://{LOOPBACK}:{http_port}"
    command = [shutil.which("virtuoso-t") or "virtuoso-t", "+foreground", "+configfile", str(ini)]
    log = directory / "virtuoso.out"
    dba = _Isql(sql_port, "dba", "dba")
    writer_password = secrets.token_urlsafe(16)
    loads = iter(range(1, sys.maxsize))

    def load(path: Path) -> None:
        _virtuoso_load(dba, directory / "load" / str(next(loads)), path)

    with _running(command, log, f"{base}/sparql?query=ASK%7B%7D", sql_port=sql_port) as process:
        admin_password = secrets.token_urlsafe(16)
        dba.run(
            f"DB.DBA.USER_CREATE('{VIRTUOSO_WRITER}', '{writer_password}');\n"
            f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_WRITER}";\n'
            "USER_SET_OPTION('dav', 'DISABLED', 1);\n"
            f"USER_SET_PASSWORD('dba', '{admin_password}');\n"
        )
        dba.password = admin_password
        yield Endpoint(
            name="virtuoso",
            query_url=f"{base}/sparql",
            update_url=f"{base}/sparql-auth",
            graph_store_url=f"{base}/sparql-graph-crud-auth",
            user=VIRTUOSO_WRITER,
            password=writer_password,
            auth="digest",
            union_default_graph=True,
            system_graphs=_graphs(f"{base}/sparql"),
            log=log,
            loader=load,
            pid=process.pid,
            # "Query too large" from about 900 operations (7.2.5): well below it.
            update_operations=VIRTUOSO_UPDATE_OPERATIONS,
            # Reads no graph over a million triples, and reads slower than it loads.
            diff_triples=0,
            # A checkpoint, as after a bulk load: until the next one (CheckpointInterval,
            # 60 min) queries run up to 3× slower on what SPARQL Update wrote.
            settle=lambda: _checkpoint(dba),
        )


def spacekg_settings(endpoint: Endpoint, union_graph: str) -> dict[str, str]:
    """The settings, by name, that make `endpoint` spacekg's external store (as the
    README tells a user). Where the engine's own default graph is a union with
    duplicates (Virtuoso: every graph it holds, its system graphs too), spacekg
    keeps the set union in `union_graph` instead of the default graph."""
    settings = {
        "store": endpoint.query_url,
        "store_update_url": endpoint.update_url,
        "store_graph_store_url": endpoint.graph_store_url,
        "store_user": endpoint.user or "",
        "store_password": endpoint.password or "",
        "store_auth": endpoint.auth or "basic",
        "store_default_graph": union_graph if endpoint.union_default_graph else "write",
        "store_update_operations": str(endpoint.update_operations),
    }
    if endpoint.diff_triples is not None:
        settings["store_diff_triples"] = str(endpoint.diff_triples)
    return settings


def _virtuoso_ini(directory: Path, sql_port: int, http_port: int, buffer_mb: int) -> str:
    """A virtuoso.ini for one throwaway instance: everything in `directory`, loopback only.

    Left out on purpose, unlike Debian's default ini: the [Plugins] (wiki
    renderers spacekg never uses), the mail server, and the VAD directory.
    """
    # Virtuoso's guide: ~118 buffers (8 KB pages plus bookkeeping) per MB.
    buffers = max(buffer_mb * 118, 10000)
    db = directory / "db"
    db.mkdir(exist_ok=True)
    return f"""\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = {LOOPBACK}:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 20
CheckpointInterval   = 60
CaseMode             = 2
; the bulk loader (and any file function) reads only files under this directory
DirsAllowed          = {directory}/load
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {buffers * 3 // 4}
MaxQueryMem          = 1G
; two cores here: more threads per query only contend
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4
AllowOSCalls         = 0
; a build's switch MOVEs whole graphs (the inferred graph: 1.1M triples at
; 10,000 articles) in one transaction; the default 50 MB log image aborts it.
; A 32-bit number: 4000000000 makes every larger write fail.
TransactionAfterImageLimit = 1500000000

[HTTPServer]
ServerPort           = {LOOPBACK}:{http_port}
ServerRoot           = {directory}/vsp
MaxClientConnections = 20
ServerThreads        = 20
MaxKeepAlives        = 20
KeepAliveTimeout     = 10
Charset              = UTF-8
EnabledGzipContent   = 0

[URIQA]
DynamicLocal = 0
DefaultHost  = {LOOPBACK}:{http_port}

[SPARQL]
; Debian's ini cuts every result at 10,000 rows and answers slow queries with
; partial results ("anytime" queries); spacekg applies its own limits instead.
ResultSetMaxRows           = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
"""


@dataclass
class _Isql:
    """Virtuoso's SQL client, `isql-vt`, run as a subprocess against one instance."""

    port: int
    user: str
    password: str

    def run(self, sql: str) -> str:
        """Run `sql` (statements ending in `;`); raise EngineError on any SQL error.

        isql exits 0 even when a statement fails; it prints `*** Error` instead.
        """
        result = subprocess.run(
            ["isql-vt", f"{LOOPBACK}:{self.port}", self.user, self.password],
            input=sql,
            capture_output=True,
            text=True,
            check=False,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in output:
            raise EngineError(f"isql failed (exit {result.returncode}):\n{output.strip()}")
        return result.stdout


def _checkpoint(dba: _Isql) -> None:
    dba.run("checkpoint;\n")


def _virtuoso_load(dba: _Isql, folder: Path, path: Path) -> None:
    """Load one N-Quads file with Virtuoso's bulk loader (ld_add + rdf_loader_run).

    The loader reads only from DirsAllowed, so the file is hard-linked (or
    copied) into a fresh folder under the instance's `load/`. The loader logs
    with transactions off, so a checkpoint makes the data durable; it records
    a parse error in DB.DBA.LOAD_LIST rather than failing, hence the check.
    """
    folder.mkdir(parents=True)
    target = folder / "data.nq"
    try:
        target.hardlink_to(path.resolve())
    except OSError:
        shutil.copyfile(path, target)
    name = str(target).replace("'", "''")
    try:
        dba.run(
            f"DB.DBA.ld_add('{name}', '{VIRTUOSO_DEFAULT_GRAPH}');\n"
            "DB.DBA.rdf_loader_run();\n"
            "checkpoint;\n"
            "CREATE PROCEDURE DB.DBA.SPACEKG_LOAD_ERROR (in f varchar) {\n"
            "  declare e varchar;\n"
            "  e := (SELECT ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = f);\n"
            "  if (e is not null) signal ('22023', e);\n"
            "};\n"
            f"DB.DBA.SPACEKG_LOAD_ERROR('{name}');\n"
        )
    finally:
        target.unlink()


# --- Processes, ports and HTTP ----------------------------------------------------------


def _free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that were free a moment ago.

    All sockets stay open until all are chosen, so the kernel cannot hand
    out the same port twice; another process may still take one before the
    engine binds it, which the engine then reports as a failed start.
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def _running(
    command: list[str], log: Path, probe_url: str, *, sql_port: int | None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command` in the log's folder; wait until `probe_url` answers 200; stop it after.

    The process gets its own session so a Ctrl-C meant for pytest does not
    reach it first; it is stopped with SIGTERM (then SIGKILL) after a clean
    exit from the block, and with SIGKILL at once after an exception.
    """
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    clean = False
    try:
        _wait_until_ready(process, log, probe_url, sql_port)
        yield process
        clean = True
    finally:
        _stop(process, graceful=clean)


def _wait_until_ready(
    process: subprocess.Popen[bytes], log: Path, probe_url: str, sql_port: int | None
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            raise EngineError(
                f"{process.args!r} exited with {process.returncode} before answering:\n"
                + _tail(log)
            )
        if _answers(probe_url) and (sql_port is None or _accepts(sql_port)):
            return
        if time.monotonic() > deadline:
            raise EngineError(
                f"{probe_url} did not answer within {STARTUP_SECONDS:.0f} s:\n" + _tail(log)
            )
        time.sleep(0.1)


def _graphs(query_url: str) -> frozenset[str]:
    """The named graphs an engine holds now: on a fresh Virtuoso, its own.

    Virtuoso keeps ~2,500 triples of its own in graphs such as virtrdf#,
    ldp#, {base}/sparql (its service description) and {base}/DAV/; its default
    graph is the union of every graph, so they show in unrestricted queries.
    """
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = urllib.request.Request(
        f"{query_url}?{urllib.parse.urlencode({'query': query})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        bindings = json.load(response)["results"]["bindings"]
    return frozenset(str(row["g"]["value"]) for row in bindings)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes], *, graceful: bool) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _post_file(url: str, path: Path, content_type: str) -> None:
    """POST a file's bytes to `url`, streamed from disk; raise EngineError unless 2xx."""
    with path.open("rb") as body:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "Content-Length": str(path.stat().st_size)},
        )
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise EngineError(f"POST {url} failed: {error.code} {detail}") from error
