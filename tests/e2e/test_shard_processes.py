"""Two bot processes (`python -m bot run`) on one store, each running one shard of two against
one stand-in: each connects only its shard's guilds, and a command in a guild of shard 1 is
answered by the process that runs shard 1. A shard id out of range stops start-up naming the
key."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.processes import answered, stand_in_and_db, start_bot, stop_bot, until, write_config
from tests.standin import DiscordUser, StandIn

NO_WATCH = {"enabled": False}  # polling is the leader's (issue 18's lease); not this test's


def two_shard_standin() -> tuple[StandIn, dict[int, str]]:
    """A stand-in whose two guilds live on different shards of two: shard -> user suffix."""
    standin = StandIn()
    first = (int(standin.guild["id"]) >> 22) % 2
    standin.add_guild("b", shard=(1 - first, 2))
    return standin, {first: "", 1 - first: "-b"}


async def test_two_processes_each_serve_their_own_shard(bundled_db: Path, tmp_path: Path) -> None:
    standin, suffix = two_shard_standin()
    async with stand_in_and_db(bundled_db, tmp_path, standin) as (standin, db):
        logs = [tmp_path / f"shard{n}.log" for n in (0, 1)]
        configs = [
            write_config(
                tmp_path,
                standin,
                db,
                "http://127.0.0.1:9/none.xml",
                name=f"shard{n}.yaml",
                discord={"shard_count": 2, "shard_ids": [n]},
                watch=NO_WATCH,
            )
            for n in (0, 1)
        ]
        processes = [await start_bot(configs[n], logs[n]) for n in (0, 1)]
        try:
            await until(lambda: len(standin.live_sessions()) == 2, 60, "both shards")
            assert sorted(s.shard for s in standin.live_sessions()) == [(0, 2), (1, 2)]
            for n in (0, 1):
                await until(lambda n=n: "connected as" in logs[n].read_text(), 30, f"{n} ready")
                text = logs[n].read_text()
                assert f", shard {n} of 2, 1 guilds" in text, text
            guild_of = {n: standin.guilds[0 if suffix[n] == "" else 1]["id"] for n in (0, 1)}
            for n, session in ((s.shard[0], s) for s in standin.live_sessions()):
                assert session.serves(guild_of[n]) and not session.serves(guild_of[1 - n])
            await until(
                lambda: all(standin.guild_commands.get(g["id"]) for g in standin.guilds),
                30,
                "command sync",
            )
            about = await answered(DiscordUser(standin, f"member{suffix[1]}"), "about")
            # answered by the second process: the first runs shard 0 only
            assert "Shard 1 of 2 serves this server; this process runs shard 1 of 2." in (
                about.text()
            )
        finally:
            for process in processes:
                await stop_bot(process)


async def test_a_shard_id_out_of_range_stops_start_up_naming_the_key(
    bundled_db: Path, tmp_path: Path
) -> None:
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db):
        config = write_config(
            tmp_path,
            standin,
            db,
            "http://127.0.0.1:9/none.xml",
            discord={"shard_count": 2, "shard_ids": [1, 2]},
        )
        log = tmp_path / "bot.log"
        process = await start_bot(config, log)
        await asyncio.wait_for(process.wait(), 60)
        err = log.read_bytes()
        assert process.returncode == 2
        assert "key 'discord.shard_ids' holds 2: shard ids run from 0 to 1" in err.decode()
        assert not standin.requests  # it never reached Discord
