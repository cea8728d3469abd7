"""What a read-only endpoint refuses, and how it says so.

Two kinds of request are refused before or instead of running them:

- SPARQL Update: the engine's query parser rejects it as a syntax error; we
  then ask rdflib's *parser* (nothing is executed) whether the text is an
  update, so the message says "read-only" instead of "expected SELECT".
- SERVICE (federated query): the engine would make HTTP requests to any
  address a client names, from inside our network. A small scanner finds the
  keyword outside strings, IRIs and comments; it errs towards refusing. Only
  when an allowlist is configured is the query parsed (by rdflib, nothing
  executed) to read each SERVICE target, and every target must then be an IRI
  on the list: a variable or anything unreadable is refused.

What rdflib's parser reads of a query (its SERVICE targets, the graphs it
reads) is remembered for the last `READ_MEMORY` query texts: parsing costs
1-30 ms, more than most queries take to run, and an endpoint is sent the same
texts again and again (as an engine keeps its compiled queries).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, Generic, TypeVar

from pyparsing import ParseBaseException
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

from spacekg.errors import QueryError

# Tokens that may contain the word SERVICE without it being the keyword come
# first, so the scanner skips them whole; then the keyword itself, not part of
# a variable (?service), a prefixed name (ex:service, service:x) or a word.
# FROM and GRAPH are scanned the same way, for names_dataset() and uses_graphs().
_SCAN = re.compile(
    r"""
      '''(?:[^'\\]|\\.|'(?!''))*'''
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'
    | "(?:[^"\\\n\r]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
    | (?<!\\)\#[^\n\r]*
    | (?<![\w:?$\\-])(?P<service>SERVICE)(?![\w:.-])
    | (?<![\w:?$\\-])(?P<from>FROM)(?![\w:.-])
    | (?<![\w:?$\\-])(?P<graph>GRAPH)(?![\w:.-])
    """,
    re.VERBOSE | re.IGNORECASE,
)


#: Where the engine's syntax errors say they happened: "error at 3:17: ...".
_POSITION = re.compile(r"\bat (\d+):(\d+)\b")
#: The character classes the engine lists among what it expected, such as
#: ['0'..='9'] or a long ['A' ..= 'Z' | 'a' ..= 'z' | '\u{00C0}'..='\u{00D6}' | ...].
_CHAR_CLASS = re.compile(r"\[[^\[\]]*\.\.=[^\[\]]*\]")


def check_query(sparql: str, allowed_services: Collection[str] = ()) -> None:
    """Raise QueryError when the query is empty or asks for something refused:
    a SERVICE whose target is not one of `allowed_services` (all, by default)."""
    if not sparql.strip():
        raise QueryError("the query is empty")
    if not any(match["service"] for match in _SCAN.finditer(sparql)):
        return
    if not allowed_services:
        raise QueryError(
            "federated queries (SERVICE) are not allowed: this endpoint only queries its own data"
        )
    refused = [t for t in _service_targets.read(sparql) if t not in allowed_services]
    if refused:
        raise QueryError(
            f"federated queries (SERVICE) may only name these endpoints: "
            f"{', '.join(sorted(allowed_services))}; not {', '.join(refused)}"
        )


def names_dataset(sparql: str) -> bool:
    """True when the query has a FROM or FROM NAMED clause of its own (the keyword
    outside strings, IRIs and comments); errs towards True."""
    return any(match["from"] for match in _SCAN.finditer(sparql))


def uses_graphs(sparql: str) -> bool:
    """True when the query has a GRAPH pattern (the keyword outside strings, IRIs and
    comments), so its named graphs matter; errs towards True."""
    return any(match["graph"] for match in _SCAN.finditer(sparql))


#: How many query texts' readings are remembered (a digest and a small answer each).
READ_MEMORY = 1024

_T = TypeVar("_T")


class Remembered(Generic[_T]):
    """What `read` answers for the last `size` query texts read, by a digest of
    the text (a text may be megabytes). Thread-safe; two threads reading the same
    new text may both read it."""

    def __init__(self, read: Callable[[str], _T], size: int = READ_MEMORY) -> None:
        self._read = read
        self._size = size
        self._answers: OrderedDict[bytes, _T] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, sparql: str) -> _T:
        key = blake2b(sparql.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = self._read(sparql)  # an exception is not remembered
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer


def service_targets(sparql: str) -> tuple[str, ...]:
    """The SERVICE targets of `sparql` as written (an IRI, or `?var` for a variable).

    Parsed, never executed. Raises QueryError when the query cannot be parsed,
    so a query the scanner flagged is never let through unread.
    """
    try:
        algebra = translateQuery(parseQuery(sparql)).algebra
    # rdflib raises ParseException for syntax, plain Exception for an unknown prefix;
    # either way the answer is a refusal, so nothing unread gets through.
    except Exception as exc:
        raise QueryError(f"cannot read the SERVICE targets of this query: {exc}") from None
    targets = tuple(
        str(term) if isinstance(term, URIRef) else f"?{term}" for term in _services(algebra)
    )
    # The scanner found the keyword: if the parser found no target, refuse rather than trust it.
    return targets or ("(unreadable)",)


_service_targets = Remembered(service_targets)


@dataclass(frozen=True)
class GraphUse:
    """Which graphs a query reads, as rdflib's parser reads it."""

    #: The IRIs its GRAPH patterns name.
    iris: frozenset[str] = frozenset()
    #: Some GRAPH pattern has a variable.
    variables: bool = False
    #: Some triple pattern (or a DESCRIBE) reads the default graph.
    default_graph: bool = False


