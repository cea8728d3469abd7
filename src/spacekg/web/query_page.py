"""The query page: `/sparql` for people (a browser, or `format=html`).

An editor with our prefixes declared, example queries about this graph, the
results as a table whose IRIs show their labels and link to our entity pages,
downloads in every format, a permalink, and errors that point at the line
and column of a syntax error. Rendered on the server: it works without
JavaScript (query.js adds highlighting and shortcuts). Everything shown is
escaped by Jinja's autoescaping; no IRI becomes a link unless it is one of
our pages or an http(s) address (never `javascript:`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template

from spacekg.errors import QueryError, QueryLimitError, QueryMemoryError
from spacekg.store.formats import GRAPH_FORMATS, RESULT_FORMATS, QueryKind, formats_for
from spacekg.store.workers import Outcome
from spacekg.vocab import PREFIXES
from spacekg.web import sparql
from spacekg.web.layout import current_urls
from spacekg.web.state import app_state, current_store

#: The editor grows with its query between these many lines (then it scrolls).
EDITOR_ROWS = (8, 30)

_PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


@dataclass(frozen=True)
class Example:
    title: str
    body: str

    def query(self) -> str:
        """The example with every prefix it uses declared."""
        used = [n for n in PREFIXES if re.search(rf"(?<![\w<]){re.escape(n)}:", self.body)]
        return "".join(f"PREFIX {n}: <{PREFIXES[n]}>\n" for n in used) + "\n" + self.body


def examples() -> list[Example]:
    """Questions this graph answers well, as queries to start from."""
    inferred = app_state().settings.iris.inferred_graph
    return [
        Example(
            "Who said what about which mission",
            """SELECT ?speaker ?speakerName ?words ?mission ?date WHERE {
  ?statement skg:statedBy ?speaker ;
             skg:text ?words ;
             skg:mentions ?mission .
  ?mission a skg:Mission .
  OPTIONAL { ?speaker rdfs:label ?speakerName }
  OPTIONAL { ?statement skg:datePublished ?date }
}
ORDER BY ?date
LIMIT 100""",
        ),
        Example(
            "Agencies and their missions",
            """SELECT ?agency (COUNT(DISTINCT ?mission) AS ?missions)
       (GROUP_CONCAT(DISTINCT ?missionName; separator=", ") AS ?names) WHERE {
  ?agency a skg:Agency ;
          skg:participatesIn ?mission .
  OPTIONAL { ?mission rdfs:label ?missionName FILTER(lang(?missionName) = "en") }
}
GROUP BY ?agency
ORDER BY DESC(?missions)""",
        ),
        Example(
            "What reasoning added, by property",
            f"""SELECT ?property (COUNT(*) AS ?triples) WHERE {{
  GRAPH <{inferred}> {{ ?s ?property ?o }}
}}
GROUP BY ?property
ORDER BY DESC(?triples)""",
        ),
        Example(
            "Facts only reasoning knows about the mission it adds most to",
            f"""SELECT ?subject ?property ?object WHERE {{
  {{
    SELECT ?mission WHERE {{
      ?mission a skg:Mission .
      GRAPH <{inferred}> {{ ?mission ?p ?o }}
    }}
    GROUP BY ?mission
    ORDER BY DESC(COUNT(*)) ?mission
    LIMIT 1
  }}
  GRAPH <{inferred}> {{
    {{ ?mission ?property ?object BIND(?mission AS ?subject) }}
    UNION
    {{ ?subject ?property ?mission BIND(?mission AS ?object) }}
  }}
}}
LIMIT 200""",
        ),
        Example(
            "Spacecraft, their missions and what they carry",
            """SELECT ?craft ?mission ?carried WHERE {
  ?craft a skg:Spacecraft .
  OPTIONAL { ?craft skg:partOfMission ?mission }
  OPTIONAL { ?craft skg:carries ?carried }
}
ORDER BY ?craft
LIMIT 200""",
        ),
        Example(
            "Social-media posts and who wrote them",
            """SELECT ?author ?words ?date WHERE {
  ?post a skg:SocialMediaPost ;
        skg:statedBy ?author ;
        skg:text ?words .
  OPTIONAL { ?post skg:datePublished ?date }
}
ORDER BY DESC(?date)""",
        ),
        Example(
            "The named graphs and their sizes",
            """SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph
