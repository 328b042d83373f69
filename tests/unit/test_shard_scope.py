"""ShardScope (bot/core/shards.py) and the discord.shard_count / shard_ids config keys."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config
from bot.core.shards import ShardScope, shard_of

DISCORD_API_GUILD = 81384788765712384  # Discord API server, created 2015-08-14 (ms 19403645698)
DISCORD_PY_GUILD = 336642139381301249  # discord.py server, created 2017-09-18 (ms 80261740537)


def snowflake(ms_since_discord_epoch: int, low_bits: int) -> int:
    """An id as Discord builds it: the creation time above the 22 worker/process/increment bits."""
    return ms_since_discord_epoch << 22 | low_bits


@pytest.mark.parametrize(
    ("guild_id", "count", "shard"),
    [
        (DISCORD_API_GUILD, 1, 0),
        (DISCORD_API_GUILD, 2, 0),  # 19403645698 is even
        (DISCORD_API_GUILD, 4, 2),  # 19403645698 % 4
        (DISCORD_PY_GUILD, 2, 1),  # 80261740537 is odd
        (DISCORD_PY_GUILD, 16, 9),  # 80261740537 % 16
        (str(DISCORD_PY_GUILD), 16, 9),  # ids arrive as strings from the store
    ],
)
def test_a_guild_lives_on_the_shard_of_its_creation_time(
    guild_id: int | str, count: int, shard: int
) -> None:
    assert shard_of(guild_id, count) == shard
    assert ShardScope.of(count, [shard]).holds(guild_id)
    others = [s for s in range(count) if s != shard]
    if others:
        assert not ShardScope.of(count, others).holds(guild_id)


def test_only_the_time_part_of_a_snowflake_picks_the_shard() -> None:
    for low_bits in (0, 1, 0x3FFFFF):
        assert shard_of(snowflake(1003, low_bits), 4) == 3
        assert shard_of(snowflake(1004, low_bits), 4) == 0


@pytest.mark.parametrize("guild_id", [None, ""])
def test_dms_and_guildless_rows_belong_to_shard_zero(guild_id: str | None) -> None:
    assert ShardScope.of(4, [0]).holds(guild_id)
    assert not ShardScope.of(4, [1, 2, 3]).holds(guild_id)


def test_everything_holds_every_guild_and_dms() -> None:
    scope = ShardScope.everything()
    assert scope.is_everything
    assert all(scope.holds(g) for g in (DISCORD_API_GUILD, DISCORD_PY_GUILD, None))
    assert ShardScope.of(4, None) == ShardScope(4, frozenset({0, 1, 2, 3}))


@pytest.mark.parametrize(
    ("scope", "text"),
    [
        (ShardScope.of(4, [0, 1]), "shards 0-1 of 4"),
        (ShardScope.of(4, [2]), "shard 2 of 4"),
        (ShardScope.of(8, [0, 1, 2, 5, 7]), "shards 0-2, 5, 7 of 8"),
        (ShardScope.everything(), "shard 0 of 1"),
    ],
)
def test_describe_names_the_range(scope: ShardScope, text: str) -> None:
    assert scope.describe() == text


@pytest.mark.parametrize(("count", "ids"), [(0, [0]), (2, [2]), (2, [-1]), (2, [])])
def test_an_impossible_scope_is_refused(count: int, ids: list[int]) -> None:
    with pytest.raises(ValueError):
        ShardScope.of(count, ids)


# ---- config ------------------------------------------------------------------------------


def test_sharding_is_unset_by_default() -> None:
    config = parse_config({})
    assert config.discord.shard_count is None
    assert config.discord.shard_ids is None


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ({"shard_count": 4}, None),
        ({"shard_count": 4, "shard_ids": [3, 1]}, (1, 3)),
        ({"shard_count": 4, "shard_ids": "0-1"}, (0, 1)),
        ({"shard_count": 4, "shard_ids": " 2 - 3 "}, (2, 3)),
        ({"shard_count": 1, "shard_ids": [0]}, (0,)),
    ],
)
def test_shard_keys_are_read(raw: dict[str, object], ids: tuple[int, ...] | None) -> None:
    config = parse_config({"discord": raw})
    assert config.discord.shard_count == raw["shard_count"]
    assert config.discord.shard_ids == ids


@pytest.mark.parametrize(
    ("raw", "named", "says"),
    [
        ({"shard_count": 0}, "discord.shard_count", "from 1 to 10000"),
        ({"shard_count": 10001}, "discord.shard_count", "from 1 to 10000"),
        ({"shard_count": "2"}, "discord.shard_count", "whole number"),
        ({"shard_count": 2.0}, "discord.shard_count", "whole number"),
        ({"shard_count": True}, "discord.shard_count", "whole number"),
        ({"shard_ids": [0]}, "discord.shard_ids", "needs discord.shard_count"),
        ({"shard_count": 2, "shard_ids": [2]}, "discord.shard_ids", "from 0 to 1"),
        ({"shard_count": 2, "shard_ids": "0-2"}, "discord.shard_ids", "from 0 to 1"),
        ({"shard_count": 4, "shard_ids": "3-1"}, "discord.shard_ids", "backwards"),
        ({"shard_count": 4, "shard_ids": "0..3"}, "discord.shard_ids", "range like"),
        ({"shard_count": 4, "shard_ids": []}, "discord.shard_ids", "list of shard ids"),
        ({"shard_count": 4, "shard_ids": 1}, "discord.shard_ids", "list of shard ids"),
        ({"shard_count": 4, "shard_ids": [1, 1]}, "discord.shard_ids", "more than once"),
        ({"shard_count": 4, "shard_ids": [-1]}, "discord.shard_ids", "not a shard id"),
        ({"shard_count": 4, "shard_ids": ["1"]}, "discord.shard_ids", "not a shard id"),
        ({"shard_count": 4, "shard_ids": [True]}, "discord.shard_ids", "not a shard id"),
        ({"shards": 4}, "discord.shards", "unknown"),
    ],
)
def test_bad_shard_keys_fail_naming_the_key(raw: dict[str, object], named: str, says: str) -> None:
    with pytest.raises(ConfigError, match=f"'{named}'") as caught:
        parse_config({"discord": raw})
    assert says in str(caught.value)
