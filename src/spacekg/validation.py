"""SHACL validation of the graph about to be published.

`validate()` checks a graph against `ontology/shapes.ttl` with pySHACL and, when
it does not conform, raises `ValidationError` with a report a person can act on:
one line per violation naming the focus node, the path, the constraint and the
shape's message.

The graph given is asserted + inferred triples: reasoning has already run
(`spacekg.reasoning`), so pySHACL's own inference is off, which also keeps
validation free of owlrl's process-wide side effects.
"""

from __future__ import annotations

import re
from typing import Final

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, SH, NamespaceManager
from rdflib.term import Node

from spacekg.errors import ValidationError
from spacekg.vocab import PREFIXES

__all__ = ["MAX_REPORT_LINES", "validate"]

#: Lines of the report beyond which violations are only counted.
MAX_REPORT_LINES: Final = 50

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
    conforms, results, _ = pyshacl.validate(
        _as_one_graph(data),
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_infos=True,
        allow_warnings=True,
    )
    if conforms:
        return
    report: Graph = results
    lines = sorted(
        _describe(report, result)
        for result in report.subjects(SH.resultSeverity, SH.Violation, unique=True)
    )
    if not lines:
        return
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
