"""Patterns for the names of people and things as news capitalises them."""

from __future__ import annotations

import re

from spacekg.extract import lexicon

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁІЇЄҐ"
_LOWER = "a-zß-öø-ÿā-ſа-яёіїєґ"
_WORD = (
    rf"[{_UPPER}](?:[{_LOWER}]?[{_UPPER}])?[{_LOWER}'’]*[{_LOWER}]"
    rf"(?:-[{_UPPER}{_LOWER}][{_LOWER}'’]*[{_LOWER}])*"
)
_INITIAL = rf"[{_UPPER}]\."

#: A person's name: two to four capitalised words, initials allowed ("A. Quill").
PERSON_NAME = rf"(?:{_INITIAL}\s*){{0,2}}{_WORD}(?:\s+(?:{_INITIAL}\s*)?{_WORD}){{0,3}}"
PERSON_NAME_RE = re.compile(PERSON_NAME)

#: One token of a thing's name: capitalised, or digits, or a Roman numeral ("Moonshot II").
NAME_TOKEN = re.compile(rf"[{_UPPER}0-9][\w'’.-]*|[{_LOWER}]+[{_UPPER}][\w'’-]*")


def is_person_name(text: str) -> bool:
    """Whether `text` looks like a person's full name (at least two words, none a function word)."""
    words = text.split()
    if not 2 <= len(words) <= 5 or not PERSON_NAME_RE.fullmatch(text):
        return False
    return not any(w.strip(".") in lexicon.NOT_NAMES for w in words)


def surname(name: str) -> str | None:
    """The last word of a person's name, if it can stand alone for them."""
    words = [w for w in name.split() if not w.endswith(".")]
    if len(words) < 2:
        return None
    last = words[-1].strip("'’-")
    return last if len(last) >= 3 and last[0].isupper() else None