ORDER BY DESC(?triples)""",
        ),
    ]


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    local: bool = False
    iri: str | None = None  # shown under a label
    note: str | None = None  # a language tag or datatype


@dataclass(frozen=True)
class ShownError:
    message: str
    status: int
    line: int | None = None
    column: int | None = None
    source_line: str | None = None
    title: str = "The query could not run"


def page(query: str | None = None) -> Response:
    """The page with an empty editor (our prefixes declared) or `query` in it."""
    return _render(query or _PROLOGUE + "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n")


def results(query: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> Response:
    """The page with `query` in the editor and its results (or its error) below."""
    job = replace(sparql.make_job(current_store(), query, default_graphs, named_graphs), table=True)
    started = time.perf_counter()
    try:
        outcome = sparql.run(job)
    except QueryError as exc:
        return _render(query, error=_shown(query, exc), status=400, datasets=job)
    except QueryLimitError as exc:
        title = (
            "The query ran out of memory"
            if isinstance(exc, QueryMemoryError)
            else "The query ran out of time"
        )
        return _render(
            query, error=ShownError(str(exc), 503, title=title), status=503, datasets=job
        )
    elapsed = time.perf_counter() - started
    response = _render(query, outcome=outcome, elapsed=elapsed, datasets=job)
    sparql.result_headers(response, outcome)
    return response


def _render(
    query: str,
    *,
    outcome: Outcome | None = None,
    error: ShownError | None = None,
    elapsed: float | None = None,
    status: int = 200,
    datasets: Any = None,
) -> Response:
    default_graphs = list(getattr(datasets, "default_graph_uris", ()))
    named_graphs = list(getattr(datasets, "named_graph_uris", ()))
    kind = outcome.kind if outcome is not None else None
    offered = formats_for(kind) if kind is not None else ()
    settings = app_state().settings
    html = render_template(
        "sparql/query.html",
        query=query,
        editor_rows=min(max(query.count("\n") + 2, EDITOR_ROWS[0]), EDITOR_ROWS[1]),
        editor_limits=EDITOR_ROWS,
        examples=[(ex.title, ex.query(), _url(ex.query(), "html")) for ex in examples()],
        prefixes=PREFIXES,
        formats=[*RESULT_FORMATS, *GRAPH_FORMATS],
        outcome=outcome,
        kind=kind.value if kind is not None else None,
        columns=_columns(outcome),
        rows=_rows(outcome),
        boolean=(outcome.table or {}).get("boolean") if outcome is not None else None,
        downloads=[(fmt, _url(query, fmt.name, default_graphs, named_graphs)) for fmt in offered],
        permalink=_url(query, "html", default_graphs, named_graphs) if outcome else None,
        error=error,
        elapsed_ms=round(elapsed * 1000) if elapsed is not None else None,
        limit=f"{settings.result_limit:,}",
        timeout=settings.query_timeout,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
    )
    return Response(html, status, mimetype="text/html")


def _url(
    query: str, fmt: str, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = ()
) -> str:
    params = [("query", query), ("format", fmt)]
    params += [("default-graph-uri", g) for g in default_graphs]
    params += [("named-graph-uri", g) for g in named_graphs]
    return f"{current_urls().path('/sparql')}?{urlencode(params)}"


def _shown(query: str, exc: QueryError) -> ShownError:
    if exc.position is None:
        return ShownError(str(exc), 400)
    line, column = exc.position
    lines = query.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else None
    return ShownError(str(exc), 400, line, column, source)


def _columns(outcome: Outcome | None) -> list[str]:
    if outcome is None or outcome.table is None:
        return []
    columns: list[str] = outcome.table.get("head", {}).get("vars", [])
    return columns


def _rows(outcome: Outcome | None) -> list[list[Cell | None]]:
    if outcome is None or outcome.table is None or outcome.kind == QueryKind.ASK:
        return []
    columns = _columns(outcome)
    return [
        [_cell(binding[name], outcome.labels) if name in binding else None for name in columns]
        for binding in outcome.table["results"]["bindings"]
    ]


def _cell(term: dict[str, Any], labels: dict[str, str]) -> Cell:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        link = current_urls().link(value)
        safe = link.local or value.startswith(("http://", "https://"))
        label = labels.get(value)
        return Cell(
            label or _compact(value),
            href=link.href if safe else None,
            local=link.local,
            iri=value if label else None,
        )
    if kind == "bnode":
        return Cell(f"_:{value}")
    if kind == "triple":
        parts = (_cell(value[k], labels).text for k in ("subject", "predicate", "object"))
        return Cell("<< " + " ".join(parts) + " >>")
    if "xml:lang" in term:
        return Cell(value, note=f"@{term['xml:lang']}")
    return Cell(value, note=f"^^{_compact(term['datatype'])}" if "datatype" in term else None)


def _compact(iri: str) -> str:
    """`iri` as a prefixed name when one of our prefixes fits."""
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and re.fullmatch(r"[\w-]*", iri[len(namespace) :]):
            return f"{name}:{iri[len(namespace) :]}"
    return iri
