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
        ({"watch": {"provisional_records": "yes"}}, "watch.provisional_records"),
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
    assert config.watch.provisional_records is True


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


@pytest.mark.parametrize("key", ["owners", "dev_guild_ids"])
@pytest.mark.parametrize("value", ["²", "١٢٣", "12 ", "1e5", 1.5, -3, 2**64, "0x1f"])
def test_ids_must_be_ascii_digit_snowflakes(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"'{key}' holds"):
        parse_config({key: [value]})


@pytest.mark.parametrize("value", ["²", 1.5, True, "channel", [1]])
def test_ops_channel_must_be_a_snowflake(value: object) -> None:
    with pytest.raises(ConfigError, match=r"'watch.ops_channel_id'"):
        parse_config({"watch": {"ops_channel_id": value}})


@pytest.mark.parametrize("key", ["parse_workers", "failure_threshold", "max_feed_bytes"])
@pytest.mark.parametrize("value", [2.7, 1.9, 4096.0, True, "3", None])
def test_whole_numbers_are_not_truncated(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"'watch.{key}' must be a whole number"):
        parse_config({"watch": {key: value}})


def test_whole_numbers_in_range_are_kept() -> None:
    watch = parse_config({"watch": {"parse_workers": 0, "failure_threshold": 3}}).watch
    assert (watch.parse_workers, watch.failure_threshold) == (0, 3)
    assert isinstance(watch.failure_threshold, int)


@pytest.mark.parametrize("key", ["tick_seconds", "fetch_timeout"])
@pytest.mark.parametrize("value", [True, ".nan", "fast", -1, 1e9])
def test_seconds_must_be_numbers_in_range(key: str, value: object) -> None:
    value = float("nan") if value == ".nan" else value
    with pytest.raises(ConfigError, match=f"'watch.{key}'"):
        parse_config({"watch": {key: value}})


def test_feeds_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'watch.feeds_file'.*does not exist"):
        parse_config({"watch": {"feeds_file": str(tmp_path / "nope.yaml")}})
    with pytest.raises(ConfigError, match=r"'watch.feeds_file'.*is a directory"):
        parse_config({"watch": {"feeds_file": str(tmp_path)}})
    with pytest.raises(ConfigError, match=r"'watch.feeds_file' must be a non-empty string"):
        parse_config({"watch": {"feeds_file": 5}})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sources: [{key: Bad Key, name: X, url: 'https://x.example/f', kind: rss}]", "'key'"),
        ("sources: {a: 1}", "'sources' must be a list"),
        ("sources: [1, 2\n", "not valid YAML"),
        ("sources:\n- &a {key: a}\n- *a\n", "anchors or aliases"),
    ],
)
def test_bad_feeds_file_fails_naming_the_key(tmp_path: Path, text: str, problem: str) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(text)
    with pytest.raises(ConfigError, match=r"'watch.feeds_file'") as caught:
        parse_config({"watch": {"feeds_file": str(feeds)}})
    assert problem in str(caught.value) and "\n" not in str(caught.value)


def test_releases_dir_must_be_a_directory_of_valid_entries(tmp_path: Path) -> None:
    a_file = tmp_path / "releases.yaml"
    a_file.write_text("entries: []\n")
    with pytest.raises(ConfigError, match=r"'watch.releases_dir'.*is a file"):
        parse_config({"watch": {"releases_dir": str(a_file)}})
    with pytest.raises(ConfigError, match=r"'watch.releases_dir'.*does not exist"):
        parse_config({"watch": {"releases_dir": str(tmp_path / "nope")}})
    folder = tmp_path / "releases"
    folder.mkdir()
    (folder / "x.yaml").write_text("entries: [{id: x, type: nonsense, title: T, source: s}]\n")
    with pytest.raises(ConfigError, match=r"'watch.releases_dir'.*'type' 'nonsense'") as caught:
        parse_config({"watch": {"releases_dir": str(folder)}})
    assert "\n" not in str(caught.value)
    (folder / "x.yaml").write_text("entries: []\n")
    assert parse_config({"watch": {"releases_dir": str(folder)}}).watch.releases_dir == folder


def test_database_cannot_be_a_directory_or_under_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'database'.*is a directory"):
        parse_config({"database": str(tmp_path)})
    a_file = tmp_path / "f"
    a_file.write_text("")
    with pytest.raises(ConfigError, match=r"'database'.*is a file"):
        parse_config({"database": str(a_file / "sub" / "x.db")})
    with pytest.raises(ConfigError, match=r"'--db'.*is a directory"):
        load_config(write(tmp_path, "log_level: INFO\n"), env={}, database=tmp_path)


@pytest.mark.parametrize(
    "token", ["abc\r\nX-Injected: 1", "abc\ndef", "abc\r", "tok en", "tök", "a;b", "x" * 300]
)
def test_bad_token_is_refused_naming_the_variable(tmp_path: Path, token: str) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN was refused") as caught:
        load_config(write(tmp_path, "log_level: INFO\n"), env={"DISCORD_TOKEN": token})
    assert token not in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://", "http:// spaces/", "ws://x\n", "http://[::1"], ids=repr)
def test_discord_urls_need_a_host(url: str) -> None:
    key = "gateway_url" if url.startswith("ws") else "api_base"
    with pytest.raises(ConfigError, match=f"'discord.{key}'"):
        parse_config({"discord": {key: url}})
