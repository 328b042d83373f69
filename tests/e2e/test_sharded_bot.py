"""The bot as discord.py's AutoShardedBot against a stand-in that serves several shards: one
process running both shards of two, the shard count Discord recommends when the config has
none, Discord's identify pacing, and what the operator sees when Discord refuses the sharding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import open_services, run_discord
from bot.config import ConfigError, DiscordConfig
from bot.core.shards import ShardScope
from bot.discordbot.client import ReleaseRadarBot
from tests.conftest import make_config
from tests.e2e.conftest import running_bot
from tests.standin import TOKEN, DiscordUser, StandIn
from tests.standin.test_shards import shard_session


def two_shard_standin() -> tuple[StandIn, dict[int, str]]:
    """A stand-in whose two guilds live on different shards of two: shard -> guild tag."""
    standin = StandIn()
    first = (int(standin.guild["id"]) >> 22) % 2
    standin.add_guild("b", shard=(1 - first, 2))
    return standin, {first: "", 1 - first: "-b"}


def about_line(shard: int, runs: str) -> str:
    return f"Shard {shard} of 2 serves this server; this process runs {runs}."


async def test_shard_count_two_connects_both_shards_and_serves_a_guild_on_each(
    db_path: Path,
) -> None:
    standin, tags = two_shard_standin()
    standin.session_start_limit["max_concurrency"] = 2  # both shards may IDENTIFY at once
    await standin.start()
    try:
        async with running_bot(standin, db_path, discord={"shard_count": 2}) as harness:
            assert sorted(s.shard for s in standin.live_sessions()) == [(0, 2), (1, 2)]
            assert harness.bot.shard_count == 2
            assert harness.services.outbox.scope == ShardScope(2, frozenset({0, 1}))
            for shard, tag in tags.items():
                about = await DiscordUser(standin, f"member{tag}").slash("about")
                assert about_line(shard, "shards 0-1 of 2") in about.text()
            guilds = {g.id: g.shard_id for g in harness.bot.guilds}
            assert sorted(guilds.values()) == [0, 1]
    finally:
        await standin.stop()


async def test_without_shard_count_the_bot_takes_the_count_discord_recommends(
    db_path: Path,
) -> None:
    standin, tags = two_shard_standin()
    standin.shards = 2  # GET /gateway/bot recommends two
    standin.session_start_limit["max_concurrency"] = 2
    await standin.start()
    try:
        async with running_bot(standin, db_path) as harness:
            assert harness.bot.shard_count == 2
            assert sorted(s.shard for s in standin.live_sessions()) == [(0, 2), (1, 2)]
            assert harness.services.outbox.scope.describe() == "shards 0-1 of 2"
            other = next(shard for shard, tag in tags.items() if tag)
            about = await DiscordUser(standin, "member-b").slash("about")
            assert about_line(other, "shards 0-1 of 2") in about.text()
    finally:
        await standin.stop()


async def test_about_in_a_dm_names_shard_zero(db_path: Path) -> None:
    standin = StandIn()
    await standin.start()
    try:
        async with running_bot(standin, db_path, dev_guild_ids=()) as harness:  # global sync
            assert [s.shard for s in standin.live_sessions()] == [(0, 1)]
            about = await DiscordUser(standin, "member", where="dm").slash("about")
            assert "Shard 0 of 1 serves direct messages; this process runs shard 0 of 1." in (
                about.text()
            )
            assert harness.bot.scope == ShardScope.everything()
    finally:
        await standin.stop()


async def test_too_many_guilds_for_one_shard_fails_start_up_naming_the_key(
    db_path: Path,
) -> None:
    """Discord closes a session above 2,500 guilds with 4011: the bot stops with an error
    that names discord.shard_count instead of a traceback, and posts nothing."""
    standin = StandIn()
    standin.add_guild("b")
    standin.max_guilds_per_shard = 1
    await standin.start()
    try:
        config = make_config(
            db_path,
            discord=DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url),
            token=TOKEN,
        )
        with pytest.raises(ConfigError, match=r"'discord\.shard_count'") as caught:
            await asyncio.wait_for(run_discord(config), 60)
        assert "4011 Sharding required" in str(caught.value)
        assert standin.identifies == 0 and not standin.live_sessions()
        assert not any(standin.messages.values())
    finally:
        await standin.stop()


async def test_a_shard_count_other_processes_do_not_use_fails_start_up_naming_the_key(
    db_path: Path,
) -> None:
    """Another process runs shard 0 of 3; this one is configured for 2: Discord closes it
    with 4010 and the bot stops saying every process needs the same discord.shard_count."""
    standin = StandIn()
    await standin.start()
    try:
        config = make_config(
            db_path,
            discord=DiscordConfig(
                api_base=standin.api_base, gateway_url=standin.gateway_url, shard_count=2
            ),
            token=TOKEN,
        )
        async with shard_session(standin, [0, 3]) as other:
            with pytest.raises(ConfigError, match=r"'discord\.shard_count'") as caught:
                await asyncio.wait_for(run_discord(config), 60)
            assert "4010 Invalid shard" in str(caught.value)
            assert [s.shard for s in standin.live_sessions()] == [(0, 3)]
            assert other.ready["shard"] == [0, 3]
    finally:
        await standin.stop()


async def test_identify_waits_only_for_its_own_bucket(db_path: Path) -> None:
    """Discord allows max_concurrency IDENTIFYs per 5 s, one per bucket shard_id %
    max_concurrency: shard 1 of a max_concurrency-2 bot goes at once, shard 2 waits."""
    async with open_services(make_config(db_path)) as services:
        bot = ReleaseRadarBot(services)
        bot.identify_interval = 2.0
        bot.max_concurrency = 2
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.before_identify_hook(0, initial=True)
        await bot.before_identify_hook(1)
        assert loop.time() - started < 1.0  # another bucket: no wait
        await bot.before_identify_hook(2)  # shard 0's bucket again
        assert loop.time() - started >= 2.0
