"""`sync:` in the config: sources, cadences and URL overrides, each bad value naming its key."""

import pytest

from bot.config import DEFAULT_SYNC_SOURCES, ConfigError, parse_config


def test_defaults_sync_epoch_and_openrouter_from_their_own_urls() -> None:
    config = parse_config({})
    assert config.sync.enabled and config.sync.sources == DEFAULT_SYNC_SOURCES
    assert all(s.url is None for s in config.sync.sources.values())


def test_sources_cadence_and_url_override() -> None:
    config = parse_config(
        {
            "sync": {
                "sources": {
                    "openrouter": {"cadence_hours": 2, "url": "https://mirror.example/models"}
                },
                "tick_seconds": 60,
            }
        }
    )
    source = config.sync.sources["openrouter"]
    assert list(config.sync.sources) == ["openrouter"]
    assert source.cadence_minutes == 120 and source.url == "https://mirror.example/models"
    assert parse_config({"sync": {"sources": None}}).sync.sources == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"sync": {"sources": {"nope": {}}}}, "key 'sync.sources.nope': no such sync source"),
        ({"sync": {"sources": ["epoch"]}}, "key 'sync.sources' must be a mapping"),
        (
            {"sync": {"sources": {"epoch": {"cadence_hours": 0}}}},
            "key 'sync.sources.epoch.cadence_hours' must be a number",
        ),
        (
            {"sync": {"sources": {"epoch": {"url": "http://10.0.0.1/x.csv"}}}},
            "key 'sync.sources.epoch.url' is refused: address not allowed",
        ),
        (
            {"sync": {"sources": {"epoch": {"url": "ftp://x.example/a"}}}},
            "key 'sync.sources.epoch.url' is refused",
        ),
        ({"sync": {"sources": {"epoch": {"every": 3}}}}, "unknown key 'sync.sources.epoch.every'"),
        ({"sync": {"enabled": "yes"}}, "key 'sync.enabled' must be true or false"),
        ({"sync": {"failure_threshold": 0}}, "key 'sync.failure_threshold' must be a whole"),
        ({"sync": {"max_bytes": 10}}, "key 'sync.max_bytes' must be a whole number"),
        ({"sync": {"cadence": 1}}, "unknown key 'sync.cadence'"),
    ],
)
def test_a_bad_value_fails_naming_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert message in str(caught.value)


def test_a_private_url_is_allowed_only_when_opted_in() -> None:
    raw = {"allow_private_hosts": True, "sources": {"epoch": {"url": "http://127.0.0.1:8/e.csv"}}}
    assert parse_config({"sync": raw}).sync.sources["epoch"].url == "http://127.0.0.1:8/e.csv"
