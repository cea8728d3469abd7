"""The whole build, for real: articles in, a reasoned, validated, published graph out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from spacekg import build as build_module
from spacekg.articles import parse_article
from spacekg.cli import main
from spacekg.config import Settings, load_settings
from spacekg.errors import BuildError
from spacekg.store import current_version, open_published, open_store
from spacekg.vocab import SKG, Iris
from tests.stores import STORE_KINDS, emptied

ROOT = Path(__file__).parent.parent
SEED = ROOT / "data" / "articles" / "000_92ec57ef2a237250.txt"

SMALL_REFERENCE = """
@prefix skg: <https://w3id.org/spacekg/ontology#> .
@prefix res: <https://w3id.org/spacekg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
res:european-space-agency a skg:Agency ; rdfs:label "European Space Agency"@en ;
    skos:altLabel "ESA"@en .
res:roscosmos a skg:Agency ; rdfs:label "Roscosmos"@en ; skos:altLabel "Роскосмос"@ru .
res:exomars-2022 a skg:Mission ; rdfs:label "ExoMars 2022"@en ;
    skg:ledBy res:european-space-agency .
res:josef-aschbacher a skg:Person ; rdfs:label "Josef Aschbacher"@en .
"""

PREFIXES = """
PREFIX skg: <https://w3id.org/spacekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
"""


def _data(tmp_path: Path, reference: str = SMALL_REFERENCE) -> Path:
    data = tmp_path / "data"
    (data / "articles").mkdir(parents=True)
    (data / "reference").mkdir()
    (data / "reference" / "small.ttl").write_text(reference, encoding="utf-8")
    shutil.copy(SEED, data / "articles" / SEED.name)
    return data


def _select(store: Path | Settings, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT against an embedded store's folder, or any store's settings."""
    opened = open_published(store) if isinstance(store, Settings) else open_store(store)
    result = opened.query(PREFIXES + query)
    bindings = json.loads(result.serialize("json"))["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def test_bad_articles_are_named_and_the_good_ones_still_publish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path)
    articles = data / "articles"
    (articles / "empty.txt").write_bytes(b"")
    (articles / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (articles / "latin1.txt").write_bytes("date 2022-01-01 Café".encode("latin-1"))
    (articles / "undated.txt").write_text("Nothing says when this was written.")
    with (articles / "huge.txt").open("wb") as handle:
        handle.write(b"date 2022-01-01 ")
        handle.truncate(50 * 1024 * 1024)
    store = tmp_path / "store"

    assert main(["build", "--data", str(data), "--store", str(store)]) == 0

    err = capsys.readouterr().err
    for name, reason in [
        ("empty.txt", "is empty"),
        ("binary.txt", "is binary"),
        ("latin1.txt", "is not UTF-8"),
        ("undated.txt", "has no recognisable date"),
        ("huge.txt", "too large"),
    ]:
        assert f"{name}: {reason}" in err
    rows = _select(store, "SELECT ?file WHERE { ?a a skg:Article ; skg:sourceFile ?file }")
    assert rows == [{"file": SEED.name}]


def test_a_failed_build_leaves_the_published_graph_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, store = _data(tmp_path), tmp_path / "store"
    assert main(["build", "--data", str(data), "--store", str(store)]) == 0
    published = current_version(store)
    count = open_store(store).count()

    (data / "reference" / "small.ttl").write_text("this is not turtle <", encoding="utf-8")
    assert main(["build", "--data", str(data), "--store", str(store)]) == 1

    assert "small.ttl: not valid Turtle" in capsys.readouterr().err
    assert current_version(store) == published
    assert open_store(store).count() == count


def test_a_build_with_no_readable_article_fails_and_publishes_nothing(tmp_path: Path) -> None:
    data = _data(tmp_path)
    (data / "articles" / SEED.name).write_bytes(b"")
    settings = load_settings({"data": data, "store": tmp_path / "store"}, environ={})
    with pytest.raises(BuildError, match=r"no article .* could be read \(.*is empty"):
        build_module.build(settings)
    assert current_version(tmp_path / "store") is None


def test_an_article_that_makes_the_graph_inconsistent_is_left_out_by_name() -> None:
    """A person who is also an organization breaks cax-dw (skg:Person owl:disjointWith
    skg:Organization): that article is reported and dropped, the others stay."""
    iris = Iris()
    ontology = build_module.load_graph(ROOT / "ontology" / "spacekg.ttl")
    good = parse_article("good.txt", b"date 2022-01-01 Nothing to see.")
    bad = parse_article("bad.txt", b"date 2022-01-01 Trouble.")
    who = URIRef(iris.resource("zed"))
    bad_graph = Graph()
    bad_graph.add((who, RDF.type, SKG.Person))
    bad_graph.add((who, RDF.type, SKG.Organization))
    bad_graph.add((who, RDFS.label, Literal("Zed")))
    inputs = build_module.Inputs(
        ontology,
        Graph(),
        {good.slug: (good, frozenset()), bad.slug: (bad, frozenset(bad_graph))},
        [],
    )

    build_module._reason_excluding_bad_articles(inputs, iris, None)

    assert list(inputs.articles) == [good.slug]
    [failure] = inputs.failures
    assert failure.source == "bad.txt"
    assert "inconsistent" in failure.reason and str(who) in failure.reason


# ---------------------------------------------------------------------------
# The real data: what the "done when" asks of every article
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=STORE_KINDS)
def real_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """data/ built and published to each kind of store. Remote stores get the compiled
    rules reasoner (the same closure as owlrl's, tested below; 20x faster)."""
    overrides: dict[str, object] = {"store": tmp_path_factory.mktemp("real") / "store"}
    if request.param != "embedded":
        overrides = {**emptied(request.param, request)[1], "reasoner": "rules"}
    settings = load_settings({**overrides, "progress": False}, environ={})
    report = build_module.build(settings)
    assert report.failures == []
    assert report.counts["inferred"] > 0
    # The compiled rules never derive owlrl's noise; owlrl's is counted, then dropped.
    assert (report.counts["noise"] == 0) == (settings.reasoner == "rules")
    return settings


def test_every_article_is_published(real_store: Settings) -> None:
    files = {p.name for p in (ROOT / "data" / "articles").glob("*.txt")}
    rows = _select(real_store, "SELECT ?file WHERE { ?a a skg:Article ; skg:sourceFile ?file }")
    assert {r["file"] for r in rows} == files


def test_who_said_what_in_which_language_in_which_article_on_what_date(
    real_store: Settings,
) -> None:
    rows = _select(
        real_store,
        """SELECT ?file ?speaker ?lang ?date ?text WHERE {
             ?s a skg:Statement ; skg:statedBy ?who ; skg:text ?text ; skg:reportedIn ?a .
             ?who rdfs:label ?speaker .
             FILTER(LANG(?speaker) = "en" || NOT EXISTS {
               ?who rdfs:label ?english . FILTER(LANG(?english) = "en") })
             ?a skg:sourceFile ?file ; skg:datePublished ?date .
             BIND(LANG(?text) AS ?lang) }""",
    )
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row)
    files = {p.name for p in (ROOT / "data" / "articles").glob("*.txt")}
    assert set(by_file) == files, "every article reports at least one statement"
    seed = {(r["speaker"], r["lang"]) for r in by_file[SEED.name]}
    assert ("Josef Aschbacher", "en") in seed
    assert ("Pietro Baglioni", "en") in seed
    assert any(lang == "ru" for _, lang in seed)
    languages = {r["lang"] for r in rows}
    assert {"en", "ru", "fr", "es", "hi", "ja", "zh"} <= languages


