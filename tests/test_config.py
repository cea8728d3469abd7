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
