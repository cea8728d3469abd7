"""The URL builder: one place for every path, honouring the base IRI and the mount point."""

from __future__ import annotations

import pytest

from spacekg.vocab import SKG, Iris
from spacekg.web.urls import Link, Urls

W3ID = "https://w3id.org/spacekg/"
EX = "http://example.org/kg/"


@pytest.mark.parametrize(
    ("base", "iri", "expected"),
    [
        (W3ID, W3ID + "resource/esa", Link("/resource/esa", True)),
        (EX, EX + "resource/esa", Link("/resource/esa", True)),
        ("http://example.org/kg/", "https://w3id.org/spacekg/resource/esa",
         Link("https://w3id.org/spacekg/resource/esa", False)),
        ("https://w3id.org/spacekg/", str(SKG.Agency), Link("/ontology#Agency", True)),
        (W3ID, "http://schema.org/Person", Link("http://schema.org/Person", False)),
        ("https://w3id.org/spacekg/", "https://w3id.org/spacekg/resource/x?<y>",
         Link("https://w3id.org/spacekg/resource/x?<y>", False)),
        (W3ID, "HTTPS://example.org/x", Link("HTTPS://example.org/x", False)),
        (W3ID, "javascript:alert(1)", Link(None, False)),
        (W3ID, "JaVaScRiPt:alert(1)", Link(None, False)),
        (W3ID, "data:text/html;base64,PHNjcmlwdD4=", Link(None, False)),
        (W3ID, "vbscript:msgbox(1)", Link(None, False)),
        (W3ID, "urn:isbn:0451450523", Link(None, False)),
        (W3ID, "mailto:press@esa.int", Link(None, False)),
    ],
    ids=[
        "our resource under the default base links locally",
        "our resource under a configured base links locally",
        "an IRI under another base links out",
        "an ontology term links to its documentation",
        "a foreign vocabulary term links out",
        "a malformed slug under our base is not turned into a local path",
        "an upper-case https scheme still links out",
        "a javascript IRI is no link",
        "a javascript IRI in mixed case is no link",
        "a data IRI is no link",
        "a vbscript IRI is no link",
        "a URN is no link (nowhere to go)",
        "a mailto IRI is no link (only http and https are)",
    ],
)  # fmt: skip
def test_link(base: str, iri: str, expected: Link) -> None:
    assert Urls(Iris(base)).link(iri) == expected


def test_paths_honour_the_mount_point() -> None:
    urls = Urls(Iris(), root="/kg")
    assert urls.home() == "/kg/"
    assert urls.resource("esa", "ttl") == "/kg/resource/esa.ttl"
    assert urls.link("https://w3id.org/spacekg/resource/esa").href == "/kg/resource/esa"
    assert (
        urls.sparql("SELECT * { ?s ?p ?o }") == "/kg/sparql?query=SELECT+%2A+%7B+%3Fs+%3Fp+%3Fo+%7D"
    )
    assert urls.search() == "/kg/search"
    assert urls.class_page("Agency", page=1) == "/kg/class/Agency"
    assert urls.class_page("Agency", page=3) == "/kg/class/Agency?page=3"


def test_dump_paths() -> None:
    urls = Urls(Iris(), root="/kg")
    assert urls.dump("ttl") == "/kg/dump.ttl"
    assert urls.dump("nq", inferred=False) == "/kg/dump-asserted.nq"
    assert urls.dumps() == "/kg/dumps" and urls.void() == "/kg/.well-known/void"
