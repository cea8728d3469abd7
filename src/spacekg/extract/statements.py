"""Statements: embedded social-media posts and quotes, with their speakers.

Posts end with a signature: `TEXT — Display Name (@handle) Month D, YYYY`.
Quotes are words in quotation marks that the sentence attributes to someone:
`"…", X wrote`, `X had said, "…"`, `"…," said X`, `according to X`,
`X told reporters "…"`, `X said in a statement: "…"`.
"""

from __future__ import annotations

import re
from datetime import date

from rdflib import URIRef

from spacekg.articles import slugify
from spacekg.extract import lexicon
from spacekg.extract.gazetteer import Entry
from spacekg.extract.minting import mint
from spacekg.extract.model import Findings, Mention, Statement
from spacekg.extract.names import PERSON_NAME, is_person_name
from spacekg.extract.text import Span, detect_language, fold, parse_date_expression, script_of
from spacekg.vocab import SKG, Iris

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_SIGNATURE = re.compile(
    r"[ \t\n]+(?:—|–|--|-)[ \t]*(?P<name>[^\n()—–]{1,80}?)[ \t]*\(@(?P<handle>\w{1,50})\)[ \t]*"
    rf"(?P<date>{_MONTH}[ \t]+\d{{1,2}},?[ \t]+\d{{4}}|\d{{1,2}}[ \t]+{_MONTH}[ \t]+\d{{4}})"
    r"[ \t]*(?=\n|$)"
)
_LINK = re.compile(r"https?://[^\s\"”»)]+|\bpic\.twitter\.com/\w+")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w*[^\W\d_]\w*)")
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,50})")
_QUOTE_PAIRS = (
    re.compile(r"“([^“”\n]{2,3000}?)”"),
    re.compile(r'"([^"\n]{2,3000}?)"'),
    re.compile(r"«([^«»]{2,3000}?)»"),
    re.compile(r"„([^„“”\n]{2,3000}?)[“”]"),
    re.compile(r"「([^「」]{2,3000}?)」"),
)
_VERBS = "|".join(re.escape(v) for v in sorted(lexicon.SPEECH_VERBS, key=len, reverse=True))
_VERB_RE = re.compile(rf"\b(?:{_VERBS})\b|\baccording\s+to\b", re.IGNORECASE)
_PRONOUN_RE = re.compile(r"\b(?:he|she|they)\b", re.IGNORECASE)
_WINDOW = 160


# ---------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------


def find_posts(findings: Findings) -> None:
    """Find every embedded post: its words, author, handle, date, links, tags."""
    text = findings.text
    previous_end = 0
    for signature in _SIGNATURE.finditer(text):
        begin = _post_start(text, previous_end, signature.start())
        words = text[begin : signature.start()].strip()
        if not words:
            continue
        begin = text.index(words, begin)
        posted = parse_date_expression(signature["date"], findings.article.date)
        findings.posts.append(
            Statement(
                kind="post",
                span=Span(begin, begin + len(words)),
                text=words,
                lang=detect_language(words, findings.lang),
                date=date(posted.year, posted.month or 1, posted.day or 1)
                if posted and posted.day
                else None,
                handle=signature["handle"],
                display_name=signature["name"].strip(),
                hashtags=_HASHTAG.findall(words),
                links=[_absolute(link.rstrip(".,;:!?")) for link in _LINK.findall(words)],
                handles=_HANDLE.findall(words),
            )
        )
        previous_end = signature.end()


def _post_start(text: str, floor: int, signature: int) -> int:
    """Where a post's words begin: its paragraph, plus paragraphs that lead into it.

    An embed often spreads over several paragraphs; a paragraph belongs to the
    post when it ends with a colon or is set off by extra blank lines.
    """
    begin = text.rfind("\n\n", floor, signature)
    begin = floor if begin < 0 else begin
    while begin > floor:
        previous = text.rfind("\n\n", floor, begin - 1)
        previous = floor if previous < 0 else previous
        head = text[previous:begin].strip()
        gap = re.search(r"\n[\s]*$", text[previous : begin + 2])
        blank_lines = gap.group().count("\n") if gap else 0
        if head and (head.endswith(":") or blank_lines >= 3):
            begin = previous
        else:
            break
    return begin


def _absolute(link: str) -> str:
    return link if link.startswith("http") else "https://" + link


