"""Text utilities that keep offsets: paragraphs, sentences, language, dates.

Every span is a pair of character offsets into the article body, so whatever
is found can be traced back to the exact words (the provenance the graph keeps).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from spacekg.extract import lexicon

#: One-for-one replacements that make matching ignore typographic variants.
#: One-for-one keeps every offset valid in the original text.
_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def fold(text: str) -> str:
    """Typographic variants folded to ASCII, same length as `text`."""
    return text.translate(_FOLD)


@dataclass(frozen=True, order=True)
class Span:
    begin: int
    end: int

    def __contains__(self, other: object) -> bool:
        return isinstance(other, Span) and self.begin <= other.begin and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.begin < other.end and other.begin < self.end


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str) -> Iterator[Span]:
    """Spans of the paragraphs of `text` (separated by blank lines), stripped."""
    start = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        yield from _stripped(text, start, brk.start())
        start = brk.end()
    yield from _stripped(text, start, len(text))


def _stripped(text: str, begin: int, end: int) -> Iterator[Span]:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if begin < end:
        yield Span(begin, end)


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)]*(?=\s+|$)|\n")


def sentences(text: str) -> list[Span]:
    """Spans of the sentences of `text`: split at . ! ? … and line breaks.

    A full stop after an abbreviation ("Sept.") or an initial ("A. Quill")
    does not end a sentence.
    """
    spans: list[Span] = []
    for para in paragraphs(text):
        start = para.begin
        for end_mark in _SENTENCE_END.finditer(text, para.begin, para.end):
            if end_mark.group() != "\n" and _is_abbreviation(text, end_mark.start()):
                continue
            spans.extend(_stripped(text, start, end_mark.end()))
            start = end_mark.end()
        spans.extend(_stripped(text, start, para.end))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"(\w+)$", text[max(0, dot - 12) : dot])
    if word is None:
        return False
    token = word.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "A. Quill"
    if re.fullmatch(r"(?:[A-Z]\.)*[A-Z]", text[max(0, dot - 6) : dot].split()[-1] or ""):
        return True  # "U.S."
    return token.lower() in lexicon.ABBREVIATIONS


# ---------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------

_NOISE = re.compile(r"https?://\S+|\bpic\.twitter\.com/\S+|[@#]\w+|\d+")


@cache
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(lexicon.STATEMENT_LANGUAGES))
    return identifier


def detect_language(text: str, fallback: str) -> str:
    """The BCP 47 code of the language `text` is written in.

    Short texts (too few letters to tell) get `fallback`, the article's language.
    """
    cleaned = _NOISE.sub(" ", text)
    letters = sum(1 for ch in cleaned if ch.isalpha())
    if letters < 12:
        return fallback
    lang, probability = _identifier().classify(cleaned)  # type: ignore[attr-defined]
    if probability < 0.5 and letters < 40:
        return fallback
    return str(lang)


def script_of(text: str) -> str:
    """The dominant writing system of `text`: latin, cyrillic, cjk or other."""
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        script = (
            "latin"
            if name.startswith("LATIN")
            else "cyrillic"
            if name.startswith("CYRILLIC")
            else "cjk"
            if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))
            else "other"
        )
        counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "latin"


def is_spaceless_script(text: str) -> bool:
    """True for names in scripts written without spaces between words (CJK, Thai)."""
    return any(
        unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI")) for ch in text
    )


# ---------------------------------------------------------------------------
# Dates as news writes them
# ---------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE_EXPRESSION = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\s*,?\s*\d)"
    rf"|(?:early|mid|late|the\s+end\s+of)?-?\s*{_MONTH}\s+(?:of\s+)?"
    r"(?:\d{4}|this\s+year|next\s+year|last\s+year)"
    rf"|{_MONTH}(?=\s+(?:this|next)\b)"
    r"|\d{4}-\d{2}-\d{2}"
    r"|(?:early|mid|late)?-?\s*\d{4}"
    r"|(?:this|next|last)\s+year)"
)


@dataclass(frozen=True)
class FuzzyDate:
    """A date as precise as the text: year, year-month, or full date."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def parse_date_expression(expression: str, today: date, *, past: bool = False) -> FuzzyDate | None:
    """The date a phrase such as "September this year" means, seen from `today`.

    A month and day with no year ("on July 14") is the next such day, or with
    `past` (the text says it happened) the last one.
    """
    text = expression.lower().strip()
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if iso:
        return _checked(int(iso[1]), int(iso[2]), int(iso[3]))
    year: int | None = None
    if "next year" in text:
        year = today.year + 1
    elif "last year" in text:
        year = today.year - 1
    elif "this year" in text:
        year = today.year
    else:
        found = re.search(r"\b(\d{4})\b", text)
        if found:
            year = int(found[1])
    month = None
    month_word = re.search(
        r"\b([a-z]{3,9})\b\.?",
        re.sub(r"\b(early|mid|late|the|end|of|this|next|last|year)\b", " ", text),
    )
    if month_word:
        month = lexicon.MONTH_ABBREVIATIONS.get(
            month_word[1][:4] if month_word[1].startswith("sept") else month_word[1][:3]
        )
    day_match = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?!\d)", re.sub(r"\b\d{4}\b", " ", text))
    day = int(day_match[1]) if (day_match and month) else None
    if year is None:
        if month is None:
            return None
        # "on July 14" with no year: the next such date from the article's day.
        ahead = (month, day or 1) >= (today.month, today.day)
        if past:
            year = today.year if (month, day or 1) <= (today.month, today.day) else today.year - 1
        else:
            year = today.year if ahead else today.year + 1
    if not 1900 <= year <= 2200:
        return None
    return _checked(year, month, day)


def _checked(year: int, month: int | None, day: int | None) -> FuzzyDate | None:
    if month is not None and day is not None:
        try:
            date(year, month, day)
        except ValueError:
            return None
    return FuzzyDate(year, month, day)
