"""Extraction against what careful human readers found in each article.

tests/expectations/*.json were written by a person reading the articles, not
generated from the extractor. These floors hold today's scores (see
`python tests/scoring.py` for the table and every miss), so a change that
makes extraction worse fails here even when the golden files are regenerated.
"""

from __future__ import annotations

import pytest

from spacekg.articles import read_article
from spacekg.extract import analyse

from .extraction_fixtures import ARTICLES, IRIS, gazetteer
from .scoring import Score, load, score

FLOORS = {
    "mentions": 0.80,
    "statements": 0.70,
    "precision": 1.00,
    "speakers": 0.90,
    "languages": 1.00,
    "roles": 0.65,
    "relations": 0.45,
}


@pytest.fixture(scope="module")
def totals() -> dict[str, Score]:
    totals = {key: Score() for key in FLOORS}
    for path in ARTICLES:
        findings = analyse(read_article(path, 10_000_000), gazetteer(), IRIS)
        for key, value in score(findings, load(path.stem)).items():
            totals[key].found += value.found
            totals[key].total += value.total
            totals[key].misses += [f"{path.stem}: {miss}" for miss in value.misses]
    return totals


@pytest.mark.parametrize("measure", FLOORS)
def test_extraction_meets_its_floor(totals: dict[str, Score], measure: str) -> None:
    result = totals[measure]
    assert result.ratio >= FLOORS[measure], (
        f"{measure}: {result.found}/{result.total} = {result.ratio:.0%}, "
        f"below {FLOORS[measure]:.0%}; misses:\n" + "\n".join(result.misses)
    )


def test_every_article_has_expectations() -> None:
    for path in ARTICLES:
        assert load(path.stem)["date"] == read_article(path, 10_000_000).date.isoformat()
