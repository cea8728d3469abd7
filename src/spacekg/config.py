"""Settings, declared once as data.

Each setting has a name, a default, a type and a line of help. Values come, in
order of precedence, from explicit overrides (CLI flags, test configs), from
`SPACEKG_<NAME>` environment variables, from a TOML config file (`--config` or
`SPACEKG_CONFIG`; its keys are the setting names), and from the defaults. The
CLI and the README are generated from, or checked against, this one table.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from spacekg.errors import ConfigError
from spacekg.vocab import DEFAULT_BASE, Iris

ENV_PREFIX = "SPACEKG_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _whole_number(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or a positive whole number")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _words(text: str) -> tuple[str, ...]:
    """A list setting: items separated by commas or white space."""
    return tuple(item for item in text.replace(",", " ").split() if item)


def _reasoner(text: str) -> str:
    if text not in {"owlrl", "rules"}:
        raise ValueError("must be owlrl or rules")
    return text


def _store_location(text: str) -> Path | str:
    """A filesystem path (the embedded store) or the http(s) URL of a SPARQL query endpoint."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text)
    if scheme.lower() not in {"http", "https"} or not rest.split("/", 1)[0]:
        raise ValueError("must be a folder or an http(s) URL of a SPARQL endpoint")
    return text


def _url(text: str) -> str:
    """An http(s) URL, or empty."""
    if text and (text.partition("://")[0].lower() not in {"http", "https"} or "://" not in text):
        raise ValueError("must be an http(s) URL or empty")
    return text


def _auth(text: str) -> str:
    if text not in {"basic", "digest"}:
        raise ValueError("must be basic or digest")
    return text


def _default_graph(text: str) -> str:
    if text not in {"write", "union"} and not text.startswith(("http://", "https://", "urn:")):
        raise ValueError("must be write, union, or the IRI of a graph")
    return text


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("must be true or false")


