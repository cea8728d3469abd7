"""The `spacekg` command, run for real in a subprocess against a published store;
`build`'s reporting and exit codes, in-process against a stand-in build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spacekg.store import DUMP_FORMATS
from spacekg.store.formats import Format
from tests.conftest import ARTICLE_GRAPH, ESA, ROSCOSMOS, sample_quads
from tests.roundtrip import (
    assert_isomorphic,
    named_graph,
    parse_dataset,
    parse_graph,
    union_graph,
)

AGENCIES = (
    "SELECT ?agency WHERE { ?agency a <https://w3id.org/spacekg/ontology#Agency> } ORDER BY ?agency"
)
CONSTRUCT_ALL = "CONSTRUCT WHERE { ?s ?p ?o }"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any SPACEKG_* variable the developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPACEKG_")}
    return {**env, **extra}


def spacekg(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m spacekg ARGS` and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "spacekg", *args],
        input=stdin,
        capture_output=True,
        env=env or clean_env(),
        timeout=60,
        check=False,
    )


def bindings(stdout: bytes) -> list[str]:
    rows = json.loads(stdout)["results"]["bindings"]
    return [row["agency"]["value"] for row in rows]


def test_the_console_script_prints_json_results(store_root: Path) -> None:
    script = Path(sys.executable).with_name("spacekg")
    done = subprocess.run(
        [script, "query", "--store", str(store_root), AGENCIES],
        capture_output=True,
        env=clean_env(),
        timeout=60,
        check=True,
    )
    assert bindings(done.stdout) == [str(ESA), str(ROSCOSMOS)]


def test_query_reads_the_store_from_the_environment(store_root: Path) -> None:
    done = spacekg("query", AGENCIES, env=clean_env(SPACEKG_STORE=str(store_root)))
    assert done.returncode == 0, done.stderr
    assert bindings(done.stdout) == [str(ESA), str(ROSCOSMOS)]


def test_query_reads_a_file_and_stdin(store_root: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "agencies.rq"
    query_file.write_text(AGENCIES, encoding="utf-8")
    from_file = spacekg("query", "--store", str(store_root), f"@{query_file}")
    from_stdin = spacekg("query", "--store", str(store_root), "-", stdin=AGENCIES.encode())
    assert from_file.returncode == from_stdin.returncode == 0
    assert bindings(from_file.stdout) == bindings(from_stdin.stdout) == [str(ESA), str(ROSCOSMOS)]


def test_ask_prints_a_json_boolean(store_root: Path) -> None:
    done = spacekg("query", "--store", str(store_root), f"ASK {{ <{ESA}> ?p ?o }}")
    assert json.loads(done.stdout)["boolean"] is True


def test_construct_prints_turtle(store_root: Path) -> None:
    done = spacekg("query", "--store", str(store_root), CONSTRUCT_ALL)
    assert done.returncode == 0, done.stderr
    assert_isomorphic(parse_graph(done.stdout, "ttl"), union_graph(sample_quads()))


def test_format_overrides_the_default(store_root: Path) -> None:
    done = spacekg("query", "--store", str(store_root), "--format", "csv", AGENCIES)
    assert done.stdout.decode().split() == ["agency", str(ESA), str(ROSCOSMOS)]


@pytest.mark.parametrize("fmt", DUMP_FORMATS, ids=lambda fmt: fmt.name)
def test_dump_parses_back_in_every_format(store_root: Path, fmt: Format) -> None:
    done = spacekg("dump", "--store", str(store_root), "--format", fmt.name)
    assert done.returncode == 0, done.stderr
    if fmt.keeps_graphs:
        dataset = parse_dataset(done.stdout, fmt.name)
        assert_isomorphic(dataset.graph(ARTICLE_GRAPH), named_graph(sample_quads(), ARTICLE_GRAPH))
    else:
        assert_isomorphic(parse_graph(done.stdout, fmt.name), union_graph(sample_quads()))


def test_dump_to_a_file_takes_the_format_from_its_extension(
    store_root: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "graph.nt"
    output.parent.mkdir()
    done = spacekg("dump", "--store", str(store_root), "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert_isomorphic(parse_graph(output.read_bytes(), "nt"), union_graph(sample_quads()))
    assert [path.name for path in output.parent.iterdir()] == ["graph.nt"]  # no temporary left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", AGENCIES), "no knowledge graph has been built at"),
        (("dump",), "no knowledge graph has been built at"),
    ],
    ids=["query", "dump"],
)
def test_a_missing_store_is_a_one_line_error(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = spacekg(*args, env=clean_env(SPACEKG_STORE=str(tmp_path / "nothing-here")))
    assert done.returncode == 1
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("spacekg: error: ")
    assert message in lines[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELEC ?s", "SPARQL syntax error"),
        ("DROP ALL", "updates are not allowed"),
        ("@/nonexistent/query.rq", "cannot read the query"),
    ],
    ids=["syntax", "update", "unreadable-file"],
)
def test_bad_queries_are_one_line_errors(store_root: Path, query: str, message: str) -> None:
    done = spacekg("query", "--store", str(store_root), query)
    assert done.returncode == 1
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("spacekg: error: ") and message in line


def test_a_format_that_does_not_suit_the_query_is_an_error(store_root: Path) -> None:
    done = spacekg("query", "--store", str(store_root), "--format", "ttl", AGENCIES)
    assert done.returncode == 1
    assert b"choose one of: json, xml, csv, tsv" in done.stderr


def test_every_command_has_help() -> None:
    for command in ("build", "query", "dump", "serve"):
        done = spacekg(command, "--help")
        assert done.returncode == 0
        assert b"SPACEKG_STORE" in done.stdout
