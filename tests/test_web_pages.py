"""Home, ontology, class and search pages, served by the real app."""

from __future__ import annotations

import gc
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


# --- the page cache ---------------------------------------------------------------


def test_a_page_asked_again_comes_from_the_cache(site: LiveServer) -> None:
    url = site.url + "/resource/european-space-agency"
    first, second = get(url), get(url)
    assert (first[1]["X-Cache"], second[1]["X-Cache"]) == ("miss", "hit")
    assert second[2] == first[2] and "European Space Agency" in second[2]
    # The security headers are set on every answer, cached or not.
    assert second[1]["Content-Security-Policy"] == first[1]["Content-Security-Policy"]
    assert second[1]["Content-Type"] == first[1]["Content-Type"]
    # Another format of the same URL is another answer.
    status, headers, turtle = get(url, accept="text/turtle")
    assert (status, headers["X-Cache"]) == (200, "miss") and "skg:Agency" in turtle
    assert get(url, accept="text/turtle")[2] == turtle


def test_a_new_version_is_rendered_afresh(site: LiveServer) -> None:
    from spacekg.store import open_target
    from tests.web_fixtures import page_quads

    url = site.url + "/resource/european-space-agency"
    assert "s space agency." in get(url)[2]  # the comment, as the page shows it
    assert get(url)[1]["X-Cache"] == "hit"
    quads = [q for q in page_quads() if "Europe's space agency" not in str(q[2])]
    open_target(site.store_settings).publish(quads, metadata={})
    status, headers, html = get(url)
    assert (status, headers["X-Cache"]) == (200, "miss")
    assert "s space agency." not in html


def test_missing_pages_are_not_kept(site: LiveServer) -> None:
    url = site.url + "/resource/no-such-entity"
    assert [get(url)[0], get(url)[0]] == [404, 404]
    assert get(url)[1].get("X-Cache") != "hit"


def test_what_only_reasoning_added_is_marked_inferred_on_every_store(site: LiveServer) -> None:
    """Virtuoso answers a comparison as 1 or 0, not true or false: the pages' queries
    must not depend on which."""
    _, _, html = get(f"{site.url}/resource/european-space-agency")
    incoming = html[html.index("Linked from") :]
    row = incoming[incoming.index('href="/resource/exomars-2022"') :].split("</tr>")[0]
    assert "inferred-note" in row  # hasParticipant is in the inferred graph only
    _, _, html = get(f"{site.url}/class/Organization")
    member = html[html.index('href="/resource/european-space-agency"') :].split("</li>")[0]
    assert "inferred" in member


# --- query results and threads ------------------------------------------------------


def test_no_query_result_is_left_for_the_garbage_collector(site: LiveServer) -> None:
    """pyoxigraph's results must be freed on the thread that made them: one left in
    a reference cycle is freed by whichever thread collects next, and pyoxigraph
    then raises ("unsendable, but is being dropped on another thread"). rdflib's
    parser leaves cycles that keep its callers' frames, and their locals, alive."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for path in ("/", "/ontology", "/class/Agency", "/search.json?q=esa"):
            assert get(site.url + path)[0] == 200
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if type(o).__module__ == "pyoxigraph"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