SETTINGS: tuple[Setting, ...] = (
    Setting("base", DEFAULT_BASE, "Base IRI of every resource and graph spacekg mints."),
    Setting("data", "data", "Folder holding articles/ and reference/.", Path),
    Setting("ontology", "ontology", "Folder holding spacekg.ttl and shapes.ttl.", Path),
    Setting(
        "store",
        "var/store",
        "Where the graph is stored: a folder (the embedded store) or the http(s) URL of an "
        "external SPARQL 1.1 query endpoint.",
        _store_location,
    ),
    Setting(
        "store_update_url",
        "",
        "External store: its SPARQL Update endpoint (empty: the query URL).",
        _url,
    ),
    Setting(
        "store_graph_store_url",
        "",
        "External store: its Graph Store Protocol endpoint, for bulk loads and dumps "
        "(empty: SPARQL Update and CONSTRUCT do that work instead).",
        _url,
    ),
    Setting("store_user", "", "External store: user name for HTTP authentication (empty: none)."),
    Setting("store_password", "", "External store: password for HTTP authentication."),
    Setting(
        "store_auth", "basic", "External store: HTTP authentication scheme, basic or digest.", _auth
    ),
    Setting(
        "store_default_graph",
        "write",
        "External store: how queries that name no dataset see the union of the named graphs. "
        "write: spacekg writes the union into the store's default graph; union: the store's "
        "default graph already is that union; an IRI: spacekg writes the union into that graph "
        "and names it as the default graph of such queries.",
        _default_graph,
    ),
    Setting(
        "store_timeout",
        300.0,
        "External store: seconds one request that loads, changes or dumps data may take.",
        _positive_float,
    ),
    Setting(
        "store_update_operations",
        0,
        "External store: most operations in one SPARQL Update request when a build is "
        "switched in; 0 (the default) sends the whole switch as one request, atomic on a "
        "transactional store. Virtuoso refuses requests of about 900 operations or more "
        "(one per article): 500 there.",
        _whole_number,
    ),
    Setting(
        "store_diff_triples",
        5_000_000,
        "External store: the largest graph (the union included) a rebuild reads back "
        "to send only the triples that changed; larger ones are loaded whole. About 80 "
        "bytes of memory a triple while building. 0: never read back. Virtuoso 7.2 sends "
        "no graph of over a million triples and reads slower than it loads: 0 there.",
        _whole_number,
    ),
    Setting(
        "store_load_requests",
        2,
        "External store: loading requests (Graph Store POSTs, or INSERT DATA without a "
        "Graph Store endpoint) a build keeps in flight at once, each on a connection of its "
        "own; 1 sends one at a time. With 2, a build's publish into Virtuoso took 15-25% "
        "less time on a 2-core machine; more helps a store with more cores.",
        _positive_int,
    ),
    Setting(
        "store_named_graph_limit",
        1000,
        "External store with store_default_graph set to a graph IRI: a query with GRAPH "
        "patterns that names no dataset gets the published graphs as named-graph-uri while "
        "there are at most this many. Above it they are not named (Virtuoso refuses about "
        "5,000 and compiles each one into every such query), and GRAPH patterns of clients' "
        "queries also match that union graph and the store's own graphs; spacekg's own "
        "pages and ingest stay exact. 0: never name them.",
        _whole_number,
    ),
    Setting("host", "127.0.0.1", "Address the web service listens on."),
    Setting("port", 8080, "Port the web service listens on.", _positive_int),
    Setting("threads", 8, "Worker threads of the web service.", _positive_int),
    Setting(
        "max_article_bytes",
        5_000_000,
        "Largest article file accepted, in bytes; larger ones are rejected by name.",
        _positive_int,
    ),
    Setting(
        "query_timeout",
        30.0,
        "Seconds a SPARQL query may run before it is stopped.",
        _positive_float,
    ),
    Setting(
        "query_workers",
        4,
        "Worker processes running SPARQL queries; more queries wait for a free one.",
        _positive_int,
    ),
    Setting(
        "query_memory_mb",
        2048,
        "Memory (address space, in MB) each SPARQL query worker may use; a query "
        "needing more is stopped.",
        _positive_int,
    ),
    Setting(
        "result_limit",
        10_000,
        "Most solutions (or triples) a SPARQL query returns; longer results are cut.",
        _positive_int,
    ),
    Setting(
        "result_cache_mb",
        64,
        "Memory (MB) for answers to repeated SPARQL queries, kept until the data "
        "changes; 0 turns the cache off.",
        _whole_number,
    ),
    Setting(
        "service_allowlist",
        (),
        "Endpoint IRIs a SPARQL query may name in SERVICE (none: federation is off).",
        _words,
    ),
    Setting(
        "cors_origins",
        ("*",),
        "Origins allowed to read /sparql from a browser (CORS): '*' for any, empty for none.",
        _words,
    ),
    Setting(
        "cache_control",
        "public, max-age=60",
        "Cache-Control header of SPARQL results (ETags make revalidation cheap).",
    ),
    Setting(
        "reasoner",
        "rules",
        "OWL 2 RL engine: rules (compiled rules for this ontology, 20-30x faster, tested "
        "equal to owlrl; falls back to owlrl where it must) or owlrl (the reference).",
        _reasoner,
    ),
    Setting(
        "progress",
        True,
        "Show a progress display on long builds (when stderr is a terminal).",
        _flag,
    ),
    Setting(
        "ingest_token",
        "",
        "Bearer token that POST /articles requires to add or replace an article; "
        "empty (the default) turns the route off.",
    ),
    Setting(
        "config",
        None,
        "TOML file of settings (keys are setting names); flags and SPACEKG_* variables "
        "override it.",
        Path,
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    base: str
    data: Path
    ontology: Path
    #: A Path for the embedded store, a str (an http(s) URL) for an external one.
    store: Path | str
    host: str
    port: int
    threads: int
    max_article_bytes: int
    query_timeout: float
    query_workers: int
    query_memory_mb: int
    result_limit: int
    result_cache_mb: int
    service_allowlist: tuple[str, ...]
    cors_origins: tuple[str, ...]
    cache_control: str
    reasoner: str
    progress: bool
    ingest_token: str = field(repr=False)  # a secret: kept out of logs and tracebacks
    store_update_url: str
    store_graph_store_url: str
    store_user: str
    store_password: str = field(repr=False)  # a secret, like ingest_token
    store_auth: str
    store_default_graph: str
    store_timeout: float
    store_update_operations: int
    store_diff_triples: int
    store_load_requests: int
    store_named_graph_limit: int
    config: Path | None

    @property
    def remote_store(self) -> bool:
        """True when `store` is the URL of an external SPARQL store."""
        return isinstance(self.store, str)

    @property
    def iris(self) -> Iris:
        return Iris(self.base)

    @property
    def articles_dir(self) -> Path:
        return self.data / "articles"

    @property
    def reference_dir(self) -> Path:
        return self.data / "reference"

    @property
    def ontology_file(self) -> Path:
        return self.ontology / "spacekg.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology / "shapes.ttl"


def env_name(setting: str) -> str:
    return f"{ENV_PREFIX}{setting.upper()}"


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from overrides, then `SPACEKG_*` variables, then the config file
    (the `config` setting, itself an override or a variable), then defaults.

    Overrides whose value is None are ignored, so CLI flags that were not given
    fall through. Raises ConfigError naming the setting (and the file) on an
    unusable value, an unknown key, or an unreadable config file.
    """
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(overrides) - set(_BY_NAME)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    config = overrides.get("config", environ.get(env_name("config")))
    from_file = read_config_file(Path(config)) if config else {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw, origin = overrides[setting.name], setting.name
        elif env_name(setting.name) in environ:
            raw, origin = environ[env_name(setting.name)], env_name(setting.name)
        elif setting.name in from_file:
            raw, origin = from_file[setting.name], f"{config}: {setting.name}"
        else:
            raw, origin = setting.default, "default"
        values[setting.name] = _coerce(setting, raw, origin)
    names = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in names})


def read_config_file(path: Path) -> dict[str, str]:
    """The settings a TOML config file gives, as text for each setting's parser.

    Keys are setting names (`store`, `query_timeout`...); values are strings,
    numbers, booleans, or lists of strings for the list settings. Raises
    ConfigError for an unreadable file, invalid TOML, an unknown key or a value
    of another type.
    """
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(document) - set(_BY_NAME) | ({"config"} & set(document)))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, value in document.items():
        if isinstance(value, bool):
            values[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            values[name] = str(value)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            values[name] = ",".join(value)
        else:
            raise ConfigError(f"{path}: {name} must be a string, a number, true/false or a list")
    return values


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    if raw is None:  # a setting without a default value (the config file)
        return None
    if setting.parse is Path:
        return Path(raw)
    if not isinstance(raw, str):
        return raw
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{origin}={raw!r}: {exc}") from None
