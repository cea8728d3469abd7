"""New things the gazetteer does not know, found by the patterns of the genre.

"the Pathmaker rover", "a lander called Heron", "the Moonshot 7 mission",
"Agency Chairman A. Quill", "Ben Stone, leader of the rover team":
each yields an entity typed by the pattern, with a stable slug made from its
name, and the positions and affiliations the words state.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from spacekg.articles import slugify
from spacekg.extract import lexicon
from spacekg.extract.gazetteer import Entry
from spacekg.extract.minting import mint
from spacekg.extract.model import Findings, Mention
from spacekg.extract.names import NAME_TOKEN, PERSON_NAME, is_person_name
from spacekg.extract.text import Span, fold, sentences
from spacekg.vocab import SKG, Iris

_KINDS = "|".join(re.escape(k) for k in sorted(lexicon.KIND_NOUNS, key=len, reverse=True))
_KIND_RE = re.compile(
    rf"(?<![\w-])(?:{_KINDS}|{'|'.join(k.title() for k in lexicon.KIND_NOUNS)})(?!\w)"
)
_NAMED_RE = re.compile(
    rf"(?<![\w-])(?P<kind>{_KINDS}),?\s+(?:named|called|dubbed|christened|known\s+as)\s+"
    rf"(?!after\b)(?P<name>(?:[\"“'‘]?)[A-ZÀ-ÞА-Я][\w'’-]*(?:\s+[A-Z0-9][\w'’-]*){{0,2}})",
)
_TITLES = "|".join(re.escape(t) for t in sorted(lexicon.ROLE_TITLES, key=len, reverse=True))
_TITLE_NAME_RE = re.compile(rf"\b(?P<title>{_TITLES})\s+(?P<name>{PERSON_NAME})")
_ROLE_NOUNS = "|".join(lexicon.ROLE_NOUNS)
#: "launch director Ann Lee-Hart", "Moonshot mission manager Bo Tan".
_ROLE_NAME_RE = re.compile(
    rf"(?<![\w,])(?P<title>(?:[\w-]+\s+){{0,2}}(?:{_ROLE_NOUNS}))\s+(?P<name>{PERSON_NAME})"
)
_NAME_ROLE_RE = re.compile(
    rf"(?P<name>{PERSON_NAME}),\s+(?:the\s+|a\s+|an\s+|its\s+)?"
    rf"(?P<role>(?:[\w-]+\s+){{0,3}}?(?:{_ROLE_NOUNS})\b(?:\s+(?:of|at|for|with|in)\s+[^,.;:\"“”()]{{1,70}}?)?)"
    rf"(?=\s+(?:had|has|have|said|says|told|wrote|is|was|will|who|added|explained|noted)\b|\s*[,.;:)])"
)
_PROPER_NAME_GOES_ON = re.compile(r"[ \t]+(?:[A-Z]|(?:for|of|to)\s+[A-Z])")
_SUFFIX_ADJECTIVE = re.compile(r"-(?:made|built|based|led|owned|designed|run)$", re.IGNORECASE)


_TWIN_NAMED_RE = re.compile(
    r"(?:\s+(?:rover|lander|spacecraft|probe))?'s\s+(?:[\w-]+\s+){0,2}twin\b[^.!?\n]{0,30}?"
    r"\b(?:name[sd]?|called|dubbed|christened)\b\s*[:,]?\s+(?P<name>[A-ZÀ-ÞА-Я][\w'-]*(?:\s+[A-Z0-9][\w'-]*){0,2})"
)


def discover(findings: Findings, iris: Iris) -> None:
    """Add new entities, their mentions, and the roles stated for people."""
    text = fold(findings.text)
    _twins(findings, text, iris)
    _named_things(findings, text, iris)
    _kind_nouns(findings, text, iris)
    _people(findings, text, iris)


# ---------------------------------------------------------------------------
# Things: "the X rover", "a rover named X"
# ---------------------------------------------------------------------------


def _kind_nouns(findings: Findings, text: str, iris: Iris) -> None:
    for kind_match in _KIND_RE.finditer(text):
        kind = kind_match.group()
        cls: URIRef = lexicon.KIND_NOUNS[kind.lower()]  # type: ignore[assignment]
        tokens = _name_tokens_before(text, kind_match.start())
        if not tokens:
            continue
        capitalised = kind[0].isupper()
        if capitalised and _PROPER_NAME_GOES_ON.match(text, kind_match.end()):
            continue  # "the Science Mission Directorate": part of a longer name
        end = kind_match.end() if capitalised and cls == SKG.Mission else tokens[-1][1]
        span = Span(tokens[0][0], end)
        name = findings.text[span.begin : span.end]
        covering = [m for m in findings.mentions if m.span.overlaps(span)]
        if covering:
            _resolve_component(findings, covering, span, kind_match, cls)
            continue
        known = findings.gazetteer.lookup(name) or findings.gazetteer.lookup(
            findings.text[span.begin : tokens[-1][1]]
        )
        if known:
            # Already named in this article (or a differently typed thing of that
            # name): refer to it rather than mint a second thing.
            if any(e.is_a(cls) for e in known):
                findings.mentions.append(Mention(span, next(e for e in known if e.is_a(cls))))
            continue
        if not _plausible_thing_name(name) or _MODIFIER_OF.match(text, kind_match.end()):
            continue  # "the Moonshot mission manager": the kind noun modifies, names nothing
        entry = mint(findings, iris, name, cls)
        findings.mentions.append(Mention(span, entry))


def _twins(findings: Findings, text: str, iris: Iris) -> None:
    """ "X rover's Earth-based twin has a name: Y": Y is a craft of X's kind, X's twin."""
    for original in list(findings.mentions):
        if not original.entry.is_a(SKG.Spacecraft):
            continue
        match = _TWIN_NAMED_RE.match(text, original.span.end)
        if match is None:
            continue
        span = Span(match.start("name"), match.end("name"))
        twins = [m.entry for m in findings.mentions if m.span.overlaps(span)]
        if not twins and _plausible_thing_name(match["name"]):
            cls = _most_specific(findings, original.entry)
            twin = mint(findings, iris, findings.text[span.begin : span.end], cls)
            findings.mentions.append(Mention(span, twin))
            twins = [twin]
        for twin in twins:
            if twin.is_a(SKG.Spacecraft) and twin.iri != original.entry.iri:
                findings.facts.add((twin.iri, SKG.twinOf, original.entry.iri))


def _most_specific(findings: Findings, entry: Entry) -> URIRef:
    """The class of `entry` that has the most superclasses: Rover rather than Spacecraft."""
    own = [t for t in entry.types if str(t).startswith(str(SKG))]
    return max(own, key=lambda t: (len(findings.gazetteer.types_of(t)), str(t)))


def _named_things(findings: Findings, text: str, iris: Iris) -> None:
    for match in _NAMED_RE.finditer(text):
        cls = lexicon.KIND_NOUNS[match["kind"].lower()]
        raw = match["name"].strip("\"“'‘")
        begin = match.start("name") + match["name"].index(raw[:1])
        span = Span(begin, begin + len(raw))
        if findings.covered(span) or not _plausible_thing_name(raw):
            continue
        entry = mint(findings, iris, findings.text[span.begin : span.end], cls)  # type: ignore[arg-type]
        findings.mentions.append(Mention(span, entry))


def _name_tokens_before(text: str, end: int) -> list[tuple[int, int]]:
    """The capitalised words right before `end` that can be a name, nearest last."""
    tokens: list[tuple[int, int]] = []
    pos = end
    while len(tokens) < 4:
        gap = re.search(r"[ \t]+$", text[max(0, pos - 3) : pos])
        if gap is None:
            break
        word_end = pos - len(gap.group())
        word = re.search(r"[\w'’.-]+$", text[max(0, word_end - 40) : word_end])
        if word is None:
            break
        begin = word_end - len(word.group())
        token = word.group()
        if not NAME_TOKEN.fullmatch(token) or token.endswith("."):
            break
        tokens.insert(0, (begin, word_end))
        pos = begin
    # A possessive ends whatever came before it: "the United Arab Emirates' Hope probe".
    for i in range(len(tokens) - 1, -1, -1):
        if text[tokens[i][0] : tokens[i][1]].endswith(("'", "'s")):
            tokens = tokens[i + 1 :]
            break
    # Drop leading words that describe rather than name ("Russian-made", "The").
    while tokens and _describes(text[tokens[0][0] : tokens[0][1]]):
        tokens.pop(0)
    return tokens


def _describes(token: str) -> bool:
    lowered = token.lower()
    return (
        lowered in lexicon.NAME_PREFIX_WORDS
        or token in lexicon.NOT_NAMES
        or bool(_SUFFIX_ADJECTIVE.search(token))
        or lowered.endswith(("'s", "’s"))
    )


def _plausible_thing_name(name: str) -> bool:
    words = name.split()
    if not words or len(words) > 4:
        return False
    if not any(ch.isupper() for ch in name):
        return False  # "322-foot": a measure, not a name
    return not all(w in lexicon.NOT_NAMES or w.lower() in lexicon.NAME_PREFIX_WORDS for w in words)


def _resolve_component(
    findings: Findings, covering: list[Mention], span: Span, kind: re.Match[str], cls: URIRef
) -> None:
    """ "the Moonshot rover": a mission's name plus a kind noun names the mission's craft."""
    if len(covering) != 1 or cls in (SKG.Mission, SKG.LaunchVehicle):
        return
    mission = covering[0]
    if not mission.entry.is_a(SKG.Mission) or mission.span != span:
        return
    crafts = [
        findings.gazetteer.entries[c]
        for c in findings.gazetteer.components.get(mission.entry.iri, ())
        if c in findings.gazetteer.entries and findings.gazetteer.entries[c].is_a(cls)
    ]
    if len(crafts) == 1:
        findings.mentions.remove(mission)
        findings.mentions.append(Mention(Span(span.begin, kind.end()), crafts[0]))


# ---------------------------------------------------------------------------
# People: "Director General NAME", "NAME, leader of …"
# ---------------------------------------------------------------------------


def _people(findings: Findings, text: str, iris: Iris) -> None:
    for sentence in sentences(findings.text):
        chunk = text[sentence.begin : sentence.end]
        for match in _TITLE_NAME_RE.finditer(chunk):
            name_span = Span(
                sentence.begin + match.start("name"), sentence.begin + match.end("name")
            )
            person = _person_at(findings, iris, name_span)
            if person is None:
                continue
            org = _organization_before(findings, sentence.begin + match.start("title"))
            _position(findings, iris, person, match["title"], org, head=True)
        for match in _ROLE_NAME_RE.finditer(chunk):
            title = match["title"]
            if any(
                w.lower() in {"the", "a", "an", "and", "of", "said", "says"} for w in title.split()
            ):
                title = title.split()[-1]
            name_span = Span(
                sentence.begin + match.start("name"), sentence.begin + match.end("name")
            )
            if findings.covered(name_span) and not any(
                m.entry.is_a(SKG.Person) for m in findings.mentions if m.span.overlaps(name_span)
            ):
                continue
            person = _person_at(findings, iris, name_span)
            if person is None:
                continue
            title_span = Span(sentence.begin + match.end("title") - len(title), name_span.begin)
            org = _organization_before(findings, title_span.begin)
            for mention in findings.mentions_in(title_span):
                if mention.entry.is_a(SKG.Organization):
                    # "Arianespace chief executive NAME": the body, then the title.
                    org = mention.entry
                    title = findings.text[mention.span.end : name_span.begin].strip(" '’s")
            _position(findings, iris, person, title, org, head=True)
        for match in _NAME_ROLE_RE.finditer(chunk):
            name_span = Span(
                sentence.begin + match.start("name"), sentence.begin + match.end("name")
            )
            person = _person_at(findings, iris, name_span)
            if person is None:
                continue
            role_span = Span(
                sentence.begin + match.start("role"), sentence.begin + match.end("role")
            )
            orgs = [
                m.entry for m in findings.mentions_in(role_span) if m.entry.is_a(SKG.Organization)
            ]
            role = findings.text[role_span.begin : role_span.end]
            _position(findings, iris, person, role, orgs[0] if orgs else None, head=False)


def _person_at(findings: Findings, iris: Iris, span: Span) -> Entry | None:
    """The person named at `span`: a known one, or a new one if the words look like a name."""
    overlapping = [m for m in findings.mentions if m.span.overlaps(span)]
    people = [m for m in overlapping if m.entry.is_a(SKG.Person)]
    if people:
        return people[0].entry
    if overlapping:
        return None  # the words name something else the gazetteer knows
    name = findings.text[span.begin : span.end]
    if not is_person_name(name):
        return None
    entry = mint(findings, iris, name, SKG.Person)
    findings.mentions.append(Mention(span, entry))
    return entry


def _organization_before(findings: Findings, position: int) -> Entry | None:
    """The organization named just before a title: "ESA's", "the European Space Agency's (ESA)"."""
    best = None
    for mention in findings.mentions:
        if mention.span.end > position or not mention.entry.is_a(SKG.Organization):
            continue
        between = fold(findings.text[mention.span.end : position])
        if re.fullmatch(r"(?:'s)?\)?\s*(?:\([^()]{1,15}\)\s*)?", between):
            best = mention.entry
    return best


_MODIFIER_OF = re.compile(
    r"[ \t]+(?:team|manager|director|control|controllers?|operations|scientists?|engineers?|"
    r"lead|leader|chief|officials?|programme|program|patch|logo|designer|specialist)\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"^\d+-year-old\s+", re.IGNORECASE)


def _position(
    findings: Findings, iris: Iris, person: Entry, role: str, org: Entry | None, *, head: bool
) -> None:
    role = _AGE.sub("", " ".join(role.split()))  # "90-year-old astronomer": the role is astronomer
    is_head = head and org is not None and role.lower() in lexicon.HEAD_TITLES
    if org is not None:
        findings.facts.add((person.iri, SKG.headOf if is_head else SKG.affiliatedWith, org.iri))
    wanted = role.casefold()
    for known, known_org, titles in findings.gazetteer.positions.get(person.iri, ()):
        # "chief executive" is the known "Chief Executive Officer"; "Director General" is itself.
        same_role = any(t.startswith(wanted) or wanted.startswith(t) for t in titles)
        if same_role and (org is None or known_org == org.iri):
            # The gazetteer knows this post already: the article confirms it.
            findings.facts.add((person.iri, SKG.holdsPosition, known))
            return
    slug = "-".join(
        part
        for part in (_slug_of(person, iris), slugify(role), org and _slug_of(org, iris))
        if part
    )
    position = iris.resource(slug)
    if position in findings.gazetteer.entries:
        findings.facts.add((person.iri, SKG.holdsPosition, position))
        return
    label = f"{role}, {org.label}" if org else role
    findings.nodes[position] = (frozenset({SKG.Position}), label, None)
    findings.facts.add((person.iri, SKG.holdsPosition, position))
    findings.facts.add((position, SKG.roleTitle, _en(role)))
    if org is not None:
        findings.facts.add((position, SKG.positionIn, org.iri))


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def _slug_of(entry: Entry, iris: Iris) -> str:
    return iris.slug_of(str(entry.iri)) or slugify(entry.label)
