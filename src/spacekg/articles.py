"""Read article files and check they are articles.

An article is one UTF-8 text file: an optional leading `date YYYY-MM-DD`, then
paragraphs. Anything else (empty, binary, not UTF-8, too large, no date to be
found) raises ArticleError naming the file, so the build can report it and go
on with the other articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from spacekg.errors import ArticleError

_DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4})-(\d{2})-(\d{2})(?![\d-])[ \t]*\n?\s*", re.I)
#: English month names as news datelines write them (not calendar.month_name: that follows
#: the process locale).
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DATELINE = re.compile(
    r"\b(?:(?P<month>" + "|".join(MONTHS) + r")\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))\b",
    re.I,
)
#: How far into the text a dateline may stand when there is no `date` marker.
_DATELINE_WINDOW = 300


@dataclass(frozen=True)
class Article:
    """One article, read and checked. Offsets in the graph count characters of `body`."""

    source: str
    stem: str
    date: date
    body: str

    @property
    def slug(self) -> str:
        return article_slug(self.stem)


def article_slug(stem: str) -> str:
    """The stable slug of an article, from its file name."""
    return "article-" + slugify(stem)


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; accents stripped.

    Returns "" when nothing of `text` survives (it was all in another script);
    callers decide what to do then.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_article(path: Path, max_bytes: int) -> Article:
    """Read and check one article file. Raises ArticleError naming the file."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(path.name, f"too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(path.name, f"cannot be read ({exc.strerror})") from None
    return parse_article(path.name, data, max_bytes=max_bytes)


def parse_article(source: str, data: bytes, *, max_bytes: int | None = None) -> Article:
    """Check raw bytes and turn them into an Article. Pure: no I/O."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ArticleError(source, f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if not data.strip():
        raise ArticleError(source, "is empty")
    if b"\x00" in data:
        raise ArticleError(source, "is binary, not text (it holds NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            source, f"is not UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _control_ratio(text) > 0.01:
        raise ArticleError(source, "is binary, not text (it holds control characters)")
    published, body = _split_date(source, text)
    if not body.strip():
        raise ArticleError(source, "has a date but no text")
    stem = source.rsplit(".", 1)[0] if "." in source else source
    if not slugify(stem):
        raise ArticleError(source, "has a file name with no letters or digits to make an IRI of")
    return Article(source=source, stem=stem, date=published, body=body.rstrip())


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t")
    return controls / max(len(text), 1)


def _split_date(source: str, text: str) -> tuple[date, str]:
    marker = _DATE_MARKER.match(text)
    if marker:
        year, month, day = (int(g) for g in marker.groups())
        return _make_date(source, year, month, day), text[marker.end() :]
    dateline = _DATELINE.search(text[:_DATELINE_WINDOW])
    if dateline is None:
        raise ArticleError(
            source, "has no recognisable date (expected a leading 'date YYYY-MM-DD' line)"
        )
    if dateline["iso"]:
        year, month, day = (int(part) for part in dateline["iso"].split("-"))
    else:
        year = int(dateline["year"])
        month = MONTHS.index(dateline["month"].lower()) + 1
        day = int(dateline["day"])
    return _make_date(source, year, month, day), text.lstrip()


def _make_date(source: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ArticleError(
            source, f"has an impossible date {year:04d}-{month:02d}-{day:02d}"
        ) from None
