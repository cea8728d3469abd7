"""Mentions of named things: gazetteer names, @handles, and an article's own names."""

from __future__ import annotations

import re

from spacekg.extract.gazetteer import Entry, Gazetteer
from spacekg.extract.model import Findings, Mention
from spacekg.extract.names import surname
from spacekg.extract.text import Span
from spacekg.vocab import SKG

_HANDLE = re.compile(r"(?<![\w@])@(\w{1,50})")


def scan(findings: Findings) -> None:
    """Mentions of every name the gazetteer knows, and of known @handles' owners."""
    for match in findings.gazetteer.scan(findings.text):
        findings.mentions.append(Mention(Span(match.begin, match.end), match.entry))
    for handle in _HANDLE.finditer(findings.text):
        account = findings.gazetteer.account(handle.group(1))
        owner = findings.gazetteer.account_owner.get(account) if account else None
        entry = findings.gazetteer.entries.get(owner) if owner else None
        span = Span(handle.start(), handle.end())
        if entry is not None and not findings.covered(span):
            findings.mentions.append(Mention(span, entry))


def scan_local(findings: Findings) -> None:
    """Mentions of the article's new names anywhere, and of people by surname after
    their first full mention ("Ada Quill … Quill wrote")."""
    local = Gazetteer(superclasses=findings.gazetteer.superclasses)
    first_seen: dict[str, int] = {}
    for mention in sorted(findings.mentions, key=lambda m: m.span.begin):
        entry = mention.entry
        if entry.iri in findings.new_entries:
            local.add_name(entry.label, entry, "label")
            first_seen.setdefault(str(entry.iri), 0)
        if entry.is_a(SKG.Person):
            for name in {entry.label, *findings.gazetteer.names_of(entry.iri)}:
                short = surname(name)
                if short and not _names_other_thing(findings, short, entry):
                    local.add_name(short, entry, "alt")
            first_seen.setdefault(str(entry.iri), mention.span.end)
    if not local.names:
        return
    local.compile()
    for match in local.scan(findings.text):
        span = Span(match.begin, match.end)
        if findings.covered(span) or match.begin < first_seen.get(str(match.entry.iri), 0):
            continue
        findings.mentions.append(Mention(span, match.entry))


def _names_other_thing(findings: Findings, name: str, entry: Entry) -> bool:
    return any(e.iri != entry.iri for e in findings.gazetteer.lookup(name))