def graph_use(sparql: str) -> GraphUse | None:
    """Which graphs the query reads; None when it cannot be read here. Remembered
    (see the module docstring)."""
    return _graph_use.read(sparql)


def _read_graph_use(sparql: str) -> GraphUse | None:
    try:
        algebra = translateQuery(parseQuery(sparql)).algebra
    except Exception:  # as in service_targets: unreadable is the cautious answer
        return None
    use = _GraphReading()
    _read_graphs(algebra, use, inside_graph=False)
    return GraphUse(frozenset(use.iris), use.variables, use.default_graph)


_graph_use = Remembered(_read_graph_use)


class _GraphReading:
    """A GraphUse while the parse tree is read."""

    def __init__(self) -> None:
        self.iris: set[str] = set()
        self.variables = False
        self.default_graph = False


def _read_graphs(node: Any, use: _GraphReading, *, inside_graph: bool) -> None:
    if isinstance(node, dict):  # rdflib's CompValue is a dict
        name = getattr(node, "name", None)
        # Algebra names, and the parse tree's for what rdflib leaves untranslated
        # (the pattern of FILTER EXISTS).
        if name in ("Graph", "GraphGraphPattern"):
            term = node["term"]
            if isinstance(term, URIRef):
                use.iris.add(str(term))
            else:
                use.variables = True
            inside_graph = True
        elif (name in ("BGP", "TriplesBlock") and node.get("triples") and not inside_graph) or (
            name == "DescribeQuery"
        ):
            use.default_graph = True
        for value in node.values():
            _read_graphs(value, use, inside_graph=inside_graph)
    elif isinstance(node, list | tuple):
        for value in node:
            _read_graphs(value, use, inside_graph=inside_graph)


def _services(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):  # rdflib's CompValue is a dict
        if getattr(node, "name", None) == "ServiceGraphPattern":
            yield node["term"]
        for value in node.values():
            yield from _services(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _services(value)


def syntax_error(sparql: str, exc: SyntaxError) -> QueryError:
    """The QueryError to raise for a query the engine could not parse, with the
    position of the error when the engine named it."""
    if is_update(sparql):
        return update_refused()
    # [_] (any other character) says nothing a reader can use.
    message = _CHAR_CLASS.sub(_char_class_name, str(exc)).replace(", [_]", "")
    found = _POSITION.search(message)
    if found is None:
        return QueryError(f"SPARQL syntax error: {message}")
    line, column = int(found[1]), int(found[2])
    detail = message[found.end() :].lstrip(": ")
    lines = sparql.splitlines()
    ended = line > len(lines) or (line == len(lines) and column > len(lines[-1].rstrip()))
    where = f"line {line}, column {column}" + (" (the end of the query)" if ended else "")
    return QueryError(f"SPARQL syntax error at {where}: {detail}", (line, column))


def _char_class_name(found: re.Match[str]) -> str:
    return "a digit" if found[0].startswith("['0'") else "a letter"


def update_refused() -> QueryError:
    """The QueryError for any attempt to update the graph."""
    return QueryError(
        "SPARQL updates are not allowed: the knowledge graph is read-only "
        "(it changes only when it is rebuilt from its articles)"
    )


def is_update(sparql: str) -> bool:
    """True when `sparql` parses as a SPARQL Update with at least one operation."""
    try:
        parsed = parseUpdate(sparql)
    except ParseBaseException:
        return False
    # A prologue alone (PREFIX lines, or nothing) is a valid, empty update.
    return "request" in parsed
