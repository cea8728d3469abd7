"""The SPARQL query page as a person uses it, in a real headless Chromium (Debian's):
the editor highlights, an example runs, the results link to entity pages under
their labels, a download link answers in its format, the permalink brings the
query back, a syntax error is shown where it is; no console error and no
Content-Security-Policy violation on the way. Screenshots go to
tests/artifacts/query-person-*.png."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ESA, EXOMARS, LiveServer
from tests.test_web_browser import ARTIFACTS, CHROMIUM, page
from tests.web_fixtures import site

__all__ = ["page", "site"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

#: Missing its closing brace: the engine reports the end of line 2.
BROKEN = "SELECT ?s WHERE {\n  ?s ?p ?o ."


class Console:
    """Every console error and page error, and every message about the CSP."""

    def __init__(self, p: Any) -> None:
        self.errors: list[str] = []
        self.csp: list[str] = []
        p.on("console", self._message)
        p.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _message(self, message: Any) -> None:
        text = message.text
        if "Content-Security-Policy" in text or "Content Security Policy" in text:
            self.csp.append(text)
        if message.type == "error":
            self.errors.append(text)

    def assert_clean(self) -> None:
        assert self.csp == [], self.csp
        assert self.errors == [], self.errors


def shot(p: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"query-person-{name}.png"), full_page=True)


def test_a_person_queries_the_graph_from_the_query_page(site: LiveServer, page: Any) -> None:
    p = page
    console = Console(p)
    p.goto(f"{site.url}/sparql")
    assert p.locator("h1").inner_text() == "SPARQL query"
    assert "PREFIX skg: <https://w3id.org/spacekg/ontology#>" in p.input_value("#query")
    # The highlighter has painted the editor: a span for each kind of token.
    p.wait_for_selector(".editor.highlighted")
    for kind in ("keyword", "pname", "iri", "var", "number"):
        assert p.locator(f"#query-highlight .tok-{kind}").count() > 0, kind
    # ... and shows the text exactly (one line more, so a last empty line has a height).
    assert p.locator("#query-highlight").text_content() == p.input_value("#query") + "\n"
    # The editor is as tall as its query (plus a line), so no line starts out hidden.
    lines = p.input_value("#query").count("\n") + 2
    assert p.evaluate("document.getElementById('query').rows") == lines
    assert p.evaluate("(a => a.scrollHeight <= a.clientHeight)(document.getElementById('query'))")
    shot(p, "page")

    # An example: who said what about which mission.
    p.click("a[data-example]:has-text('Who said what')")
    p.wait_for_selector("table.sparql-results")
    assert p.input_value("#query").count("PREFIX skg:") == 1
    assert p.locator("#results-title").inner_text().startswith("1 result")
    speaker = p.locator(f"table.sparql-results a[href$='/resource/{ESA.rsplit('/', 1)[1]}']")
    assert speaker.first.inner_text() == "European Space Agency"
    mission = p.locator(f"table.sparql-results a[href$='/resource/{EXOMARS.rsplit('/', 1)[1]}']")
    assert mission.first.inner_text() == "ExoMars 2022"
    assert "We suspend ExoMars." in p.locator("table.sparql-results").inner_text()
    assert p.locator("#query-highlight .tok-keyword").count() > 0
    shot(p, "results")

    # Downloads: each link answers in its format, with the same row.
    for name, parse in (("json", _json_rows), ("csv", _csv_rows)):
        link = p.locator(f".results-head a[download]:text-is('{name}')")
        answer = p.request.get(site.url + link.get_attribute("href"))
        assert answer.ok, (name, answer.status)
        rows = parse(answer.body())
        assert [row["speaker"] for row in rows] == [str(ESA)], name
        assert [row["mission"] for row in rows] == [str(EXOMARS)], name

    # The permalink brings back the query, in the editor and run.
    query = p.input_value("#query")
    p.click("a[rel=bookmark]")
    p.wait_for_selector("table.sparql-results")
    params = parse_qs(urlsplit(p.url).query)
    assert params["query"] == [query] and params["format"] == ["html"]
    assert p.input_value("#query") == query
    assert p.locator("#format").input_value() == "html"

    console.assert_clean()

    # A syntax error, sent with Ctrl+Enter: the message, and where it is.
    p.fill("#query", BROKEN)
    p.press("#query", "Control+Enter")
    p.wait_for_selector("#query-error")
    error = p.locator("#query-error").inner_text()
    assert "SPARQL syntax error" in error and "At line 2, column" in error
    source, caret = p.locator("#query-error pre.error-source").inner_text().split("\n")[:2]
    assert source == BROKEN.splitlines()[1] and caret.strip() == "^"
    # The caret in the editor is put on the error.
    line = BROKEN[: p.evaluate("document.getElementById('query').selectionStart")].count("\n")
    assert line + 1 == 2
    shot(p, "error")
    # The page comes with status 400, which Chromium notes; nothing else went wrong.
    assert console.errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    assert console.csp == []


def _json_rows(body: bytes) -> list[dict[str, str]]:
    bindings = json.loads(body)["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