def test_statements_are_linked_to_the_missions_they_mention(real_store: Settings) -> None:
    rows = _select(
        real_store,
        """SELECT DISTINCT ?mission WHERE {
             ?s a skg:Statement ; skg:mentions ?m . ?m a skg:Mission ; rdfs:label ?mission .
             FILTER(LANG(?mission) = "en") }""",
    )
    assert {"ExoMars 2022", "Chandrayaan-3", "Tianwen-1"} <= {r["mission"] for r in rows}


def test_agencies_take_part_in_missions_and_spacecraft_belong_to_them(real_store: Settings) -> None:
    rows = _select(
        real_store,
        """SELECT ?agency ?mission ?craft WHERE {
             ?a a skg:Agency ; skg:participatesIn ?m ; rdfs:label ?agency .
             ?m skg:hasComponent ?c ; rdfs:label ?mission . ?c rdfs:label ?craft .
             FILTER(LANG(?agency) = "en" && LANG(?mission) = "en" && LANG(?craft) = "en") }""",
    )
    triples = {(r["agency"], r["mission"], r["craft"]) for r in rows}
    assert (
        "Roscosmos State Corporation for Space Activities",
        "ExoMars 2022",
        "Kazachok",
    ) in triples
    assert ("Indian Space Research Organisation", "Chandrayaan-3", "Pragyan") in triples


