"""Incremental ingest, for real: the graph an ingest publishes is the graph a full
build of the same articles publishes, quad for quad, in every named graph.

Builds use the compiled rules reasoner (tests/test_reasoning_fast.py and
test_build.py show it publishes owlrl's closure), so each case costs seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from bench.generate import generate
from rdflib import RDF, URIRef

from spacekg.articles import article_slug
from spacekg.build import build, load_graph
from spacekg.cli import _stale, main
from spacekg.config import Settings, load_settings
from spacekg.errors import ArticleError, InconsistencyError, IngestError, StoreError
from spacekg.incremental import (
    OBJECT,
    SUBJECT,
    NeedsFullBuild,
    join_positions,
    join_predicates,
    reason_change,
)
from spacekg.ingest import Ingester, StorePublished
from spacekg.rules import _schema_for
from spacekg.store import Change, EmbeddedTarget, current_version, open_published, open_store
from spacekg.store.embedded import OxigraphStore
from spacekg.vocab import SKG, Iris
from tests.stores import REMOTE_KINDS, emptied

ROOT = Path(__file__).parent.parent
ARTICLES = sorted((ROOT / "data" / "articles").glob("*.txt"))
IRIS = Iris()

QuadKey = tuple[str, str, str, str]


def _project(tmp_path: Path, articles: list[Path], name: str = "p") -> Settings:
    """A data folder holding `articles` and the real reference data, and a store."""
    data = tmp_path / name / "data"
    (data / "articles").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "reference", data / "reference")
    for article in articles:
        shutil.copy(article, data / "articles" / article.name)
    return load_settings(
        {
            "data": data,
            "store": tmp_path / name / "store",
            "ontology": ROOT / "ontology",
            "reasoner": "rules",
        },
        environ={},
    )


def _dataset(settings: Settings) -> set[QuadKey]:
    """Every quad published, the default graph (the union) included. Blank nodes
    (only in the ontology's axioms) are renamed by every load, so they are compared
    by count in `_same_dataset`."""
    store = open_store(settings.store)
    assert isinstance(store, OxigraphStore)
    return {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        for q in store._db
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def _assert_same_dataset(incremental: Settings, full: Settings) -> None:
    ours, theirs = _dataset(incremental), _dataset(full)
    only_ours, only_theirs = sorted(ours - theirs)[:10], sorted(theirs - ours)[:10]
    assert not only_ours and not only_theirs, {"ingest only": only_ours, "build only": only_theirs}
    assert open_store(incremental.store).count() == open_store(full.store).count()


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _project(tmp_path_factory.mktemp("full"), ARTICLES)
    build(settings)
    return settings


@pytest.mark.parametrize("held_out", [0, 4, 8], ids=lambda i: ARTICLES[i].stem)
def test_adding_an_article_publishes_what_a_full_build_does(
    tmp_path: Path, full_build: Settings, held_out: int
) -> None:
    article = ARTICLES[held_out]
    settings = _project(tmp_path, [a for a in ARTICLES if a != article])
    build(settings)

    done = Ingester(settings).ingest_file(article)

    assert done.status == "added" and done.slug == article_slug(article.stem)
    assert done.inferred_added > 0
    _assert_same_dataset(settings, full_build)
    # The text is kept with the others, so the next build reproduces the ingest.
    assert (settings.articles_dir / article.name).read_bytes() == article.read_bytes()
    assert not _stale(settings)


def _edited(article: Path, donor: Path, out: Path) -> Path:
    """`article` with its second half swapped for paragraphs of `donor`."""
    paragraphs = article.read_text(encoding="utf-8").split("\n\n")
    borrowed = donor.read_text(encoding="utf-8").split("\n\n")[1:3]
    out.mkdir(parents=True, exist_ok=True)
    edited = out / article.name
    edited.write_text(
        "\n\n".join(paragraphs[: max(2, len(paragraphs) // 2)] + borrowed) + "\n",
        encoding="utf-8",
    )
    return edited


@pytest.mark.parametrize(("target", "donor"), [(2, 6), (0, 4), (7, 0)])
def test_replacing_an_article_publishes_what_a_full_build_does(
    tmp_path: Path, target: int, donor: int
) -> None:
    """Half the article goes (its postponements, speakers, missions) and other
    paragraphs come: what only the old text supported is retracted, inferences
    joining it with other articles included."""
    settings = _project(tmp_path, ARTICLES, "incremental")
    build(settings)
    edited = _edited(ARTICLES[target], ARTICLES[donor], tmp_path / "edited")

    done = Ingester(settings).ingest_file(edited)

    assert done.status == "replaced" and done.inferred_removed > 0
    full = _project(tmp_path, [edited if a == ARTICLES[target] else a for a in ARTICLES], "full")
    build(full)
    _assert_same_dataset(settings, full)


def test_a_stream_of_synthetic_articles_matches_a_full_build(tmp_path: Path) -> None:
    """Generated articles share missions, carriers and causes of postponement, so
    later ones join with earlier ones: ingest six one by one into a build of
    twenty, replace one of them, and compare with a build of the result."""
    corpus = tmp_path / "corpus"
    generate(26, seed=11, out=corpus, reference_dir=ROOT / "data" / "reference")
    files = sorted(corpus.glob("*.txt"))
    settings = _project(tmp_path, files[:20], "incremental")
    build(settings)
    ingester = Ingester(settings)
    for path in files[20:]:
        assert ingester.ingest_file(path).status == "added"
    replacement = tmp_path / "replacement" / files[3].name
    replacement.parent.mkdir()
    shutil.copy(files[24], replacement)  # another article's text under this name
    assert ingester.ingest_file(replacement).status == "replaced"

    full = _project(tmp_path, [*files[:3], replacement, *files[4:]], "full")
    build(full)
    _assert_same_dataset(settings, full)


def test_an_inference_two_articles_support_stays_until_both_go(tmp_path: Path) -> None:
    """Two articles report a postponement of one mission for one cause, each its own
    postponement: the mission is postponedBecauseOf the cause (a property chain)
    twice over. Retracting one report keeps it; retracting the other too drops it."""
    corpus = tmp_path / "corpus"
    generate(12, seed=3, out=corpus, reference_dir=ROOT / "data" / "reference")
    files = sorted(corpus.glob("*.txt"))
    postponed = next(f for f in files if POSTPONED.search(f.read_text(encoding="utf-8")))
    twin = corpus / f"twin-{postponed.name}"
    shutil.copy(postponed, twin)
    files.append(twin)
    settings = _project(tmp_path, files, "incremental")
    build(settings)
    chains = _chain_triples(settings)
    assert chains, "the corpus has a postponement with a cause"
    ingester = Ingester(settings)
    edited = tmp_path / "edited"
    edited.mkdir()

    for step, retracted in enumerate((postponed, twin), start=1):
        quiet = edited / retracted.name
        quiet.write_text(POSTPONED.sub("", retracted.read_text(encoding="utf-8")), encoding="utf-8")
        assert ingester.ingest_file(quiet).status == "replaced"
        files = [quiet if f == retracted else f for f in files]
        full = _project(tmp_path, files, f"full-{step}")
        build(full)
        _assert_same_dataset(settings, full)
        if step == 1:
            assert _chain_triples(settings) == chains  # the twin still supports each


def test_components_meet_only_where_the_rules_join() -> None:
    """postponedBecauseOf = postponedBy o causedBy joins at the postponement, so the
    mission and the cause (hubs) join nothing; a transitive property joins anywhere."""
    schema = _schema_for(load_graph(ROOT / "ontology" / "spacekg.ttl"))
    positions = join_positions(schema)
    assert positions[SKG.postponedBy] == {OBJECT}
    assert positions[SKG.postponementOf] == {SUBJECT}  # its inverse
    assert positions[SKG.causedBy] == {SUBJECT}
    assert positions[SKG.carries] == {SUBJECT, OBJECT}
    assert set(positions) == join_predicates(schema)


#: The generator's sentence reporting a postponement and its cause.
POSTPONED = re.compile(
    r"The launch was initially scheduled for \d+ but was postponed owing to [^.]+\."
)


def _chain_triples(settings: Settings) -> set[tuple[str, str]]:
    """The (mission, cause) pairs of skg:postponedBecauseOf in the inferred graph."""
    rows = open_store(settings.store).query(
        f"SELECT ?m ?c WHERE {{ GRAPH <{IRIS.inferred_graph}> "
        f"{{ ?m <{SKG.postponedBecauseOf}> ?c }} }}"
    )
    table = rows.table(10_000)["results"]["bindings"]
    return {(row["m"]["value"], row["c"]["value"]) for row in table}


def test_ingesting_the_same_text_again_changes_nothing(tmp_path: Path) -> None:
    settings = _project(tmp_path, ARTICLES[:2])
    build(settings)
    before = current_version(settings.store)

    done = Ingester(settings).ingest_file(ARTICLES[0])

    assert done.status == "unchanged" and done.version == before
    assert current_version(settings.store) == before


# ---------------------------------------------------------------------------
# Failures leave the graph, and data/articles, as they were
# ---------------------------------------------------------------------------


def _zephyr(tmp_path: Path) -> tuple[Settings, Path]:
    """A build where 'Zephyr' is a mission, and an article that calls it a rover:
    the two types are disjoint (see test_build's clash test)."""
    settings = _project(tmp_path, [])
    (settings.articles_dir / "a.txt").write_text(
        "date 2022-01-01 The Zephyr mission launched today.", encoding="utf-8"
    )
    build(settings)
    bad = tmp_path / "b.txt"
    bad.write_text("date 2022-01-02 The Zephyr rover drove off its lander.", encoding="utf-8")
    return settings, bad


def test_an_article_that_makes_the_graph_inconsistent_is_refused(tmp_path: Path) -> None:
    settings, bad = _zephyr(tmp_path)
    before = _dataset(settings)
    version = current_version(settings.store)

    with pytest.raises(InconsistencyError, match="Disjoint classes"):
        Ingester(settings).ingest_file(bad)

    assert current_version(settings.store) == version and _dataset(settings) == before
    assert not (settings.articles_dir / "b.txt").exists()


def test_a_bad_article_is_refused_by_name(tmp_path: Path) -> None:
    settings = _project(tmp_path, ARTICLES[:1])
    build(settings)
    version = current_version(settings.store)
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\xff" * 100)

    with pytest.raises(ArticleError, match=r"broken\.txt"):
        Ingester(settings).ingest_file(binary)
    with pytest.raises(ArticleError, match="usable file name"):
        Ingester(settings).ingest("../escape.txt", ARTICLES[1].read_bytes())

    assert current_version(settings.store) == version
    assert sorted(p.name for p in settings.articles_dir.iterdir()) == [ARTICLES[0].name]


class _FailingTarget(EmbeddedTarget):
    """The real embedded store, whose publishing step fails (a full disk, say)."""

    def apply(self, change: Change, *, metadata: Any) -> str:
        raise StoreError("no space left on device")


def test_a_failed_publish_leaves_the_graph_and_the_articles_as_they_were(
    tmp_path: Path,
) -> None:
    settings = _project(tmp_path, ARTICLES[:2])
    build(settings)
    before, version = _dataset(settings), current_version(settings.store)
    replaced = settings.articles_dir / ARTICLES[0].name
    original = replaced.read_bytes()
    edited = _edited(ARTICLES[0], ARTICLES[3], tmp_path / "edited")

    ingester = Ingester(settings, target=_FailingTarget(settings.store))
    with pytest.raises(StoreError, match="no space"):
        ingester.ingest_file(edited)
    with pytest.raises(StoreError, match="no space"):
        ingester.ingest_file(ARTICLES[5])

    assert current_version(settings.store) == version and _dataset(settings) == before
    assert replaced.read_bytes() == original
    assert not (settings.articles_dir / ARTICLES[5].name).exists()


def test_ingest_refuses_when_the_reference_data_changed_since_the_build(
    tmp_path: Path,
) -> None:
    settings = _project(tmp_path, ARTICLES[:1])
    build(settings)
    extra = settings.reference_dir / "extra.ttl"
    extra.write_text(
        "<https://w3id.org/spacekg/resource/x> a <https://w3id.org/spacekg/ontology#Agency> .\n",
        encoding="utf-8",
    )

    with pytest.raises(IngestError, match="reference data on disk is not what"):
        Ingester(settings).ingest_file(ARTICLES[1])


def test_schema_talk_in_an_article_needs_a_full_build(tmp_path: Path) -> None:
    settings = _project(tmp_path, ARTICLES[:1])
    build(settings)
    store = open_store(settings.store)
    published = StorePublished(store, IRIS, IRIS.article_graph("article-new"))
    thing = URIRef(IRIS.resource("zephyr"))
    ontology = load_graph(settings.ontology_file)
    with pytest.raises(NeedsFullBuild, match="schema"):
        reason_change(ontology, published, [], [(thing, RDF.type, URIRef(str(RDF.Property)))])
    # A plain article triple has an incremental answer.
    change = reason_change(ontology, published, [], [(thing, RDF.type, SKG.Rover)])
    assert (thing, RDF.type, SKG.Spacecraft) in change.insert


# ---------------------------------------------------------------------------
# The two ways in: the CLI and POST /articles
# ---------------------------------------------------------------------------


def test_the_cli_ingests_each_file_and_names_the_ones_it_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _project(tmp_path, ARTICLES[:2])
    build(settings)
    broken = tmp_path / "empty.txt"
    broken.write_bytes(b"")

    status = main(
        [
            "ingest",
            "--data",
            str(settings.data),
            "--store",
            str(settings.store),
            str(ARTICLES[3]),
            str(broken),
        ]
    )

    out, err = capsys.readouterr()
    assert status == 1
    assert out.startswith(f"added {article_slug(ARTICLES[3].stem)} from {ARTICLES[3].name}")
    assert "not ingested: empty.txt" in err
    assert (settings.articles_dir / ARTICLES[3].name).exists()


TOKEN = "s3cret-token"


def _http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, Any]:
    """One real request; the status, the headers, and the body (parsed when JSON)."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        # An opener of its own: no handler another test installed process-wide answers our 401s.
        with urllib.request.build_opener().open(request, timeout=60) as response:
            status, got, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, got, raw = error.code, error.headers, error.read()
    text = raw.decode("utf-8")
    is_json = got.get("Content-Type", "").startswith(("application/json", "application/sparql"))
    return status, got, json.loads(text) if is_json else text


def _multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "spacekg-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def ingest_server(tmp_path: Path, serve: Callable[[Any], str]) -> tuple[str, Settings]:
    from spacekg.web import create_app

    settings = _project(tmp_path, ARTICLES[:2])
    build(settings)
    settings = load_settings(
        {
            "data": settings.data,
            "store": settings.store,
            "ontology": settings.ontology,
            "ingest_token": TOKEN,
        },
        environ={},
    )
    return serve(create_app(settings, articles=Ingester(settings))), settings


def test_post_articles_adds_and_replaces_articles_behind_a_token(
    ingest_server: tuple[str, Settings],
) -> None:
    url, settings = ingest_server
    article = ARTICLES[5]
    auth = {"Authorization": f"Bearer {TOKEN}"}

    denied = _http("POST", f"{url}/articles", article.read_bytes(), {"Slug": article.name})
    wrong = _http(
        "POST",
        f"{url}/articles",
        article.read_bytes(),
        {"Authorization": "Bearer guess", "Slug": article.name},
    )
    assert denied[0] == wrong[0] == 401
    assert denied[1]["WWW-Authenticate"].startswith("Bearer")
    assert not (settings.articles_dir / article.name).exists()

    status, headers, report = _http(
        "POST",
        f"{url}/articles",
        article.read_bytes(),
        {**auth, "Slug": article.name, "Content-Type": "text/plain; charset=utf-8"},
    )
    assert status == 201, report
    assert report["status"] == "added" and report["triples"] > 0
    page_status, _, page = _http(
        "GET", f"{url}{headers['Location']}", None, {"Accept": "text/html"}
    )
    assert page_status == 200 and "Perseverance" in page

    body, content_type = _multipart("article", article.name, ARTICLES[6].read_bytes())
    status, _, report = _http(
        "POST", f"{url}/articles", body, {**auth, "Content-Type": content_type}
    )
    assert status == 200 and report["status"] == "replaced"
    query = "ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?s), 'juice')) }"
    _, _, answer = _http(
        "GET",
        f"{url}/sparql?" + urllib.parse.urlencode({"query": query}),
        None,
        {"Accept": "application/sparql-results+json"},
    )
    assert answer["boolean"] is True
    assert (settings.articles_dir / article.name).read_bytes() == ARTICLES[6].read_bytes()


def test_post_articles_refuses_bad_input_with_a_reason(
    ingest_server: tuple[str, Settings],
) -> None:
    url, settings = ingest_server
    auth = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    version = current_version(settings.store)
    text = b"date 2022-01-01 Hi."

    unnamed = _http("POST", f"{url}/articles", text, auth)
    binary = _http("POST", f"{url}/articles?name=junk.txt", b"\x00\x01" * 50, auth)
    sneaky = _http("POST", f"{url}/articles", text, {**auth, "Slug": "../x"})

    assert unnamed[0] == 400 and "Slug" in unnamed[2]["message"]
    assert binary[0] == 400 and "junk.txt" in binary[2]["message"]
    assert sneaky[0] == 400 and "file name" in sneaky[2]["message"]
    assert current_version(settings.store) == version


def test_without_a_token_there_is_no_route(live_server: Any) -> None:
    status, _, body = _http(
        "POST",
        f"{live_server.url}/articles",
        b"date 2022-01-01 Hi.",
        {"Authorization": "Bearer ", "Slug": "a.txt", "Accept": "application/json"},
    )
    assert status in (404, 405) and body["status"] == status


# --- on an external store -------------------------------------------------------------


def _remote_quads(settings: Settings) -> set[QuadKey]:
    """Every quad of the named graphs of a remote store, read back through its dump."""
    dataset = ox.Dataset(
        ox.parse(b"".join(open_published(settings).dump("nq")), ox.RdfFormat.N_QUADS)
    )
    return {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        for q in dataset
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_a_replacement_on_an_external_store_publishes_what_a_full_build_does(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    """The ingest asks the store what is asserted and what the old text alone
    supported. With no graph named in its queries (the limit at 0, as on Virtuoso
    past a thousand articles) the union graph, the build record and the store's
    own graphs must still stay out of the answers: an inference found in the union
    graph would seem asserted and never be retracted."""
    local = _project(tmp_path, ARTICLES, "remote")
    remote = {**emptied(kind, request)[1], "store_named_graph_limit": 0}
    settings = load_settings(
        {**remote, "data": local.data, "ontology": local.ontology, "reasoner": "rules"},
        environ={},
    )
    build(settings)
    edited = _edited(ARTICLES[2], ARTICLES[6], tmp_path / "edited")

    done = Ingester(settings).ingest_file(edited)

    assert done.status == "replaced" and done.inferred_removed > 0
    full = _project(tmp_path, [edited if a == ARTICLES[2] else a for a in ARTICLES], "full")
    build(full)
    expected = {quad for quad in _dataset(full) if quad[3] != "DEFAULT"}
    ours = _remote_quads(settings)
    only_ours, only_theirs = sorted(ours - expected)[:10], sorted(expected - ours)[:10]
    assert not only_ours and not only_theirs, {"ingest only": only_ours, "build only": only_theirs}
    assert open_published(settings).count() == open_store(full.store).count()
