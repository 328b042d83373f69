"""The outbox's pacing keys (`discord.max_requests_per_second`, `discord.max_in_flight`):
read, defaulted just under Discord's global limit, and refused at start-up naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config
from bot.outbox.sender import Pacing


def test_the_defaults_stay_just_under_discords_global_limit() -> None:
    discord = parse_config({}).discord
    assert 45 <= discord.max_requests_per_second < 50  # Discord allows a bot 50 per second
    assert (discord.max_requests_per_second, discord.max_in_flight) == (
        Pacing().requests_per_second,
        Pacing().max_in_flight,
    )


def test_the_keys_are_read_and_documented_in_the_example() -> None:
    raw = {"discord": {"max_requests_per_second": 20.5, "max_in_flight": 8}}
    discord = parse_config(raw).discord
    assert (discord.max_requests_per_second, discord.max_in_flight) == (20.5, 8)
    example = load_config(Path(__file__).resolve().parents[2] / "config.example.yaml", env={})
    assert example.discord.max_requests_per_second == 48
    assert example.discord.max_in_flight == 50


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("max_requests_per_second", 0),
        ("max_requests_per_second", -5),
        ("max_requests_per_second", 1001),
        ("max_requests_per_second", "fast"),
        ("max_requests_per_second", True),
        ("max_requests_per_second", None),
        ("max_in_flight", 0),
        ("max_in_flight", 2.5),
        ("max_in_flight", "10"),
        ("max_in_flight", 1001),
        ("max_in_flight", False),
    ],
)
def test_bad_values_fail_start_up_naming_the_key(key: str, bad: object) -> None:
    with pytest.raises(ConfigError, match=rf"'discord\.{key}'"):
        parse_config({"discord": {key: bad}})


def test_a_misspelt_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("discord:\n  max_request_per_second: 40\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'discord\.max_request_per_second'"):
        load_config(path, env={})
