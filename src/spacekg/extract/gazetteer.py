"""The reference gazetteer as a matcher: names to entities, in one pass over text.

Built from the curated reference graph (data/reference/) plus the ontology's
class hierarchy. Names are rdfs:label, skos:altLabel and skos:hiddenLabel
(inflected forms); account handles come from skg:handle.

Case rules: a name with no lower-case letters ("ESA", "РОСКОСМОС") is an
acronym or a shouted name and matches only in exactly that case; a one-word
name matches only with its first letter's case as written ("Hope" is not
"hope"); longer names match in any case ("the red planet").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from spacekg.extract.text import fold, is_spaceless_script
from spacekg.vocab import SKG

NAME_PREDICATES = {RDFS.label: "label", SKOS.altLabel: "alt", SKOS.hiddenLabel: "hidden"}


@dataclass(frozen=True)
class Entry:
    """One named thing: its IRI, preferred label and every class it belongs to."""

    iri: URIRef
    label: str
    lang: str
    types: frozenset[URIRef]

    def is_a(self, cls: URIRef) -> bool:
        return cls in self.types


@dataclass(frozen=True)
class Name:
    text: str
    entry: Entry
    kind: str

    def accepts(self, surface: str) -> bool:
        """Whether `surface` (the words in the text) may stand for this name.

        Acronyms and other names with no lower-case letter match only exactly;
        other names match when every word starts with the same case as in the
        name ("Mars Exploration Rover" is not "Mars exploration rover"), or
        when the text is in capitals (headlines). Lower-case variants a text
        may use ("the red planet") belong in the data as hidden labels.
        """
        name = fold(self.text)
        surface = fold(surface)
        if not any(ch.islower() for ch in name):
            return surface == name
        if surface.isupper() and len(surface) > 3:
            return True
        return _initials(surface) == _initials(name)


def _initials(text: str) -> list[bool]:
    return [word[0].isupper() for word in re.split(r"[\s-]+", text) if word and word[0].isalpha()]


@dataclass(frozen=True)
class Match:
    begin: int
    end: int
    name: Name

    @property
    def entry(self) -> Entry:
        return self.name.entry


@dataclass
class Gazetteer:
    """Names of known things, and the class hierarchy to reason about their kinds."""

    entries: dict[URIRef, Entry] = field(default_factory=dict)
    superclasses: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    names: dict[str, list[Name]] = field(default_factory=lambda: defaultdict(list))
    accounts: dict[str, URIRef] = field(default_factory=dict)
    account_owner: dict[URIRef, URIRef] = field(default_factory=dict)
    components: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    compact: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    by_entity: dict[URIRef, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: person -> their known positions: (position, organization or None, role titles casefolded)
    positions: dict[URIRef, list[tuple[URIRef, URIRef | None, frozenset[str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_graph(cls, reference: Graph, ontology: Graph) -> Gazetteer:
        gazetteer = cls()
        gazetteer.superclasses = _superclass_closure(ontology)
        for subject in {s for s in reference.subjects(RDF.type, None) if isinstance(s, URIRef)}:
            types: set[URIRef] = set()
            for cls_ in reference.objects(subject, RDF.type):
                if isinstance(cls_, URIRef):
                    types |= gazetteer.superclasses.get(cls_, frozenset({cls_}))
            label, lang = _preferred_label(reference, subject)
            gazetteer.entries[subject] = Entry(subject, label, lang, frozenset(types))
        for predicate, kind in NAME_PREDICATES.items():
            for named, literal in reference.subject_objects(predicate):
                entry = gazetteer.entries.get(named) if isinstance(named, URIRef) else None
                if entry is not None and isinstance(literal, Literal):
                    gazetteer.add_name(str(literal), entry, kind)
        for account, handle in reference.subject_objects(SKG.handle):
            if isinstance(account, URIRef):
                gazetteer.accounts[str(handle).lower()] = account
        for account, owner in _links(reference, SKG.accountOf):
            gazetteer.account_owner[account] = owner
        for owner, account in _links(reference, SKG.hasAccount):
            gazetteer.account_owner.setdefault(account, owner)
        for craft, mission in _links(reference, SKG.partOfMission):
            gazetteer.components[mission].add(craft)
        for mission, craft in _links(reference, SKG.hasComponent):
            gazetteer.components[mission].add(craft)
        for person, position in _links(reference, SKG.holdsPosition):
            org = reference.value(position, SKG.positionIn)
            titles = frozenset(
                str(t).casefold() for t in reference.objects(position, SKG.roleTitle)
            )
            gazetteer.positions[person].append(
                (position, org if isinstance(org, URIRef) else None, titles)
            )
        gazetteer.compile()
        return gazetteer

    # -- building ----------------------------------------------------------

    def add_entry(self, entry: Entry, names: Iterable[str]) -> None:
        self.entries[entry.iri] = entry
        for name in names:
            self.add_name(name, entry, "label")

    def add_name(self, text: str, entry: Entry, kind: str) -> None:
        text = text.strip()
        if len(text) < 2 or not any(ch.isalnum() for ch in text):
            return
        key = _key(text)
        # New lists and sets rather than edits in place: copies share them (see copy()).
        names = self.names.get(key, [])
        # Keep every spelling: "Hope Probe" and "Hope probe" accept different text.
        if all((n.entry.iri, n.text) != (entry.iri, text) for n in names):
            self.names[key] = [*names, Name(text, entry, kind)]
            self.by_entity[entry.iri] = self.by_entity.get(entry.iri, set()) | {text}
        compact = _compact(text)
        if entry.iri not in self.compact.get(compact, ()):
            self.compact[compact] = self.compact.get(compact, set()) | {entry.iri}

    def compile(self) -> None:
        """Compile the names into two trie-shaped regexes (spaced and spaceless scripts)."""
        spaced = [k for k in self.names if not is_spaceless_script(k)]
        spaceless = [k for k in self.names if is_spaceless_script(k)]
        patterns = []
        if spaced:
            patterns.append(
                re.compile(r"(?<![\w@#])(?:" + _trie_regex(spaced) + r")(?!\w)", re.IGNORECASE)
            )
        if spaceless:
            patterns.append(re.compile("(?:" + _trie_regex(spaceless) + ")", re.IGNORECASE))
        self._patterns = tuple(patterns)

    def copy(self) -> Gazetteer:
        """A copy that an article may extend with its own names without touching this one."""
        clone = Gazetteer(
            entries=dict(self.entries),
            superclasses=self.superclasses,
            accounts=dict(self.accounts),
            account_owner=dict(self.account_owner),
            positions=self.positions,
        )
        # Every article takes a copy, so it must cost little: the lists and sets
        # are shared, because add_name replaces them instead of editing them.
        clone.names = defaultdict(list, self.names)
        clone.compact = defaultdict(set, self.compact)
        clone.by_entity = defaultdict(set, self.by_entity)
        for mission, crafts in self.components.items():
            clone.components[mission] = set(crafts)
        clone._patterns = self._patterns
        return clone

    # -- lookups -----------------------------------------------------------

    def scan(self, text: str) -> list[Match]:
        """Every accepted name in `text`, longest first, none overlapping."""
        folded = fold(text)
        found: list[Match] = []
        for pattern in self._patterns:
            found.extend(self._scan_one(pattern, folded))
        found.sort(key=lambda m: (-(m.end - m.begin), m.begin))
        chosen: list[Match] = []
        for match in found:
            if all(match.end <= c.begin or c.end <= match.begin for c in chosen):
                chosen.append(match)
        return sorted(chosen, key=lambda m: m.begin)

    def _scan_one(self, pattern: re.Pattern[str], folded: str) -> Iterator[Match]:
        pos = 0
        while (hit := pattern.search(folded, pos)) is not None:
            surface = hit.group()
            names = [n for n in self.names.get(_key(surface), []) if n.accepts(surface)]
            if names:
                yield Match(hit.start(), hit.end(), _best(names))
                pos = hit.end()
            else:
                pos = hit.start() + 1

    def names_of(self, iri: URIRef) -> list[str]:
        """Every name (label, alias, inflected form) the gazetteer knows for `iri`."""
        return sorted(self.by_entity.get(iri, ()))  # add_name keeps the two in step

    def lookup(self, surface: str) -> list[Entry]:
        """Entries a surface form may name, best first."""
        names = [n for n in self.names.get(_key(surface), []) if n.accepts(surface)]
        return [n.entry for n in sorted(names, key=_rank)]

    def by_compact(self, token: str) -> list[Entry]:
        """Entries whose name, without spaces and punctuation, is `token` (for hashtags)."""
        return [self.entries[iri] for iri in sorted(self.compact.get(_compact(token), ()))]

    def account(self, handle: str) -> URIRef | None:
        return self.accounts.get(handle.lower())

    def types_of(self, cls: URIRef) -> frozenset[URIRef]:
        return self.superclasses.get(cls, frozenset({cls}))


def _links(graph: Graph, predicate: URIRef) -> Iterator[tuple[URIRef, URIRef]]:
    for subject, obj in graph.subject_objects(predicate):
        if isinstance(subject, URIRef) and isinstance(obj, URIRef):
            yield subject, obj


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).casefold()


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text)).casefold()


def _rank(name: Name) -> tuple[int, str]:
    return ({"label": 0, "alt": 1, "hidden": 2}[name.kind], str(name.entry.iri))


def _best(names: list[Name]) -> Name:
    return min(names, key=_rank)


def _preferred_label(graph: Graph, subject: URIRef) -> tuple[str, str]:
    labels = [o for o in graph.objects(subject, RDFS.label) if isinstance(o, Literal)]
    for wanted in ("en", None):
        for label in labels:
            if label.language == wanted or (wanted is None):
                return str(label), label.language or ""
    return str(subject).rsplit("/", 1)[-1], ""


def _superclass_closure(ontology: Graph) -> dict[URIRef, frozenset[URIRef]]:
    direct: dict[URIRef, set[URIRef]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct[sub].add(sup)
    closure: dict[URIRef, frozenset[URIRef]] = {}

    def visit(cls: URIRef, seen: frozenset[URIRef]) -> frozenset[URIRef]:
        if cls in closure:
            return closure[cls]
        result = {cls}
        for sup in direct.get(cls, ()):
            if sup not in seen:
                result |= visit(sup, seen | {cls})
        closure[cls] = frozenset(result)
        return closure[cls]

    for cls in list(direct):
        visit(cls, frozenset())
    return closure


def _trie_regex(words: Iterable[str]) -> str:
    """One regex matching any of `words`, shaped as a trie so matching stays linear."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:  # type: ignore[type-arg]
    alternatives = []
    optional = False
    for ch in sorted(node, key=lambda c: (c == "", c)):
        if ch == "":
            optional = True
            continue
        alternatives.append(_char_regex(ch) + _node_regex(node[ch]))
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    if optional:
        # Longest first: try the longer name before accepting the shorter one.
        return "(?:" + body + ")?"
    return body


def _char_regex(ch: str) -> str:
    if ch == " ":
        return r"\s+"
    return re.escape(ch)
