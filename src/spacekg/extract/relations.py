"""Relations the text states between the things it names.

Each rule looks at one sentence: two mentions of the right kinds and the words
between them ("planned by", "with the … landing platform", "which X is a part
of"). Dates and postponements attach to the mission the sentence names, or to
the mission the article was last talking about ("the launch was postponed").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from spacekg.extract import lexicon
from spacekg.extract.gazetteer import Entry
from spacekg.extract.model import Findings, Mention
from spacekg.extract.text import (
    DATE_EXPRESSION,
    FuzzyDate,
    Span,
    fold,
    parse_date_expression,
    sentences,
)
from spacekg.vocab import SKG, Iris

#: Farthest apart (in characters) two mentions may be for a relation between them.
_GAP = 160
#: "… can return to Earth": the way home is not a destination.
_RETURN = re.compile(r"\b(?:return|returns|returned|returning|back|home)\b", re.IGNORECASE)
#: How close to the mention a cue word must stand ("… with the Heron lander").
_NEAR = 45


_ANAPHOR = re.compile(r"\b(?:the|this|its)\s+(?:mission|launch|spacecraft|probe|flight)\b", re.I)


def find(findings: Findings, iris: Iris) -> None:
    """Add every relation the article's sentences state."""
    topic = _topic(findings)
    postponements = 0
    text = fold(findings.text)
    for sentence in sentences(findings.text):
        mentions = sorted(findings.mentions_in(sentence), key=lambda m: m.span.begin)
        _pairs(findings, text, mentions)
        missions = [m for m in mentions if m.entry.is_a(SKG.Mission)]
        crafts = [m.entry for m in mentions if m.entry.is_a(SKG.Spacecraft)]
        launched = missions[0].entry if missions else crafts[0] if crafts else None
        if launched is not None:
            _launch_dates(findings, text, sentence, launched)
        # "The mission, a follow-on to X-2, was delayed": a definite reference before
        # any name means the article's own mission, not the one named in passing.
        anaphor = _ANAPHOR.search(text, sentence.begin, sentence.end)
        mission = topic
        if missions and not (anaphor and anaphor.start() < missions[0].span.begin):
            mission = missions[0].entry
        if mission is not None:
            postponements += _dates(
                findings, iris, text, sentence, mission, mentions, postponements
            )


def _topic(findings: Findings) -> Entry | None:
    """The mission the article is about: the one it names most often (first, on a tie)."""
    counts: dict[URIRef, int] = {}
    first: dict[URIRef, Entry] = {}
    for mention in sorted(findings.mentions, key=lambda m: m.span.begin):
        if mention.entry.is_a(SKG.Mission):
            counts[mention.entry.iri] = counts.get(mention.entry.iri, 0) + 1
            first.setdefault(mention.entry.iri, mention.entry)
    if not counts:
        return None
    order = list(first)
    best = max(order, key=lambda iri: (counts[iri], -order.index(iri)))
    return first[best]


# ---------------------------------------------------------------------------
# Pairs of mentions in one sentence
# ---------------------------------------------------------------------------

