from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.log_level == "INFO"
    assert config.token is None
    assert config.discord.api_base is None


def test_token_comes_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "log_level: debug\n"), env={"DISCORD_TOKEN": " abc "})
    assert config.token == "abc"
    assert config.log_level == "DEBUG"


def test_full_config_is_read(tmp_path: Path) -> None:
    text = """
database: /tmp/x.db
dev_guild_ids: [123456789012345678]
owners: ["42"]
curators: {users: [7], roles: [8]}
discord: {api_base: "http://127.0.0.1:9/api/v10", gateway_url: "ws://127.0.0.1:9/gw"}
"""
    config = load_config(write(tmp_path, text), env={})
    assert config.database == Path("/tmp/x.db")
    assert config.dev_guild_ids == (123456789012345678,)
    assert config.owners == frozenset({42})
    assert config.curators.roles == frozenset({8})
    assert config.discord.gateway_url == "ws://127.0.0.1:9/gw"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"log_levl": "INFO"}, "log_levl"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"owners": "42"}, "owners"),
        ({"owners": ["not-an-id"]}, "owners"),
        ({"dev_guild_ids": [True]}, "dev_guild_ids"),
        ({"curators": {"user": [1]}}, "curators.user"),
        ({"curators": {"roles": [-5]}}, "curators.roles"),
        ({"discord": {"api_base": "ftp://x"}}, "discord.api_base"),
        ({"database": ""}, "database"),
        ({"watch": {"max_alerts_per_poll": 0}}, "watch.max_alerts_per_poll"),
        ({"watch": {"max_alerts_per_poll": 101}}, "watch.max_alerts_per_poll"),
        ({"watch": {"max_alerts_per_poll": 2.7}}, "watch.max_alerts_per_poll"),
        ({"watch": {"max_alerts_per_poll": "5"}}, "watch.max_alerts_per_poll"),
        ({"watch": {"max_alerts_per_poll": True}}, "watch.max_alerts_per_poll"),
        ({"watch": {"max_alerts_per_pol": 5}}, "watch.max_alerts_per_pol"),
        ({"database_busy_timeout": 0}, "database_busy_timeout"),
        ({"database_busy_timeout": "soon"}, "database_busy_timeout"),
    ],
)
def test_bad_values_name_the_key(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=f"'{named}'"):
        parse_config(raw)


def test_invalid_yaml_and_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "owners: [1, 2\n"), env={})
    with pytest.raises(ConfigError, match="mapping"):
        load_config(write(tmp_path, "- a\n- b\n"), env={})


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml", env={})


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    config = load_config(example, env={})
    assert config.log_level == "INFO"
    assert config.watch.max_alerts_per_poll == 5


def test_private_feed_hosts_are_refused_unless_the_operator_opts_in(tmp_path: Path) -> None:
    assert parse_config({}).watch.allow_private_feed_hosts is False
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    assert load_config(example, env={}).watch.allow_private_feed_hosts is False
    opted = load_config(write(tmp_path, "watch: {allow_private_feed_hosts: true}\n"), env={})
    assert opted.watch.allow_private_feed_hosts is True
    for bad in ('"yes"', "1", "null", "[true]"):
        with pytest.raises(ConfigError, match=r"'watch\.allow_private_feed_hosts' must be true or"):
            load_config(write(tmp_path, f"watch: {{allow_private_feed_hosts: {bad}}}\n"), env={})


def test_the_alert_cap_is_read() -> None:
    assert parse_config({"watch": {"max_alerts_per_poll": 12}}).watch.max_alerts_per_poll == 12
    assert parse_config({}).watch.max_alerts_per_poll == 5


def test_parse_timeout_is_read_and_checked() -> None:
    assert parse_config({"watch": {"parse_timeout": 2.5}}).watch.parse_timeout == 2.5
    for bad in (0, -1, "soon", True):
        with pytest.raises(ConfigError, match=r"'watch\.parse_timeout'"):
            parse_config({"watch": {"parse_timeout": bad}})
