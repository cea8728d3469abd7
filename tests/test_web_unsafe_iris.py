"""IRIs with a scripting scheme in the data never become links on a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDFS, URIRef

from spacekg.store import publish
from tests.conftest import ESA, EXOMARS, IRIS, REFERENCE_GRAPH, LiveServer, sample_settings
from tests.test_web_resources import get
from tests.web_fixtures import page_quads

UNSAFE = [
    URIRef("javascript:alert(1)"),
    URIRef("JavaScript:alert(2)"),
    URIRef("data:text/html;base64,PHNjcmlwdD5hbGVydCgzKTwvc2NyaXB0Pg=="),
    URIRef("vbscript:msgbox(4)"),
]
#: A link whose scheme is not http(s) (local paths and fragments have none).
BAD_HREF = re.compile(r'<a\b[^>]*\bhref="\s*(?!https?:)[a-z][a-z0-9+.-]*:', re.IGNORECASE)


@pytest.fixture
def unsafe_site(tmp_path: Path, serve: Callable[[Any], str]) -> LiveServer:
    """page_quads() plus scripting IRIs as objects, as a subject and as a predicate."""
    from spacekg.web import create_app

    quads = page_quads()
    quads += [(ESA, RDFS.seeAlso, iri, REFERENCE_GRAPH) for iri in UNSAFE]
    quads += [(UNSAFE[0], URIRef("http://example.org/about"), EXOMARS, REFERENCE_GRAPH)]
    quads += [(ESA, URIRef("javascript:void"), EXOMARS, REFERENCE_GRAPH)]
    root = tmp_path / "store"
    publish(root, quads, metadata={"base": IRIS.base})
    return LiveServer(serve(create_app(sample_settings(root))), root)


@pytest.mark.parametrize(
    "slug",
    ["european-space-agency", "exomars-2022"],
    ids=["as objects and as a predicate", "as the subject of an incoming link"],
)
def test_scripting_iris_show_as_text_not_links(unsafe_site: LiveServer, slug: str) -> None:
    status, _, html = get(f"{unsafe_site.url}/resource/{slug}")
    assert status == 200
    assert not BAD_HREF.search(html), BAD_HREF.search(html)
    assert "javascript:" in html.lower()  # shown, as text


def test_http_iris_still_link_out(unsafe_site: LiveServer) -> None:
    _, _, html = get(f"{unsafe_site.url}/resource/exomars-2022")
    assert 'href="http://example.org/about"' in html
