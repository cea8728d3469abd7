"""SHACL validation of the graph about to be published.

`validate()` checks a graph against `ontology/shapes.ttl` with pySHACL and, when
it does not conform, raises `ValidationError` with a report a person can act on:
one line per violation naming the focus node, the path, the constraint and the
shape's message.

The graph given is asserted + inferred triples: reasoning has already run
(`spacekg.reasoning`), so pySHACL's own inference is off, which also keeps
validation free of owlrl's process-wide side effects.

`validate_triples()` gives the same verdict and the same report for a build's
triples, in time linear in them. pySHACL costs tens of microseconds per value
node checked (nested shapes such as `sh:node skgsh:Text` run a whole shape per
value): 14 s at 1,000 articles, six minutes at 10,000. So a screen
(`spacekg.shacl_screen`) first checks every focus node against the shapes with
plain lookups, and answers only "surely conforms" or "may violate"; pySHACL
then validates the nodes that may violate, each with every triple its shapes
read (its neighbourhood), and reports on them. A node the screen passes has
no violation (tests/test_validation_scale.py holds the two ways equal,
violation by violation); the report is pySHACL's, word for word.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Final

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, SH, NamespaceManager
from rdflib.term import Node

from spacekg.errors import ValidationError
from spacekg.shacl_screen import Screen, TripleIndex
from spacekg.vocab import PREFIXES

__all__ = ["MAX_REPORT_LINES", "RECHECK_BATCH", "validate", "validate_triples"]

Triple = tuple[Node, Node, Node]

#: Lines of the report beyond which violations are only counted.
MAX_REPORT_LINES: Final = 50
#: Focus nodes the screen could not pass, handed to pySHACL at once (with
#: their neighbourhoods): fewer calls, each on a graph of modest size.
RECHECK_BATCH: Final = 2_000

# Paths and constraint components read better as prefixed names; shapes are
# under our own namespace, so add it and SHACL's to the published prefixes.
_PREFIXES: Final[dict[str, str]] = {
    **PREFIXES,
    "sh": str(SH),
    "skgsh": "https://w3id.org/spacekg/shapes#",
}
_LOCAL_NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_NAMESPACES: Final = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
for _prefix, _namespace in _PREFIXES.items():
    _NAMESPACES.bind(_prefix, _namespace)


def validate(data: Graph, shapes: Graph) -> None:
    """Return quietly when `data` meets every shape in `shapes`; raise `ValidationError` otherwise.

    Only sh:Violation results fail validation; warnings and infos do not. The
    error's `report` has one line per violation, sorted, at most
    `MAX_REPORT_LINES` of them followed by a count of the rest, and its
    `violations` is the total number. A Dataset is validated as the union of
    its graphs, the way the SPARQL default graph shows it.
    """
    _raise_for(_violations(_as_one_graph(data), shapes))


def validate_triples(triples: Iterable[Triple], shapes: Graph) -> None:
    """What `validate()` says of the graph of `triples` (each given once), at scale.

    Raises the same `ValidationError`, with the same report, or returns
    quietly. Shapes that use SHACL features the screen does not know are
    validated by pySHACL over the whole graph, as `validate()` would.
    """
    index = TripleIndex(triples)
    screen = Screen(shapes)
    if screen.unsupported:
        graph = Graph()
        graph += index.triples()
        validate(graph, shapes)
        return
    suspects = screen.suspects(index)
    lines: list[str] = []
    for start in range(0, len(suspects), RECHECK_BATCH):
        batch = suspects[start : start + RECHECK_BATCH]
        graph = Graph()
        graph += screen.neighbourhood(index, batch)
        # The neighbourhood also holds nodes with only part of their triples
        # (a speaker, with its types alone): their results are not real.
        lines += _violations(graph, shapes, focus=set(batch))
    _raise_for(lines)


def _violations(data: Graph, shapes: Graph, focus: Collection[Node] | None = None) -> list[str]:
    """One line per sh:Violation pySHACL finds in `data` (on a node of `focus`, if given)."""
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_infos=True,
        allow_warnings=True,
    )
    if conforms:
        return []
    report: Graph = results
    # The report's own results only: a sh:node result carries the nested
    # shape's results as sh:detail (with the value as their focus node), and
    # those are part of that one violation, not violations of their own.
    return [
        _describe(report, result)
        for result in report.objects(None, SH.result, unique=True)
        if (result, SH.resultSeverity, SH.Violation) in report
        and (focus is None or report.value(result, SH.focusNode) in focus)
    ]


def _raise_for(violations: list[str]) -> None:
    if not violations:
        return
    lines = sorted(violations)
    shown = lines[:MAX_REPORT_LINES]
    if len(lines) > MAX_REPORT_LINES:
        shown.append(f"… and {len(lines) - MAX_REPORT_LINES} more violation(s)")
    raise ValidationError("\n".join(shown), len(lines))


def _as_one_graph(data: Graph) -> Graph:
    # pySHACL validates each graph of a Dataset on its own, but statements,
    # their speakers and the inferred types live in different named graphs.
    if not isinstance(data, ConjunctiveGraph):
        return data
    union = Graph()
    union += ((s, p, o) for s, p, o, _ in data.quads((None, None, None, None)))
    return union


def _describe(report: Graph, result: Node) -> str:
    """`<focus> path (Constraint, value v): message` for one validation result."""
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    component = report.value(result, SH.sourceConstraintComponent)
    value = report.value(result, SH.value)

    where = _term(focus) if focus is not None else "(no focus node)"
    if path is not None:
        where += f" {_path(report, path)}"
    constraint = _constraint_name(component)
    if value is not None:
        constraint += f", value {_term(value)}"
    return f"{where} ({constraint}): {_message(report, result)}"


def _message(report: Graph, result: Node) -> str:
    # A shape may give its message in several languages; English (or untagged) first.
    messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    if not messages:
        return "no message"
    messages.sort(key=lambda m: (m.language not in (None, "en"), str(m)))
    return " ".join(str(messages[0]).split())


def _constraint_name(component: Node | None) -> str:
    if component is None:
        return "constraint"
    name = _term(component)
    # sh:MinCountConstraintComponent reads as MinCount.
    return name.removeprefix("sh:").removesuffix("ConstraintComponent")


def _term(node: Node) -> str:
    """An IRI as a prefixed name for vocabulary, in full for resources; other terms as N3."""
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, namespace in _PREFIXES.items():
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and _LOCAL_NAME_RE.match(local):
                return f"{prefix}:{local}"
        return f"<{iri}>"
    if isinstance(node, Literal):
        return node.n3(_NAMESPACES)
    return str(node.n3())


def _path(report: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return _term(path)
    if report.value(path, RDF.first) is not None:
        return "/".join(_path(report, step) for step in report.items(path))
    for predicate, wrap in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = report.value(path, predicate)
        if inner is not None:
            return wrap.format(_path(report, inner))
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(report, p) for p in report.items(alternatives)) + ")"
    return _term(path)
