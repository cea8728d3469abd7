"""Offsets-preserving text utilities: sentences, dates, language."""

from __future__ import annotations

from datetime import date

import pytest

from spacekg.extract.text import detect_language, fold, parse_date_expression, sentences

TODAY = date(2022, 2, 25)


@pytest.mark.parametrize(
    ("phrase", "iso"),
    [
        ("September this year", "2022-09"),
        ("September 2023", "2023-09"),
        ("Sept. 2022", "2022-09"),
        ("July 14, 2023", "2023-07-14"),
        ("14 July 2023", "2023-07-14"),
        ("2020", "2020"),
        ("next year", "2023"),
        ("early 2024", "2024"),
        ("2022-09-20", "2022-09-20"),
        ("August 23", "2022-08-23"),
    ],
)
def test_date_phrases_mean_what_a_reader_understands(phrase: str, iso: str) -> None:
    parsed = parse_date_expression(phrase, TODAY)
    assert parsed is not None
    assert parsed.iso() == iso


def test_a_month_and_day_in_the_past_tense_is_the_last_such_day() -> None:
    parsed = parse_date_expression("July 14", date(2023, 8, 24), past=True)
    assert parsed is not None and parsed.iso() == "2023-07-14"


def test_impossible_dates_are_not_dates() -> None:
    assert parse_date_expression("February 30, 2022", TODAY) is None


def test_sentences_do_not_break_at_initials_or_abbreviations() -> None:
    text = "ISRO Chairman S. Somanath spoke in Sept. 2023. The U.S. agreed. Next."
    found = [text[s.begin : s.end] for s in sentences(text)]
    assert found == [
        "ISRO Chairman S. Somanath spoke in Sept. 2023.",
        "The U.S. agreed.",
        "Next.",
    ]


def test_fold_keeps_every_offset() -> None:
    text = "“Agency’s” – done"
    assert len(fold(text)) == len(text)
    assert fold(text) == '"Agency\'s" - done'


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Notwithstanding the current conflict, civil space cooperation remains a bridge.", "en"),
        ("Несмотря на текущий конфликт, сотрудничество в гражданском космосе остается", "ru"),
        ("Nous sommes très fiers de cette mission et de toutes les équipes.", "fr"),
        ("Wir setzen die Zusammenarbeit mit unseren Partnern fort.", "de"),
        ("宇宙航空研究開発機構は月面着陸に成功しました", "ja"),
    ],
)
def test_statement_languages_are_identified(text: str, lang: str) -> None:
    assert detect_language(text, fallback="xx") == lang


def test_too_short_to_tell_falls_back_to_the_article_language() -> None:
    assert detect_language("OK!", fallback="de") == "de"