def resolve_post_authors(findings: Findings, iris: Iris) -> None:
    """Each post's speaker: the owner of its account, else its display name."""
    for post in findings.posts:
        assert post.handle is not None and post.display_name is not None
        account = findings.gazetteer.account(post.handle)
        owner = findings.gazetteer.account_owner.get(account) if account else None
        entry = findings.gazetteer.entries.get(owner) if owner else None
        if entry is None or not entry.is_a(SKG.Agent):
            agents = [e for e in findings.gazetteer.lookup(post.display_name) if e.is_a(SKG.Agent)]
            entry = agents[0] if agents else _new_author(findings, iris, post)
        post.speaker = entry


def _new_author(findings: Findings, iris: Iris, post: Statement) -> Entry:
    """An agent for a post's display name; a name in another script than the article's
    takes the post's language ("小型月着陸実証機SLIM" in a Japanese post is @ja)."""
    name = post.display_name or ""
    cls = SKG.Person if is_person_name(name) else SKG.Organization
    foreign = script_of(name) != script_of(findings.text[:2000])
    return mint(findings, iris, name, cls, lang=post.lang if foreign else None)


# ---------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------


def find_quotes(findings: Findings, iris: Iris) -> None:
    """Find quoted words the text attributes to a speaker, and resolve the speaker."""
    text = findings.text
    folded = fold(text)
    post_spans = [p.span for p in findings.posts]
    seen: list[Span] = []
    candidates = sorted(
        (m for pattern in _QUOTE_PAIRS for m in pattern.finditer(text)), key=lambda m: m.start()
    )
    for match in candidates:
        outer = Span(match.start(), match.end())
        if any(outer.overlaps(s) for s in seen) or any(outer.overlaps(p) for p in post_spans):
            continue
        words = match.group(1).strip().rstrip(",")
        if not _long_enough(words):
            continue
        # A quote that ends its own sentence ("… ready to go.") is rarely
        # attributed by the next sentence: look back first ("He added: …").
        ends_sentence = words.rstrip("\"'”’»").endswith((".", "!", "?", "…"))
        speaker = _speaker(findings, folded, outer, look_back_first=ends_sentence)
        if speaker is None:
            continue
        speaker_entry = (
            speaker if isinstance(speaker, Entry) else _mint_speaker(findings, iris, speaker)
        )
        if speaker_entry is None:
            continue
        begin = text.index(words, match.start(1))
        findings.quotes.append(
            Statement(
                kind="quote",
                span=Span(begin, begin + len(words)),
                text=words,
                lang=detect_language(words, findings.lang),
                speaker=speaker_entry,
            )
        )
        seen.append(outer)
    _link_quotes_to_posts(findings)


def _speaker(
    findings: Findings, folded: str, quote: Span, *, look_back_first: bool
) -> Entry | Span | None:
    if look_back_first:
        return _speaker_before(findings, folded, quote.begin) or _speaker_after(
            findings, folded, quote.end
        )
    return _speaker_after(findings, folded, quote.end) or _speaker_before(
        findings, folded, quote.begin
    )


def _long_enough(words: str) -> bool:
    if any("\u3040" <= ch <= "\u9fff" for ch in words):
        return len(words) >= 6
    return len(words.split()) >= 3


def _speaker_after(findings: Findings, folded: str, end: int) -> Entry | Span | None:
    """ "…", X wrote  /  "…," said X  /  "…", according to X."""
    stop = _clause_end(folded, end)
    window = Span(end, stop)
    verb = _VERB_RE.search(folded, end, stop)
    if verb is None or verb.start() - end > 130:
        return None
    agents = _agents_in(findings, window)
    leading = re.compile(rf"\s*,?\s*(?P<name>{PERSON_NAME})").match(folded, end)
    if leading and is_person_name(leading["name"]) and leading.end() <= verb.start():
        # "…," Swati Mohan, guidance lead of the mission, announced: the name
        # right after the quote is the speaker, however long the apposition.
        span = Span(leading.start("name"), leading.end("name"))
        people = [m for m in agents if m.span.overlaps(span) and m.entry.is_a(SKG.Person)]
        return people[0].entry if people else span
    before_verb = [m for m in agents if m.span.end <= verb.start()]
    if before_verb:
        # "…," Ben Stone, associate administrator of the agency's …, had said:
        # the speaker comes first; a person outranks the body they speak for.
        return _prefer_person(before_verb, first=True)
    after_verb = [m for m in agents if m.span.begin >= verb.end()]
    if after_verb and after_verb[0].span.begin - verb.end() < 40:
        return _prefer_person(after_verb, first=True)
    if _PRONOUN_RE.search(folded, end, verb.start()):
        return _previous_person(findings, end)
    name = re.compile(rf"\s+(?P<name>{PERSON_NAME})").match(folded, verb.end())
    if name and is_person_name(name["name"]):
        return Span(name.start("name"), name.end("name"))
    name = re.compile(rf"[\s,]*(?P<name>{PERSON_NAME})\s+(?:had\s+|has\s+)?$").search(
        folded, end, verb.start()
    )
    if name and is_person_name(name["name"]):
        return Span(name.start("name"), name.end("name"))
    return None


