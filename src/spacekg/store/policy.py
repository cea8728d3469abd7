"""What a read-only endpoint refuses, and how it says so.

Two kinds of request are refused before or instead of running them:

- SPARQL Update: the engine's query parser rejects it as a syntax error; we
  then ask rdflib's *parser* (nothing is executed) whether the text is an
  update, so the message says "read-only" instead of "expected SELECT".
- SERVICE (federated query): the engine would make HTTP requests to any
  address a client names, from inside our network. A small scanner finds the
  keyword outside strings, IRIs and comments; it errs towards refusing.
"""

from __future__ import annotations

import re

from pyparsing import ParseBaseException
from rdflib.plugins.sparql.parser import parseUpdate

from spacekg.errors import QueryError

# Tokens that may contain the word SERVICE without it being the keyword come
# first, so the scanner skips them whole; then the keyword itself, not part of
# a variable (?service), a prefixed name (ex:service, service:x) or a word.
_SCAN = re.compile(
    r"""
      '''(?:[^'\\]|\\.|'(?!''))*'''
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'
    | "(?:[^"\\\n\r]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
    | (?<!\\)\#[^\n\r]*
    | (?<![\w:?$\\-])(?P<service>SERVICE)(?![\w:.-])
    """,
    re.VERBOSE | re.IGNORECASE,
)


def check_query(sparql: str) -> None:
    """Raise QueryError when the query is empty or asks for something refused."""
    if not sparql.strip():
        raise QueryError("the query is empty")
    if any(match["service"] for match in _SCAN.finditer(sparql)):
        raise QueryError(
            "federated queries (SERVICE) are not allowed: this endpoint only queries its own data"
        )


def syntax_error(sparql: str, exc: SyntaxError) -> QueryError:
    """The QueryError to raise for a query the engine could not parse."""
    if is_update(sparql):
        return update_refused()
    return QueryError(f"SPARQL syntax error: {exc}")


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
