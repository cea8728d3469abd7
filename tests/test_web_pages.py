"""Home, ontology, class and search pages, served by the real app."""

from __future__ import annotations

import json

import pytest

from tests.conftest import LiveServer
from tests.test_web_resources import get
from tests.web_fixtures import site_on_every_store

__all__ = ["site_on_every_store"]  # the `site` fixture, on every kind of store


def test_home_counts_classes_and_links_articles_and_questions(site: LiveServer) -> None:
    status, headers, html = get(site.url + "/")
    assert status == 200 and "Content-Security-Policy" in headers
    assert 'href="/class/Agency"' in html
    assert 'href="/resource/article-sample"' in html
    assert "/sparql?query=PREFIX" in html
    assert 'href="/.well-known/void"' in html


def test_ontology_documents_every_term(site: LiveServer) -> None:
    _, _, html = get(site.url + "/ontology")
    for name in ("Agency", "Mission", "statedBy", "participatesIn"):
        assert f'id="{name}"' in html
    assert "Inverse" in html and "Domain" in html
    status, headers, turtle = get(site.url + "/ontology", accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert "skg:Agency" in turtle


def test_class_page_lists_instances(site: LiveServer) -> None:
    status, _, html = get(site.url + "/class/Agency")
    assert status == 200
    assert 'href="/resource/european-space-agency"' in html and "3 instances" in html
    assert get(site.url + "/class/NoSuchClass")[0] == 404


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("european", "European Space Agency"),
        ("esa", "European Space Agency"),
        ("exo", "ExoMars 2022"),
    ],
    ids=["a label prefix", "an alias, exactly", "a prefix of another entity"],
)  # fmt: skip
def test_autocomplete_ranks_matches(site: LiveServer, q: str, first: str) -> None:
    status, _, body = get(f"{site.url}/search.json?q={q}", accept="application/json")
    assert status == 200
    assert json.loads(body)["results"][0]["label"] == first


def test_search_page_lists_hits(site: LiveServer) -> None:
    _, _, html = get(site.url + "/search?q=space")
    assert 'href="/resource/european-space-agency"' in html
