"""Statements in every phrasing news uses, each attributed to the right speaker."""

from __future__ import annotations

from datetime import date

import pytest

from spacekg.articles import Article
from spacekg.extract import analyse
from spacekg.vocab import Iris

from .tiny_gazetteer import GAZETTEER, findings_of

WORDS = "We are ready for launch"


def _statements(body: str) -> list[tuple[str, str, str, str]]:
    findings = findings_of(body)
    return [
        (s.kind, s.text, s.speaker.label if s.speaker else "", s.lang)
        for s in findings.posts + findings.quotes
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f'"{WORDS}", Jane Roe wrote in her post.', id="X wrote"),
        pytest.param(f'Jane Roe had said, "{WORDS}".', id="X had said"),
        pytest.param(f'"{WORDS}," said Jane Roe.', id="said X"),
        pytest.param(f"“{WORDS},” Jane Roe said.", id="curly quotes"),
        pytest.param(f'According to Jane Roe, the team was "{WORDS}".', id="according to X"),
        pytest.param(f'Jane Roe told reporters: "{WORDS}."', id="X told reporters"),
        pytest.param(f'Jane Roe said in a statement: "{WORDS}."', id="X said in a statement"),
        pytest.param(
            f'Jane Roe, leader of the Moonshot 7 team, had said, "{WORDS}".', id="X, role, said"
        ),
        pytest.param(
            f'Jane Roe arrived on Friday. "{WORDS}," Roe said.', id="the surname later in the text"
        ),
        pytest.param(f'Jane Roe arrived. She added: "{WORDS}."', id="a pronoun"),
        pytest.param(
            f'"{WORDS}," Jane Roe, who leads the lunar work of the agency, told reporters.',
            id="a long apposition",
        ),
    ],
)
def test_quotes_are_attributed_in_every_phrasing(body: str) -> None:
    [(kind, text, speaker, lang)] = _statements(body)
    assert (kind, speaker, lang) == ("quote", "Jane Roe", "en")
    assert text.rstrip(".") == WORDS or text.rstrip(".").endswith(WORDS.lower()[3:])


def test_an_organization_speaks_in_a_statement() -> None:
    [(kind, _, speaker, _)] = _statements(f'The Orbital Agency said in a statement: "{WORDS}."')
    assert (kind, speaker) == ("quote", "Orbital Agency")


def test_a_quote_in_another_language_is_tagged_with_it() -> None:
    [(_, text, speaker, lang)] = _statements(
        "Jane Roe said: «Мы готовы к запуску миссии и продолжим работу с партнёрами»."
    )
    assert (speaker, lang) == ("Jane Roe", "ru")
    assert text.startswith("Мы готовы")


def test_scare_quotes_without_a_speaker_are_not_statements() -> None:
    assert _statements('The so-called "space race" is over, the paper argued in 2020.') == []


def test_an_embedded_post_has_its_author_handle_date_links_and_tags() -> None:
    body = (
        "Intro paragraph.\n\n"
        f"{WORDS} #Moonshot7 with @oa https://t.co/abc pic.twitter.com/xyz"
        " — Jane Roe (@JaneRoe) March 3, 2022\n\nMore text."
    )
    article = Article(source="t.txt", stem="t", date=date(2022, 3, 4), body=body)
    [post] = analyse(article, GAZETTEER, Iris()).posts
    assert post.text.startswith(WORDS) and post.text.endswith("pic.twitter.com/xyz")
    assert post.speaker is not None and post.speaker.label == "Jane Roe"
    assert (post.handle, post.display_name, post.date) == ("JaneRoe", "Jane Roe", date(2022, 3, 3))
    assert post.hashtags == ["Moonshot7"]
    assert post.handles == ["oa"]
    assert post.links == ["https://t.co/abc", "https://pic.twitter.com/xyz"]


def test_a_post_from_an_unknown_account_gets_a_new_author() -> None:
    body = f"{WORDS} — Lunar Team (@lunarteam) March 3, 2022"
    [(kind, _, speaker, _)] = _statements(body)
    assert (kind, speaker) == ("post", "Lunar Team")


def test_a_quote_repeating_a_post_points_back_to_it() -> None:
    body = (
        f"{WORDS}, and the crew is in good spirits. — Jane Roe (@JaneRoe) March 3, 2022\n\n"
        f'"{WORDS}, and the crew is in good spirits", Roe wrote in her tweet.'
    )
    article = Article(source="t.txt", stem="t", date=date(2022, 3, 4), body=body)
    findings = analyse(article, GAZETTEER, Iris())
    [quote] = findings.quotes
    assert quote.quoted_post == 0


def test_an_author_named_in_another_script_is_labelled_in_the_post_s_language() -> None:
    """Bug: the display name of a Japanese post in an English article was labelled @en."""
    body = (
        "Intro.\n\n月面着陸に成功しました。科学観測を開始しています。"
        " — 月探査チーム (@moonteam) March 3, 2022"
    )
    [post] = findings_of(body).posts
    assert post.speaker is not None
    assert (post.speaker.label, post.speaker.lang) == ("月探査チーム", "ja")
