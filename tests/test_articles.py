"""Reading article files: good ones become Articles, bad ones fail naming the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from spacekg.articles import article_slug, parse_article, read_article, slugify
from spacekg.errors import ArticleError

SEED = Path(__file__).parent.parent / "data" / "articles" / "000_92ec57ef2a237250.txt"


def test_the_seed_reads_with_its_date_and_without_the_marker() -> None:
    article = read_article(SEED, max_bytes=1_000_000)
    assert article.date == date(2022, 2, 25)
    assert article.body.startswith("The European Space Agency")
    assert article.slug == "article-000-92ec57ef2a237250"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"date 2023-08-21\n\nText.", date(2023, 8, 21), id="marker on its own line"),
        pytest.param(b" date 2023-08-21 Text.", date(2023, 8, 21), id="marker on the first line"),
        pytest.param(
            b"\xef\xbb\xbfdate 2021-01-02\nText", date(2021, 1, 2), id="a byte-order mark"
        ),
        pytest.param(b"date 2021-01-02\r\nText", date(2021, 1, 2), id="windows line ends"),
        pytest.param(
            b"MOSCOW, August 21, 2023 - Text.", date(2023, 8, 21), id="a dateline and no marker"
        ),
    ],
)
def test_dates_are_found_where_news_puts_them(data: bytes, expected: date) -> None:
    assert parse_article("a.txt", data).date == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "is empty", id="an empty file"),
        pytest.param(b"  \n\n \t", "is empty", id="a file of blanks"),
        pytest.param(b"date 2022-01-01 \x00\x01\x02binary", "is binary", id="NUL bytes"),
        pytest.param(b"date 2022-01-01 caf\xe9", "is not UTF-8", id="Latin-1 text"),
        pytest.param(b"No date anywhere in this text.", "no recognisable date", id="no date"),
        pytest.param(b"date 2022-02-30 Text", "impossible date 2022-02-30", id="February 30"),
        pytest.param(b"date 2022-02-03\n\n", "has a date but no text", id="only a date"),
    ],
)
def test_bad_articles_fail_with_a_message_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        parse_article("broken.txt", data)
    assert str(caught.value).startswith("broken.txt: ")
    assert message in str(caught.value)


def test_a_huge_article_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"date 2022-01-01 ")
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(ArticleError, match=r"huge\.txt: too large \(52,428,800 bytes"):
        read_article(path, max_bytes=5_000_000)


def test_an_unreadable_path_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"missing\.txt: cannot be read"):
        read_article(tmp_path / "missing.txt", max_bytes=1000)


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("000_92ec57ef2a237250", "article-000-92ec57ef2a237250"),
        ("Luna 25 — crash", "article-luna-25-crash"),
        ("Ériger", "article-eriger"),
    ],
)
def test_article_slugs_are_readable_and_stable(stem: str, slug: str) -> None:
    assert article_slug(stem) == slug


def test_slugify_drops_what_ascii_cannot_hold() -> None:
    assert slugify("Роскосмос") == ""
    assert slugify("Chang'e 5") == "chang-e-5"