def _speaker_before(findings: Findings, folded: str, begin: int) -> Entry | Span | None:
    """X had said, "…"  /  X told reporters: "…"  /  According to X, "…"."""
    start = _clause_start(folded, begin)
    window = folded[start:begin]
    verb = None
    for candidate in _VERB_RE.finditer(window):
        verb = candidate
    if verb is None:
        return None
    according = verb.group().lower().startswith("according")
    if len(window) - verb.end() > (150 if according else 60):
        return None
    if re.search(r"[.!?]", window[verb.end() :]):
        return None
    agents = _agents_in(findings, Span(start, begin))
    verb_begin, verb_end = start + verb.start(), start + verb.end()
    if according:
        after = [m for m in agents if m.span.begin >= verb_end]
        return after[0].entry if after else None
    before = [m for m in agents if m.span.end <= verb_begin]
    if before:
        return _prefer_person(before, first=False)
    if _PRONOUN_RE.search(window[: verb.start()]):
        return _previous_person(findings, start + verb.start())
    name = re.compile(rf"(?P<name>{PERSON_NAME})\s+(?:had\s+|has\s+|have\s+)?$").search(
        folded, start, verb_begin
    )
    if name and is_person_name(name["name"]):
        return Span(name.start("name"), name.end("name"))
    return None


def _clause_end(folded: str, end: int) -> int:
    stop = re.compile(r"[.!?\n]|[\"“«]").search(folded, end + 1, end + _WINDOW)
    return stop.start() if stop else min(len(folded), end + _WINDOW)


def _clause_start(folded: str, begin: int) -> int:
    floor = max(0, begin - _WINDOW)
    ends = list(re.compile(r"[.!?\n][\"”»']?\s").finditer(folded, floor, begin))
    return ends[-1].end() if ends else floor


def _agents_in(findings: Findings, window: Span) -> list[Mention]:
    return sorted(
        (m for m in findings.mentions if m.span in window and m.entry.is_a(SKG.Agent)),
        key=lambda m: m.span.begin,
    )


def _prefer_person(mentions: list[Mention], *, first: bool) -> Entry:
    """The speaker among agents named in an attribution: a person if any, else the
    first (after a quote) or last (before a quote) agent named."""
    people = [m for m in mentions if m.entry.is_a(SKG.Person)] or mentions
    return (people[0] if first else people[-1]).entry


def _previous_person(findings: Findings, position: int) -> Entry | None:
    people = [m for m in findings.mentions if m.span.end <= position and m.entry.is_a(SKG.Person)]
    return max(people, key=lambda m: m.span.end).entry if people else None


def _mint_speaker(findings: Findings, iris: Iris, span: Span) -> Entry | None:
    name = findings.text[span.begin : span.end]
    entry = mint(findings, iris, name, SKG.Person)
    findings.mentions.append(Mention(span, entry))
    return entry


def _link_quotes_to_posts(findings: Findings) -> None:
    """A quote that repeats a post's words points back to the post."""
    posts = [(i, _comparable(p.text)) for i, p in enumerate(findings.posts)]
    for quote in findings.quotes:
        words = _comparable(quote.text)[:60]
        for index, post_words in posts:
            if len(words) >= 20 and words in post_words:
                quote.quoted_post = index
                break


def _comparable(text: str) -> str:
    return re.sub(r"\W+", "", fold(text)).casefold()


def account_iri(iris: Iris, handle: str) -> URIRef:
    return iris.resource("account-" + (slugify(handle.replace("_", "-")) or handle.lower()))
