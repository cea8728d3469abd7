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
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

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
    refused = [t for t in service_targets(sparql) if t not in allowed_services]
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


def service_targets(sparql: str) -> list[str]:
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
    targets = [str(term) if isinstance(term, URIRef) else f"?{term}" for term in _services(algebra)]
    # The scanner found the keyword: if the parser found no target, refuse rather than trust it.
    return targets or ["(unreadable)"]


@dataclass
class GraphUse:
    """Which graphs a query reads, as rdflib's parser reads it."""

    #: The IRIs its GRAPH patterns name.
    iris: set[str] = field(default_factory=set)
    #: Some GRAPH pattern has a variable.
    variables: bool = False
    #: Some triple pattern (or a DESCRIBE) reads the default graph.
    default_graph: bool = False


def graph_use(sparql: str) -> GraphUse | None:
    """Which graphs the query reads; None when it cannot be read here."""
    try:
        algebra = translateQuery(parseQuery(sparql)).algebra
    except Exception:  # as in service_targets: unreadable is the cautious answer
        return None
    use = GraphUse()
    _read_graphs(algebra, use, inside_graph=False)
    return use


def _read_graphs(node: Any, use: GraphUse, *, inside_graph: bool) -> None:
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