#: "OA-NSA Moonshot", "OA's Moonshot 7", "the Orbital Agency's (OA) Moonshot".
_ADJACENT = re.compile(
    r"\)?\s*(?:'s|-|/|&|and|,)?\s*(?:\([^()]{1,15}\)\s*)?(?:the\s+)?", re.IGNORECASE
)
_PARTICIPATION_AFTER = re.compile(
    r"\b(?:by|with|between|alongside|partners?|partnership|together)\b|,\s*which\s*$",
    re.IGNORECASE,
)
_PARTICIPATION_BEFORE = re.compile(
    r"\b(?:part|partner|participant|member)s?\s+(?:of|in)\b|\b(?:joined|joins|leads|led|runs|"
    r"operates|contributes?\s+to|contributed\s+to|takes?\s+part\s+in|took\s+part\s+in|"
    r"participates?\s+in|participated\s+in|is\s+building|built|developed)\b",
    re.IGNORECASE,
)
_WHICH_PART = re.compile(
    r"^\s*(?:is|are|was|were)\s+(?:also\s+)?(?:a\s+)?(?:part|partner|participant|involved)",
    re.IGNORECASE,
)
_CARRY_FORWARD = re.compile(
    r"\b(?:carr(?:y|ies|ying|ied)|deliver(?:s|ed|ing)?|deploy(?:s|ed|ing)?|hous(?:e|es|ed|ing)|"
    r"transport(?:s|ed|ing)?|with\s+(?:its|the)|and\s+its)\b",
    re.IGNORECASE,
)
_CARRY_BACKWARD = re.compile(
    r"\b(?:with|aboard|on\s+board|onboard|inside|atop|carried\s+by|delivered\s+by|"
    r"deployed\s+by|via|attached\s+to)\b",
    re.IGNORECASE,
)
#: Cues that say one craft carries another whatever their kinds (not "with").
_CARRIED = re.compile(
    r"\b(?:carr(?:y|ies|ying|ied)(?:\s+by)?|aboard|on\s+board|onboard|attached\s+to|"
    r"deployed\s+(?:by|from)|released\s+(?:by|from))\b",
    re.IGNORECASE,
)
_COMPONENT_OF = re.compile(
    r"^[^.;]{0,25}?\b(?:part|component|element|centrepiece|centerpiece|heart|core)\s+of\b|"
    r"^\s*(?:lander|rover|orbiter|spacecraft|probe|module)?\s*(?:of|for|on|from)\s+(?:the\s+)?"
    r"(?:[^,.;()]{1,60}'s\s+(?:\([^()]{1,15}\)\s*)?)?$",
    re.IGNORECASE,
)
_MISSION_HAS = re.compile(
    r"\b(?:carr(?:y|ies|ying|ied)|includ(?:es|ed|ing)|consists?\s+of|compris(?:es|ing)|"
    r"with\s+(?:its|the)|'s|its)\b",
    re.IGNORECASE,
)
_DEVELOPED_BY = re.compile(
    r"\b(?:developed|built|designed|manufactured|made|constructed)\s+by\s*(?:the\s+)?$",
    re.IGNORECASE,
)
_OPERATED_BY = re.compile(r"\b(?:operated|run|controlled|managed)\s+by\s*(?:the\s+)?$", re.I)
_TWIN = re.compile(r"^\s*(?:rover|lander|spacecraft)?\s*'s\s+(?:[\w-]+\s+){0,2}twin\b", re.I)
_TWIN_OF = re.compile(r"\b(?:the\s+|its\s+|an?\s+)?(?:[\w-]+\s+){0,2}twin\s+(?:of|to)\b", re.I)


def _pairs(findings: Findings, text: str, mentions: list[Mention]) -> None:
    for i, left in enumerate(mentions):
        for right in mentions[i + 1 :]:
            if right.entry.iri == left.entry.iri:
                continue
            between = text[left.span.end : right.span.begin]
            if len(between) > _GAP:
                break
            after = text[right.span.end : right.span.end + 60]
            _pair(findings, left.entry, right.entry, between, after)


def _pair(findings: Findings, left: Entry, right: Entry, between: str, after: str) -> None:
    add = findings.facts.add
    # Organizations and missions.
    if left.is_a(SKG.Spacecraft) and right.is_a(SKG.Spacecraft):
        _carrying(findings, left, right, between)
    if len(between) > _GAP // 2:
        return  # only the carrying cues are safe to read across a long clause
    if (
        left.is_a(SKG.Organization)
        and right.is_a(SKG.Mission)
        and (_ADJACENT.fullmatch(between) or _PARTICIPATION_BEFORE.search(between))
    ):
        add((left.iri, SKG.participatesIn, right.iri))
    if (
        left.is_a(SKG.Mission)
        and right.is_a(SKG.Organization)
        and (
            (between.rstrip().endswith("which") and _WHICH_PART.search(after))
            or (_PARTICIPATION_AFTER.search(between) and not re.search(r"[;:]", between))
        )
    ):
        add((right.iri, SKG.participatesIn, left.iri))
    # Spacecraft and missions.
    if left.is_a(SKG.Spacecraft) and right.is_a(SKG.Mission) and _COMPONENT_OF.search(between):
        add((left.iri, SKG.partOfMission, right.iri))
    if left.is_a(SKG.Mission) and right.is_a(SKG.Spacecraft) and _MISSION_HAS.search(between):
        add((right.iri, SKG.partOfMission, left.iri))
    # Who builds and runs craft.
    if left.is_a(SKG.Spacecraft) and right.is_a(SKG.Organization):
        if _DEVELOPED_BY.search(between):
            add((left.iri, SKG.developedBy, right.iri))
        elif _OPERATED_BY.search(between):
            add((left.iri, SKG.operatedBy, right.iri))
    if left.is_a(SKG.Organization) and right.is_a(SKG.Spacecraft) and between.strip() == "'s":
        add((right.iri, SKG.operatedBy, left.iri))
    # Twins.
    if left.is_a(SKG.Spacecraft) and right.is_a(SKG.Spacecraft) and _TWIN.search(between):
        add((right.iri, SKG.twinOf, left.iri))
    if left.is_a(SKG.Spacecraft) and right.is_a(SKG.Spacecraft) and _TWIN_OF.search(between):
        add((left.iri, SKG.twinOf, right.iri))
    # Missions and their destinations.
    if (
        left.is_a(SKG.Mission)
        and right.is_a(SKG.CelestialBody)
        and re.search(r"\bto\s+(?:the\s+)?$", between)
        and not _RETURN.search(between)
    ):
        add((left.iri, SKG.destination, right.iri))


