"""A real headless Chromium (Debian's) browses the pages, follows links, searches,
checks basic accessibility and console errors, and saves screenshots to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer
from tests.web_fixtures import EVIL_LABEL, site

__all__ = ["site"]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture
def page() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        browser.close()


def check_page(page: object, name: str, errors: list[str]) -> None:
    """Landmarks, one h1, lang, alt text, labelled inputs, no console errors; a screenshot."""
    p = page
    assert p.locator("html[lang]").count() == 1  # type: ignore[attr-defined]
    for landmark in ("header", "nav", "main", "footer"):
        assert p.locator(landmark).count() >= 1, landmark  # type: ignore[attr-defined]
    assert p.locator("h1").count() == 1  # type: ignore[attr-defined]
    assert p.locator("img:not([alt])").count() == 0  # type: ignore[attr-defined]
    for input_id in p.locator("input:not([type=hidden])").evaluate_all(  # type: ignore[attr-defined]
        "els => els.map(e => e.id)"
    ):
        assert input_id and p.locator(f"label[for='{input_id}']").count() == 1  # type: ignore[attr-defined]
    assert not p.locator("script:text('alert')").count()  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
    assert errors == [], errors


def test_browse_the_site(site: LiveServer, page: object) -> None:
    p = page
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]

    p.goto(site.url + "/")  # type: ignore[attr-defined]
    check_page(p, "home", errors)
    p.click("a[href$='/class/Agency']")  # a class page, from the counts  # type: ignore[attr-defined]
    assert "/class/Agency" in p.url  # type: ignore[attr-defined]
    check_page(p, "class", errors)
    assert EVIL_LABEL in p.inner_text("main")  # markup in the data shows as text  # type: ignore[attr-defined]
    p.click("text=European Space Agency")  # type: ignore[attr-defined]
    assert p.url.endswith("/resource/european-space-agency")  # type: ignore[attr-defined]
    check_page(p, "entity", errors)
    p.click("main >> text=ESA suspends ExoMars")  # type: ignore[attr-defined]
    check_page(p, "article", errors)
    assert p.locator("mark.mention a").count() == 3  # type: ignore[attr-defined]
    p.click("nav >> text=Ontology")  # type: ignore[attr-defined]
    check_page(p, "ontology", errors)

    p.fill("#site-search", "exo")  # type: ignore[attr-defined]
    p.wait_for_selector("#site-search-list li a")  # the autocomplete answered  # type: ignore[attr-defined]
    p.press("#site-search", "Enter")  # type: ignore[attr-defined]
    p.wait_for_url("**/search?q=exo")  # type: ignore[attr-defined]
    check_page(p, "search", errors)
    p.click("main >> text=ExoMars 2022")  # type: ignore[attr-defined]
    assert p.url.endswith("/resource/exomars-2022")  # type: ignore[attr-defined]
    check_page(p, "search-hit", errors)


def test_downloads_void_and_a_query(site: LiveServer, page: object) -> None:
    """The /dumps page, the VoID description and a query run from the query page."""
    p = page
    errors: list[str] = []
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]

    p.goto(site.url + "/")  # type: ignore[attr-defined]
    p.click("nav >> text=Dumps")  # type: ignore[attr-defined]
    assert p.url.endswith("/dumps")  # type: ignore[attr-defined]
    check_page(p, "dumps", errors)
    assert p.locator("table.dumps a[href$='/dump.ttl']").count() == 1  # type: ignore[attr-defined]
    assert p.locator("table.dumps a[download]").count() == 10  # type: ignore[attr-defined]

    p.click("main >> text=VoID description")  # type: ignore[attr-defined]
    assert p.url.endswith("/.well-known/void")  # type: ignore[attr-defined]
    text = p.inner_text("body")  # type: ignore[attr-defined]
    assert "void:sparqlEndpoint" in text and "dcat:downloadURL" in text
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "void.png"))  # type: ignore[attr-defined]
    assert errors == [], errors

    p.goto(site.url + "/sparql")  # type: ignore[attr-defined]
    check_page(p, "query-page", errors)
    p.fill(  # type: ignore[attr-defined]
        "#query",
        "PREFIX skg: <https://w3id.org/spacekg/ontology#>\n"
        "SELECT ?agency WHERE { ?agency a skg:Agency } ORDER BY ?agency",
    )
    p.click("button.run")  # type: ignore[attr-defined]
    p.wait_for_selector("table.sparql-results tbody tr")  # type: ignore[attr-defined]
    check_page(p, "query-results", errors)
    rows = p.locator("table.sparql-results tbody tr")  # type: ignore[attr-defined]
    assert rows.count() >= 1
    link = p.locator("table.sparql-results a[href^='/resource/']").first  # type: ignore[attr-defined]
    href = link.get_attribute("href")
    link.click()
    p.wait_for_url("**" + href)  # type: ignore[attr-defined]
    check_page(p, "query-followed", errors)
