"""Settings come from one table: overrides, then SPACEKG_* variables, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from spacekg.config import SETTINGS, env_name, load_settings
from spacekg.errors import ConfigError


def test_defaults_work_with_no_environment() -> None:
    settings = load_settings(environ={})
    assert settings.base == "https://w3id.org/spacekg/"
    assert settings.store == Path("var/store")
    assert settings.articles_dir == Path("data/articles")


def test_environment_overrides_defaults_and_flags_override_both() -> None:
    environ = {"SPACEKG_PORT": "9000", "SPACEKG_STORE": "/tmp/x"}
    assert load_settings(environ=environ).port == 9000
    assert load_settings({"port": 9100, "store": None}, environ=environ).port == 9100
    assert load_settings({"store": None}, environ=environ).store == Path("/tmp/x")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SPACEKG_PORT", "eighty", "SPACEKG_PORT='eighty'"),
        ("SPACEKG_PORT", "-1", "must be a positive whole number"),
        ("SPACEKG_PROGRESS", "maybe", "must be true or false"),
    ],
)
def test_unusable_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={variable: value})


def test_unknown_overrides_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({"colour": "blue"}, environ={})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if env_name(s.name) not in readme]
    assert not missing, f"settings missing from the README: {missing}"


def test_a_config_file_sits_between_the_environment_and_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "spacekg.toml"
    config.write_text(
        'store = "http://127.0.0.1:7878/query"\nport = 9000\nprogress = false\n'
        'service_allowlist = ["http://a.example/sparql", "http://b.example/sparql"]\n',
        encoding="utf-8",
    )
    from_file = load_settings({"config": config}, environ={})
    assert from_file.store == "http://127.0.0.1:7878/query" and from_file.remote_store
    assert (from_file.port, from_file.progress) == (9000, False)
    assert from_file.service_allowlist == ("http://a.example/sparql", "http://b.example/sparql")
    assert from_file.threads == 8  # not in the file: the default
    environ = {"SPACEKG_CONFIG": str(config), "SPACEKG_PORT": "9100"}
    assert load_settings(environ=environ).port == 9100  # the environment wins over the file
    assert load_settings({"port": 9200}, environ=environ).port == 9200  # a flag wins over both


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "blue"\nstore = "x"\n', "unknown setting.*colour"),
        ("port = -3\n", "port"),
        ("port = [1, 2]\n", "port must be"),
        ("this is not toml\n", "not valid TOML"),
        ('store = "ftp://example.org/"\n', "http"),
    ],
    ids=["unknown-key", "bad-value", "bad-type", "bad-toml", "bad-store-url"],
)
def test_a_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "spacekg.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings({"config": config}, environ={})
    assert str(config) in str(raised.value)


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_settings(environ={"SPACEKG_CONFIG": str(tmp_path / "nowhere.toml")})