def _carrying(findings: Findings, left: Entry, right: Entry, between: str) -> None:
    """Landers carry rovers ("… rover will fly with the Heron landing platform"), and
    any craft may carry another ("Pathmaker … carrying the Kite helicopter")."""
    add = findings.facts.add
    near_left, near_right = between[:_NEAR], between[-_NEAR:]
    if left.is_a(SKG.Lander) and right.is_a(SKG.Rover):
        if _CARRY_FORWARD.search(near_left) or _CARRY_FORWARD.search(near_right):
            add((left.iri, SKG.carries, right.iri))
        return
    if left.is_a(SKG.Rover) and right.is_a(SKG.Lander):
        if _CARRY_BACKWARD.search(near_right):
            add((right.iri, SKG.carries, left.iri))
        return
    cue = _CARRIED.search(near_right)
    if cue is None:
        return
    if re.search(r"\b(?:by|aboard|on\s+board|onboard|attached\s+to|from)\b", cue.group(), re.I):
        add((right.iri, SKG.carries, left.iri))  # "Y … attached to the belly of X"
    else:
        add((left.iri, SKG.carries, right.iri))  # "X … carrying the Y"


# ---------------------------------------------------------------------------
# Launch dates and postponements
# ---------------------------------------------------------------------------

_DATE = rf"(?P<date>{DATE_EXPRESSION})"
_PLANNED = re.compile(
    r"\b(?:likely|expected|scheduled|planned|set|slated|targeted|targeting|due|poised|aims?|aiming|"
    r"will|would|to)\b[^.;]{0,40}?\b(?:launch|lift\s*off|fly|take\s+off|blast\s+off)\b"
    rf"[^.;]{{0,25}}?\b(?:in|on|for|by|no\s+earlier\s+than)\s+(?:the\s+)?{_DATE}",
    re.IGNORECASE,
)
_PLANNED_FOR = re.compile(
    rf"\blaunch\b[^.;]{{0,30}}?\b(?:is|was|now)\s+(?:now\s+)?(?:scheduled|planned|set|slated|"
    rf"targeted|expected)\s+(?:for|in|on)\s+(?:the\s+)?{_DATE}",
    re.IGNORECASE,
)
_PREVIOUS = re.compile(
    r"\b(?:initially|originally|first|previously|earlier)\s+(?:been\s+)?(?:scheduled|planned|set|"
    rf"slated|due|targeted|expected)\s+(?:to\s+(?:launch|lift\s+off|fly)\s+)?(?:for|in|on)\s+"
    rf"(?:the\s+)?{_DATE}",
    re.IGNORECASE,
)
_POSTPONED = re.compile(
    r"\b(?:" + "|".join(re.escape(v) for v in lexicon.POSTPONE_VERBS) + r")\b", re.IGNORECASE
)
_NEW_DATE = re.compile(rf"\b(?:to|until|till|into)\s+(?:the\s+)?{_DATE}", re.IGNORECASE)
_CAUSE = re.compile(
    r"\b(?:" + "|".join(re.escape(c) for c in lexicon.CAUSE_CUES) + r")\s+(?:the\s+)?",
    re.IGNORECASE,
)
_LANDING_ONLY = re.compile(r"\b(?:landing|touchdown|docking|splashdown|return)\b", re.I)
_LAUNCH_WORD = re.compile(r"\b(?:launch\w*|lift\s*-?\s*off|fly|flight|blast\s*-?\s*off)\b", re.I)
_PAST = re.compile(
    r"\b(?:was|were|had\s+been|got)\s+(?:\w+\s+)?(?:"
    + "|".join(re.escape(v) for v in lexicon.POSTPONE_VERBS)
    + r")\b",
    re.I,
)
_LAUNCHED = re.compile(
    rf"\b(?:launched|lifted\s+off|blasted\s+off|took\s+off)\b[^.;]{{0,40}}?\b(?:on|in)\s+{_DATE}",
    re.IGNORECASE,
)


