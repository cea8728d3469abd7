"""A fast, one-sided SHACL check: which focus nodes *may* violate a shapes graph.

pySHACL is exact but slow at scale (see `spacekg.validation`). `Screen` reads
the shapes graph once and checks each focus node with dictionary lookups. Its
only promise is one-sided: when it passes a node, pySHACL finds no violation
on that node. When it cannot be sure (a failed constraint, or a case it does
not model, such as comparing dates) the node is a suspect, and
`validation.validate_triples` asks pySHACL about it. So a screen that is too
strict costs time, never correctness; a screen that passed a violating node
would be a bug, and tests/test_validation_scale.py looks for one constraint by
constraint.

What pySHACL reads to validate a node is known from the shapes: every triple
of the node, and along each property path, what the constraints on the values
read (`sh:class`: the value's types; `sh:node`: what that shape reads, one
step further). `Screen.neighbourhood()` collects exactly that, so pySHACL on
the neighbourhood says of a node what it says on the whole graph.

Modelled (the SHACL Core features ontology/shapes.ttl uses, and their close
kin): targets sh:targetClass (and implicit class targets), sh:targetSubjectsOf
and sh:targetNode; predicate paths; sh:minCount, sh:maxCount, sh:datatype,
sh:nodeKind, sh:class, sh:pattern, sh:uniqueLang, sh:minInclusive,
sh:maxInclusive, sh:minExclusive, sh:maxExclusive, sh:lessThan, sh:in,
sh:hasValue, sh:node, sh:property, sh:or and sh:and. Anything else in the sh:
namespace (another path or target kind, sh:sparql, sh:closed, ...) makes the
screen `unsupported`, and the caller validates the whole graph with pySHACL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

__all__ = ["Screen", "TripleIndex"]

Triple = tuple[Node, Node, Node]
Path = tuple[Node, ...]
#: A constraint as a test: (index, focus node, value nodes) -> surely satisfied.
Check = Callable[["TripleIndex", Node, list[Node]], bool]

_TYPE: Final = RDF.type
_SUBCLASS: Final = RDFS.subClassOf

#: sh: predicates that say nothing about what conforms.
_INERT: Final = frozenset(
    {
        SH.name,
        SH.description,
        SH.message,
        SH.order,
        SH.group,
        SH.severity,
        SH.defaultValue,
        # A deactivated shape never fails in pySHACL; checking it anyway is only stricter.
        SH.deactivated,
        SH.targetClass,
        SH.targetSubjectsOf,
        SH.targetNode,
        SH.path,
    }
)
_SHAPE_TYPES: Final = frozenset({SH.NodeShape, SH.PropertyShape})
_CLASS_TYPES: Final = frozenset({RDFS.Class, OWL.Class})
_ORDER: Final[dict[Node, Callable[[int], bool]]] = {
    SH.minInclusive: lambda c: c >= 0,
    SH.maxInclusive: lambda c: c <= 0,
    SH.minExclusive: lambda c: c > 0,
    SH.maxExclusive: lambda c: c < 0,
}
_KINDS: Final[dict[type, frozenset[Node]]] = {
    URIRef: frozenset({SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI}),
    BNode: frozenset({SH.BlankNode, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral}),
    Literal: frozenset({SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral}),
}
# pySHACL's check that a literal's value has the datatype's Python type.
_PYTHON_TYPES: Final[dict[Node, type | tuple[type, ...]]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: date,
    XSD.time: time,
    XSD.dateTime: datetime,
}


class TripleIndex:
    """Triples by subject, then predicate: what the screen and the neighbourhoods look up.

    The triples must come once each (a set, or disjoint sets chained).
    """

    def __init__(self, triples: Iterable[Triple]) -> None:
        spo: dict[Node, dict[Node, list[Node]]] = {}
        subclass: list[Triple] = []
        for triple in triples:
            s, p, o = triple
            by_predicate = spo.get(s)
            if by_predicate is None:
                spo[s] = {p: [o]}
            else:
                objects = by_predicate.get(p)
                if objects is None:
                    by_predicate[p] = [o]
                else:
                    objects.append(o)
            if p == _SUBCLASS:
                subclass.append(triple)
        self.spo = spo
        #: The data's own rdfs:subClassOf triples: pySHACL follows them for
        #: sh:targetClass and sh:class.
        self.subclass = subclass

    def __len__(self) -> int:
        return sum(len(objects) for po in self.spo.values() for objects in po.values())

    def triples(self) -> Iterator[Triple]:
        for s, by_predicate in self.spo.items():
            for p, objects in by_predicate.items():
                for o in objects:
                    yield s, p, o

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        by_predicate = self.spo.get(subject)
        return by_predicate.get(predicate, []) if by_predicate else []

    def classes(self, node: Node) -> set[Node]:
        """The node's types and, through the data's subClassOf triples, their superclasses."""
        found = set(self.objects(node, _TYPE))
        if self.subclass:
            todo = list(found)
            while todo:
                for parent in self.objects(todo.pop(), _SUBCLASS):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
        return found


class _Shape:
    """One shape, compiled: its path (None for a node shape) and its constraints as checks."""

    def __init__(self, node: Node, path: Node | None) -> None:
        self.node = node
        self.path = path
        self.checks: list[Check] = []
        #: Paths (from the focus node) along which the constraints read the data.
        self.reads: set[Path] = set()

    def surely_conforms(self, index: TripleIndex, focus: Node) -> bool:
        values = [focus] if self.path is None else index.objects(focus, self.path)
        return all(check(index, focus, values) for check in self.checks)


class Screen:
    """The shapes of one shapes graph, compiled for `suspects()` and `neighbourhood()`.

    `unsupported` lists what the screen cannot model (empty when it can
    screen for these shapes).
    """

    def __init__(self, shapes: Graph) -> None:
        self.sg = shapes
        self.unsupported: list[str] = []
        self._compiled: dict[Node, _Shape] = {}
        self._compiling: set[Node] = set()
        self.by_class: dict[Node, list[_Shape]] = {}
        self.by_subject_of: dict[Node, list[_Shape]] = {}
        self.by_node: dict[Node, list[_Shape]] = {}
        roots: set[Node] = set()
        for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetNode):
            roots.update(shapes.subjects(target, None))
        implicit = {
            s
            for s in shapes.subjects(RDF.type, None)
            if set(shapes.objects(s, RDF.type)) & _SHAPE_TYPES
            and set(shapes.objects(s, RDF.type)) & _CLASS_TYPES
        }
        for kind in (SH.targetObjectsOf, SH.target):
            for node in shapes.subjects(kind, None):
                self.unsupported.append(f"{node} uses {kind}")
        for root in roots | implicit:
            root_shape = self._shape(root)
            for cls in shapes.objects(root, SH.targetClass):
                self.by_class.setdefault(cls, []).append(root_shape)
            if root in implicit:
                self.by_class.setdefault(root, []).append(root_shape)
            for predicate in shapes.objects(root, SH.targetSubjectsOf):
                self.by_subject_of.setdefault(predicate, []).append(root_shape)
            for node in shapes.objects(root, SH.targetNode):
                self.by_node.setdefault(node, []).append(root_shape)
        # pySHACL reads what selects a node as well as what its shapes read.
        self.reads: set[Path] = {(_TYPE,)} | {(p,) for p in self.by_subject_of}
        for compiled in self._compiled.values():
            self.reads |= compiled.reads

    # -- screening ---------------------------------------------------------

    def suspects(self, index: TripleIndex) -> list[Node]:
        """Every focus node the screen cannot pass, each once."""
        found: list[Node] = []
        by_class, by_subject_of = self.by_class, self.by_subject_of
        for node, by_predicate in index.spo.items():
            shapes: set[_Shape] = set()
            types = by_predicate.get(_TYPE)
            if types:
                classes = index.classes(node) if index.subclass else types
                for cls in classes:
                    shapes.update(by_class.get(cls, ()))
            for predicate in by_predicate:
                shapes.update(by_subject_of.get(predicate, ()))
            shapes.update(self.by_node.get(node, ()))
            if not all(shape.surely_conforms(index, node) for shape in shapes):
                found.append(node)
        for node, targeting in self.by_node.items():
            if node not in index.spo and not all(s.surely_conforms(index, node) for s in targeting):
                found.append(node)
        return found

    def neighbourhood(self, index: TripleIndex, nodes: Iterable[Node]) -> Iterator[Triple]:
        """Every triple pySHACL may read to validate `nodes`: all of each node's
        triples, the triples along the paths the shapes read, and the data's
        subClassOf triples. A triple may come more than once."""
        deep = [path for path in self.reads if len(path) > 1]
        for node in nodes:
            for predicate, objects in index.spo.get(node, {}).items():
                for o in objects:
                    yield node, predicate, o
            for path in deep:
                frontier = index.objects(node, path[0])
                for step in path[1:]:
                    reached: list[Node] = []
                    for subject in frontier:
                        for o in index.objects(subject, step):
                            yield subject, step, o
                            reached.append(o)
                    frontier = reached
        yield from index.subclass

    # -- compiling ---------------------------------------------------------

    def _shape(self, node: Node) -> _Shape:
        compiled = self._compiled.get(node)
        if compiled is not None:
            return compiled
        if node in self._compiling:
            self.unsupported.append(f"{node} refers to itself (recursive shapes)")
            return _Shape(node, None)
        self._compiling.add(node)
        path = self.sg.value(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            self.unsupported.append(f"{node} has a path other than a predicate")
        shape = _Shape(node, path)
        value_reads: set[Path] = set()
        for predicate, value in self.sg.predicate_objects(node):
            if not str(predicate).startswith(str(SH)) or predicate in _INERT:
                continue
            compiled_check = self._check(node, predicate, value, value_reads, shape)
            if compiled_check is None:
                self.unsupported.append(f"{node} uses {predicate}")
            else:
                shape.checks.append(compiled_check)
        prefix: Path = (path,) if path is not None else ()
        if prefix:
            shape.reads.add(prefix)
        shape.reads |= {prefix + r for r in value_reads}
        self._compiling.discard(node)
        self._compiled[node] = shape
        return shape

    def _check(
        self, node: Node, predicate: Node, value: Node, value_reads: set[Path], shape: _Shape
    ) -> Check | None:
        """The check for one constraint parameter, or None when the screen cannot model it.
        Adds to `value_reads` the paths, from each value node, that pySHACL reads."""
        if predicate in (SH.minCount, SH.maxCount):
            return _count_check(predicate, value)
        if predicate == SH.datatype:
            return lambda _i, _f, values: all(_has_datatype(v, value) for v in values)
        if predicate == SH.nodeKind:
            return lambda _i, _f, values: all(value in _KINDS[_kind(v)] for v in values)
        if predicate == SH["class"]:
            value_reads.add((_TYPE,))
            return lambda index, _f, values: all(
                not isinstance(v, Literal) and value in index.classes(v) for v in values
            )
        if predicate == SH.pattern:
            if self.sg.value(node, SH.flags) is not None:
                return None
            regex = re.compile(str(value))
            return lambda _i, _f, values: all(
                not isinstance(v, BNode) and regex.search(_string(v)) is not None for v in values
            )
        if predicate == SH.uniqueLang:
            if not isinstance(value, Literal) or value.value not in (True, False):
                return None
            unique = bool(value.value)
            return lambda _i, _f, values: not unique or _unique_languages(values)
        if predicate in _ORDER:
            accept = _ORDER[predicate]
            return lambda _i, _f, values: all(
                (c := _compare(v, value)) is not None and accept(c) for v in values
            )
        if predicate == SH.lessThan:
            shape.reads.add((value,))
            return lambda index, focus, values: all(
                (c := _compare(v, w)) is not None and c < 0
                for v in values
                for w in index.objects(focus, value)
            )
        if predicate == SH["in"]:
            allowed = set(Collection(self.sg, value))
            return lambda _i, _f, values: all(v in allowed for v in values)
        if predicate == SH.hasValue:
            return lambda _i, _f, values: value in values
        if predicate in (SH.node, SH.property):
            nested = self._shape(value)
            value_reads.update(nested.reads)
            return lambda index, _f, values: all(nested.surely_conforms(index, v) for v in values)
        if predicate in (SH["or"], SH["and"]):
            members = [self._shape(member) for member in Collection(self.sg, value)]
            for member in members:
                value_reads.update(member.reads)
            combine = any if predicate == SH["or"] else all
            return lambda index, _f, values: all(
                combine(m.surely_conforms(index, v) for m in members) for v in values
            )
        return None


def _count_check(predicate: Node, value: Node) -> Check | None:
    if not isinstance(value, Literal) or not isinstance(value.value, int):
        return None
    bound: int = value.value
    if predicate == SH.minCount:
        return lambda _i, _f, values: len(values) >= bound
    return lambda _i, _f, values: len(values) <= bound


def _kind(node: Node) -> type:
    if isinstance(node, Literal):
        return Literal
    return BNode if isinstance(node, BNode) else URIRef


def _has_datatype(v: Node, datatype: Node) -> bool:
    """pySHACL's sh:datatype test (DatatypeConstraintComponent), case by case."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == datatype:
        return v.ill_typed is not True and _python_type_fits(v, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype:
        return v.datatype is not None
    if v.datatype is None and v.language is None and datatype == XSD.string:
        return _python_type_fits(v, datatype)
    if datatype == RDF.langString and v.language:
        return _python_type_fits(v, datatype)
    return False


def _python_type_fits(v: Literal, datatype: Node) -> bool:
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(v.value, expected)


def _string(v: Node) -> str:
    """The text pySHACL matches sh:pattern against."""
    if (
        isinstance(v, Literal)
        and v.value is not None
        and v.datatype in (None, RDF.langString, XSD.string)
    ):
        return str(v.value)
    return str(v)


def _unique_languages(values: list[Node]) -> bool:
    seen: set[str] = set()
    for v in values:
        if isinstance(v, Literal) and v.language:
            tag = v.language.lower()
            if tag in seen:
                return False
            seen.add(tag)
    return True


def _compare(left: Node, right: Node) -> int | None:
    """-1, 0 or 1 for two numeric literals; None (not sure) for anything else."""
    numbers = []
    for node in (left, right):
        if not isinstance(node, Literal) or node.ill_typed is True:
            return None
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return None
        numbers.append(value)
    a, b = numbers
    return (a > b) - (a < b)
