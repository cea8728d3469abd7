"""Settings, declared once as data.

Each setting has a name, a default, a type and a line of help. Values come, in
order of precedence, from explicit overrides (CLI flags, test configs), from
`SPACEKG_<NAME>` environment variables, and from the defaults. The CLI and the
README are generated from, or checked against, this one table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
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
    Setting("store", "var/store", "Path of the embedded store.", Path),
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
        "owlrl",
        "OWL 2 RL engine: owlrl (the reference) or rules (compiled rules for this ontology, "
        "20-30x faster, tested equal to owlrl; falls back to owlrl where it must).",
        _reasoner,
    ),
    Setting(
        "progress",
        True,
        "Show a progress display on long builds (when stderr is a terminal).",
        _flag,
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Settings:
    base: str
    data: Path
    ontology: Path
    store: Path
    host: str
    port: int
    threads: int
    max_article_bytes: int
    query_timeout: float
    query_workers: int
    query_memory_mb: int
    result_limit: int
    service_allowlist: tuple[str, ...]
    cors_origins: tuple[str, ...]
    cache_control: str
    reasoner: str
    progress: bool

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
    """Settings from overrides, then `SPACEKG_*` variables, then defaults.

    Overrides whose value is None are ignored, so CLI flags that were not given
    fall through. Raises ConfigError naming the setting on an unusable value.
    """
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(overrides) - set(_BY_NAME)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw, origin = overrides[setting.name], setting.name
        elif env_name(setting.name) in environ:
            raw, origin = environ[env_name(setting.name)], env_name(setting.name)
        else:
            raw, origin = setting.default, "default"
        values[setting.name] = _coerce(setting, raw, origin)
    names = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in names})


def _coerce(setting: Setting, raw: Any, origin: str) -> Any:
    if setting.parse is Path:
        return Path(raw)
    if not isinstance(raw, str):
        return raw
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{origin}={raw!r}: {exc}") from None
