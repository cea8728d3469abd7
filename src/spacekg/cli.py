"""`spacekg`: build, query, dump and serve the knowledge graph from a terminal.

Thin by design: each command parses its flags into settings (flags win over
SPACEKG_* variables, which win over defaults; see config.py), calls one core
function and turns the outcome into output and an exit code. Only spacekg's
own errors become messages (`spacekg: error: ...`, exit 1); anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from spacekg import __version__
from spacekg.config import SETTINGS, Settings, env_name, load_settings
from spacekg.errors import SpacekgError
from spacekg.store import (
    DUMP_FORMATS,
    QueryKind,
    formats_for,
    open_published,
    published_version,
)
from spacekg.store.formats import find_format

PROG = "spacekg"
_SETTINGS = {setting.name: setting for setting in SETTINGS}
_QUERY_FORMATS = list(dict.fromkeys(fmt.name for kind in QueryKind for fmt in formats_for(kind)))
_METAVARS = {"data": "DIR", "store": "PATH|URL", "base": "IRI", "config": "FILE"}
#: How long `serve` keeps an idle connection open, and how many it holds open at
#: once (beyond that it stops accepting until some close).
SERVER_IDLE_SECONDS = 60
SERVER_CONNECTION_LIMIT = 200


class CommandError(SpacekgError):
    """A command cannot do what it was asked (an unreadable query file, say)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 error, 2 nothing published)."""
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.command
    try:
        return command(args)
    except SpacekgError as exc:
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        print(f"{PROG}: error: {first}", file=sys.stderr)
        for line in rest:  # multi-line detail (a SHACL report) follows, indented
            print(f"  {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`spacekg dump | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def build_command(args: argparse.Namespace) -> int:
    """Build and publish; report skipped articles on stderr and a summary on stdout."""
    return _build(_settings(args))


def ingest_command(args: argparse.Namespace) -> int:
    """Add or replace articles in the published graph without rebuilding it: each file
    is read, extracted, reasoned about incrementally, validated and published on its
    own (atomically), and copied into the data folder's articles/ so that a later
    build keeps it. A bad file is reported by name; the others still go in."""
    from spacekg.ingest import Ingester  # extraction and reasoning: only when ingesting

    ingester = Ingester(_settings(args))
    failed = 0
    for path in args.files:
        try:
            done = ingester.ingest_file(path)
        except SpacekgError as exc:
            failed += 1
            first, *rest = str(exc).splitlines() or [type(exc).__name__]
            print(f"{PROG}: not ingested: {first}", file=sys.stderr)
            for line in rest:
                print(f"  {line}", file=sys.stderr)
            continue
        note = f" ({done.note})" if done.note else ""
        print(
            f"{done.status} {done.slug} from {done.source}: {done.triples:,} triples, "
            f"inferred +{done.inferred_added:,} -{done.inferred_removed:,}, "
            f"{done.seconds:.2f}s -> version {done.version}{note}"
        )
    return 1 if failed else 0


def query_command(args: argparse.Namespace) -> int:
    """Print the answer to one query: SPARQL JSON (SELECT/ASK) or Turtle (CONSTRUCT/DESCRIBE)."""
    store = open_published(_settings(args))
    result = store.query(_read_query(args.query))
    data = result.serialize(args.format or formats_for(result.kind)[0])
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.buffer.flush()
    return 0


def dump_command(args: argparse.Namespace) -> int:
    """Write the whole dataset to stdout or, atomically, to --output."""
    store = open_published(_settings(args))
    output: Path | None = args.output
    guessed = find_format(output.suffix.lstrip("."), DUMP_FORMATS) if output else None
    fmt = args.format or (guessed.name if guessed else DUMP_FORMATS[0].name)
    chunks = store.dump(fmt)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    else:
        _write_atomically(output, chunks)
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """Serve the published graph over HTTP, building it first when it is missing or
    older than the data (any article, reference file or ontology changed)."""
    settings = _settings(args)
    if published_version(settings) is None:
        print(f"{PROG}: nothing built at {settings.store} yet: building first", file=sys.stderr)
        _build(settings)
    elif _stale(settings):
        print(f"{PROG}: {settings.data} changed since the last build: rebuilding", file=sys.stderr)
        try:
            _build(settings)
        except SpacekgError as exc:
            # The last good build is still published: serve it, and say why it is old.
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            print(f"{PROG}: serving the previous build", file=sys.stderr)
    # Imported here: the other commands need neither Flask nor waitress.
    import waitress

    from spacekg.web import MAX_REQUEST_BYTES, create_app

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    articles = None
    if settings.ingest_token:
        from spacekg.ingest import Ingester

        articles = Ingester(settings)
    app = create_app(settings, articles=articles)
    try:
        server = waitress.create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident=PROG,
            # waitress reads a whole body (spooling it to disk) before the app
            # sees the request: only its own limit refuses a huge body unread,
            # answering 413 as soon as Content-Length (or a chunk) exceeds it.
            max_request_body_size=MAX_REQUEST_BYTES,
            # Idle keep-alive connections go after a minute; a connection with
            # a request running is never idle, however long its query takes.
            channel_timeout=SERVER_IDLE_SECONDS,
            connection_limit=SERVER_CONNECTION_LIMIT,
            # poll(), unlike select(), is not limited to file descriptors < 1024.
            asyncore_use_poll=True,
        )
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}"
        ) from None
    print(f"{PROG}: SPARQL endpoint at {_endpoint_url(server)}", file=sys.stderr)
    server.run()
    return 0


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _stale(settings: Settings) -> bool:
    from spacekg.build import inputs_fingerprint

    built_from = open_published(settings).metadata.get("inputs")
    return built_from != inputs_fingerprint(settings)


def _build(settings: Settings) -> int:
    from spacekg.build import build  # the heavy part (owlrl, pyshacl): only when building

    progress = _ProgressLine(sys.stderr) if settings.progress and sys.stderr.isatty() else None
    try:
        report = build(settings, progress=progress)
    finally:
        if progress is not None:
            progress.clear()
    for failure in report.failures:
        print(f"{PROG}: skipped {failure}", file=sys.stderr)
    counts = report.counts
    print(
        f"published {report.version}: {len(report.articles)} article(s), "
        f"{len(report.failures)} skipped; {counts.get('asserted', 0):,} asserted and "
        f"{counts.get('inferred', 0):,} inferred triples ({counts.get('noise', 0):,} "
        "reasoner noise triples left out)"
    )
    if report.timings:
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in report.timings.items())
        print(f"took {sum(report.timings.values()):.1f}s: {stages}")
    return 2 if report.failures and not report.articles else 0


class _ProgressLine:
    """One stderr line, rewritten in place as the build advances."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def __call__(self, stage: str, done: int, total: int) -> None:
        self._stream.write(f"\r\x1b[K{stage}: {done}/{total}")
        self._stream.flush()

    def clear(self) -> None:
        self._stream.write("\r\x1b[K")
        self._stream.flush()


