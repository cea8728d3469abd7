"""Every URL the web pages link to, built in one place.

Like Datasette's `Urls`: templates and views never paste paths together;
they ask `Urls`. It honours the configured base IRI: an IRI under
`{base}resource/` is shown as a link to this service's `/resource/{slug}`
page, wherever the service runs (any host, port or mount point), while every
other IRI links out to where it lives.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from spacekg.vocab import SKG, Iris, is_slug

_SKG = str(SKG._NS)


#: The only schemes an IRI may have to become a link out of the site. Anything
#: else (`javascript:`, `data:`, `vbscript:`, `file:`, `urn:`…) is data, not a
#: place to go: a page shows it as text, so no IRI in the graph can run script.
LINKABLE_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class Link:
    """Where an IRI points for a reader: a local page, out of the site, or (href None)
    nowhere safe to follow, so pages show it as text."""

    href: str | None
    local: bool


@dataclass(frozen=True)
class Urls:
    """Paths of this service, under `root` (the mount point, '' at the top)."""

    iris: Iris
    root: str = ""

    def path(self, path: str, **params: str | int | None) -> str:
        """`path` under the mount point, with the non-empty `params` as a query string."""
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"{self.root}{path}" + (f"?{query}" if query else "")

    def home(self) -> str:
        return self.path("/")

    def search(self, q: str | None = None) -> str:
        return self.path("/search", q=q)

    def autocomplete(self) -> str:
        return self.path("/search.json")

    def sparql(self, query: str | None = None) -> str:
        return self.path("/sparql", query=query)

    def ontology(self, fmt: str | None = None) -> str:
        return self.path("/ontology" + (f".{fmt}" if fmt else ""))

    def term(self, name: str) -> str:
        """The documentation of one ontology term on the ontology page."""
        return self.path("/ontology") + f"#{quote(name)}"

    def class_page(self, name: str, page: int | None = None) -> str:
        return self.path(f"/class/{quote(name)}", page=page if page and page > 1 else None)

    def dumps(self) -> str:
        return self.path("/dumps")

    def dump(self, extension: str, inferred: bool = True) -> str:
        """The whole graph as one file: with inferences (`/dump.ttl`) or the asserted
        triples only (`/dump-asserted.ttl`). Gzip is negotiated, not in the path."""
        return self.path(f"{'/dump' if inferred else '/dump-asserted'}.{extension}")

    def void(self) -> str:
        return self.path("/.well-known/void")

    def static(self, filename: str) -> str:
        return self.path(f"/static/{quote(filename)}")

    def resource(self, slug: str, extension: str | None = None, **params: str | int | None) -> str:
        return self.path(f"/resource/{slug}" + (f".{extension}" if extension else ""), **params)

    def link(self, iri: str) -> Link:
        """Where a reader following `iri` should land: our resources and ontology
        terms on local pages, other http(s) IRIs at the IRI itself, and any other
        IRI nowhere (href None: shown as text, never as a `javascript:` link)."""
        slug = self.iris.slug_of(iri)
        if slug is not None and is_slug(slug):
            return Link(self.resource(slug), local=True)
        if iri.startswith(_SKG) and iri[len(_SKG) :].isidentifier():
            return Link(self.term(iri[len(_SKG) :]), local=True)
        scheme, colon, _ = iri.partition(":")
        if colon and scheme.lower() in LINKABLE_SCHEMES:
            return Link(iri, local=False)
        return Link(None, local=False)