def _dates(
    findings: Findings,
    iris: Iris,
    text: str,
    sentence: Span,
    mission: Entry,
    mentions: list[Mention],
    count: int,
) -> int:
    chunk = text[sentence.begin : sentence.end]
    today = findings.article.date
    add = findings.facts.add
    postponed = _POSTPONED.search(chunk)
    if not postponed:
        for pattern in (_PLANNED, _PLANNED_FOR):
            for match in pattern.finditer(chunk):
                when = parse_date_expression(match["date"], today)
                if when:
                    add((mission.iri, SKG.plannedLaunchDate, _literal(when)))
        return 0
    if _LANDING_ONLY.search(chunk) and not _LAUNCH_WORD.search(chunk):
        return 0  # a landing moved, not a launch
    # "was delayed to July 20" in a later article: the July 20 before the article.
    past = bool(_PAST.search(chunk))
    previous = _first_date(_PREVIOUS, chunk, today, past=True)
    new = _first_date(_NEW_DATE, chunk[postponed.end() :], today, past=past)
    causes = list(_causes(findings, text, sentence, postponed.end(), mentions))
    if previous is None and new is None and not causes:
        return 0
    node = iris.resource(f"{findings.article.slug}-postponement-{count + 1}")
    label = f"Postponement of {mission.label}"
    findings.nodes[node] = (frozenset({SKG.Postponement}), label, sentence)
    add((node, SKG.postponementOf, mission.iri))
    add((node, SKG.inArticle, findings.article_iri))
    if previous:
        add((node, SKG.previousDate, _literal(previous)))
    if new:
        add((node, SKG.newDate, _literal(new)))
        add((mission.iri, SKG.plannedLaunchDate, _literal(new)))
    for cause in causes:
        add((node, SKG.causedBy, cause.iri))
    return 1


def _launch_dates(findings: Findings, text: str, sentence: Span, launched: Entry) -> None:
    """ "X launched on July 14": the actual launch of the mission or craft the sentence names."""
    chunk = text[sentence.begin : sentence.end]
    if _POSTPONED.search(chunk):
        return
    for match in _LAUNCHED.finditer(chunk):
        when = parse_date_expression(match["date"], findings.article.date, past=True)
        if when and when.day:
            findings.facts.add((launched.iri, SKG.launchDate, _literal(when)))


def _first_date(
    pattern: re.Pattern[str], chunk: str, today: date, *, past: bool = False
) -> FuzzyDate | None:
    match = pattern.search(chunk)
    return parse_date_expression(match["date"], today, past=past) if match else None


def _causes(
    findings: Findings, text: str, sentence: Span, after: int, mentions: list[Mention]
) -> Iterator[Entry]:
    cue = _CAUSE.search(text, sentence.begin + after, sentence.end)
    if cue is None:
        return
    for mention in mentions:
        if mention.span.begin >= cue.end() - 1 and mention.entry.is_a(SKG.Event):
            yield mention.entry
            return


def _literal(when: FuzzyDate) -> Literal:
    if when.day is not None:
        return Literal(when.iso(), datatype=XSD.date)
    if when.month is not None:
        return Literal(when.iso(), datatype=XSD.gYearMonth)
    return Literal(when.iso(), datatype=XSD.gYear)