def _read_query(source: str) -> str:
    """The query text from `source`: the text itself, `@file.rq`, or `-` for stdin."""
    try:
        if source == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        if source.startswith("@"):
            return Path(source[1:]).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read the query from {source}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"the query in {source} is not UTF-8") from None
    return source


def _write_atomically(path: Path, chunks: Iterable[bytes]) -> None:
    """Write `path` whole or not at all: a failed dump never leaves half a file."""
    # Next to the target, so the final rename stays on one file system; opened
    # with open() rather than tempfile so the file gets the usual permissions.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _endpoint_url(server: object) -> str:
    host = getattr(server, "effective_host", "127.0.0.1")
    port = getattr(server, "effective_port", "")
    return f"http://{host}:{port}/sparql"


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the flags this command was given, then SPACEKG_*, then defaults."""
    return load_settings({name: getattr(args, name, None) for name in _SETTINGS})


# ---------------------------------------------------------------------------
# Argument parsing
# ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Spaceflight news articles in, a linked-data knowledge graph out.",
        epilog="Every setting can also be given as a SPACEKG_<NAME> environment variable.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    build = _command(
        commands, "build", build_command, "build the graph from articles and publish it"
    )
    _add_settings(build, "data", "store", "base")

    ingest = _command(
        commands, "ingest", ingest_command, "add or replace articles without a full rebuild"
    )
    _add_settings(ingest, "data", "store", "base")
    ingest.add_argument("files", metavar="FILE", nargs="+", type=Path, help="article text files")

    query = _command(commands, "query", query_command, "run a SPARQL query against the graph")
    _add_settings(query, "store")
    query.add_argument(
        "--format",
        choices=_QUERY_FORMATS,
        help="result format (default: json for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE)",
    )
    query.add_argument(
        "query", metavar="QUERY", help="the query text, @FILE to read it, - for stdin"
    )

    dump = _command(commands, "dump", dump_command, "write the whole graph in one RDF format")
    _add_settings(dump, "store")
    dump.add_argument(
        "--format",
        choices=[fmt.name for fmt in DUMP_FORMATS],
        help="trig, nq and jsonld keep the named graphs; the others hold their union "
        "(default: from --output's extension, else ttl)",
    )
    dump.add_argument("--output", "-o", type=Path, metavar="FILE", help="file (default: stdout)")

    serve = _command(commands, "serve", serve_command, "serve the graph over HTTP (SPARQL)")
    _add_settings(serve, "host", "port", "store", "data", "base")
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace], int],
    summary: str,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=run.__doc__)
    parser.set_defaults(command=run)
    _add_settings(parser, "config")
    return parser


def _add_settings(parser: argparse.ArgumentParser, *names: str) -> None:
    """One flag per setting, its help taken from the settings table."""
    for name in names:
        setting = _SETTINGS[name]
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            metavar=_METAVARS.get(name, name.upper()),
            help=f"{setting.help.rstrip('.')} (default: {setting.default}; env: {env_name(name)})",
        )