def test_reasoning_gives_generic_clients_the_types_they_know(real_store: Settings) -> None:
    rows = _select(
        real_store,
        """SELECT ?type WHERE { GRAPH <https://w3id.org/spacekg/graph/inferred> {
             <https://w3id.org/spacekg/resource/pietro-baglioni> a ?type } }""",
    )
    types = {r["type"] for r in rows}
    assert {
        "http://schema.org/Person",
        "http://xmlns.com/foaf/0.1/Person",
        "http://www.w3.org/ns/prov#Agent",
    } <= types


def test_the_seed_postponement_has_its_cause(real_store: Settings) -> None:
    rows = _select(
        real_store,
        """SELECT ?cause WHERE {
             <https://w3id.org/spacekg/resource/exomars-2022> skg:postponedBecauseOf ?c .
             ?c rdfs:label ?cause . FILTER(LANG(?cause) = "en") }""",
    )
    assert {"COVID-19 pandemic"} <= {r["cause"] for r in rows}


def test_a_build_records_its_inputs_so_serve_knows_when_it_is_stale(
    tmp_path: Path,
) -> None:
    from spacekg.build import inputs_fingerprint
    from spacekg.cli import _stale

    data, store = _data(tmp_path), tmp_path / "store"
    settings = load_settings({"data": data, "store": store}, environ={})
    build_module.build(settings)
    assert open_store(store).metadata["inputs"] == inputs_fingerprint(settings)
    assert not _stale(settings)

    (data / "articles" / "new.txt").write_text("date 2022-03-01 ESA said nothing.")
    assert _stale(settings)


def test_two_articles_that_clash_cost_only_the_later_one(tmp_path: Path) -> None:
    """Two articles mint the same name as different kinds: the IRI is shared, the types
    are disjoint, and only the later article is left out."""
    data = _data(tmp_path)
    articles = data / "articles"
    (articles / SEED.name).unlink()
    (articles / "a.txt").write_text("date 2022-01-01 The Zephyr mission launched today.")
    (articles / "b.txt").write_text("date 2022-01-02 The Zephyr rover drove off its lander.")
    settings = load_settings({"data": data, "store": tmp_path / "store"}, environ={})

    report = build_module.build(settings)

    assert report.articles == ["a.txt"]
    [failure] = report.failures
    assert failure.source == "b.txt" and "inconsistent" in failure.reason


def test_the_rules_reasoner_publishes_the_same_graph_as_owlrl(tmp_path: Path) -> None:
    data = _data(tmp_path)
    published = {}
    for engine in ("owlrl", "rules"):
        store = tmp_path / f"store-{engine}"
        settings = load_settings({"data": data, "store": store, "reasoner": engine}, environ={})
        build_module.build(settings)
        published[engine] = _select(
            store,
            "SELECT ?s ?p ?o WHERE { "
            "GRAPH <https://w3id.org/spacekg/graph/inferred> { ?s ?p ?o } }",
        )
    key = lambda row: (row["s"], row["p"], row["o"])  # noqa: E731
    assert sorted(map(key, published["rules"])) == sorted(map(key, published["owlrl"]))
    assert published["owlrl"]


def test_every_example_of_the_query_page_finds_answers_in_the_real_data(
    real_store: Settings,
) -> None:
    """The examples name nothing from the data, yet each finds something in it."""
    from spacekg.web import create_app
    from spacekg.web.query_page import examples

    with create_app(real_store).app_context():
        queries = {example.title: example.query() for example in examples()}
    store = open_published(real_store)
    for title, query in queries.items():
        answer = json.loads(store.query(query).serialize("json"))
        assert answer["results"]["bindings"], title
