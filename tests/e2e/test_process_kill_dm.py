"""A watchlist DM is sent exactly once across a SIGKILL of the real bot process (`python -m
bot run`) right after Discord stored it, kept down past Discord's nonce window; and the DM's
Unfollow button works in the restarted process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.processes import (
    NONCE_WINDOW,
    alive,
    answered,
    descendants,
    read,
    stand_in_and_db,
    start_bot,
    stop_bot,
    until,
    wait_dead,
    write_config,
)
from tests.e2e.test_process_kill import poll_now, stories
from tests.feed_server import feed_server, rss
from tests.standin import DiscordUser

FOLLOW = {"follow": {"tick_seconds": 0.2, "batch_minutes": 1}}


async def test_a_watchlist_dm_is_sent_once_across_a_kill(bundled_db: Path, tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        url = feeds.serve("/vendor.xml", rss([]))
        config = write_config(tmp_path, standin, db, url, **FOLLOW)
        process = await start_bot(config, log)
        member = DiscordUser(standin, "member")
        try:
            await until(lambda: standin.guild_commands.get(standin.guild["id"]), 30, "sync")
            followed = await answered(member, "follow", kind="org", target="Google")
            assert "Following org" in followed.text(), followed.text()
            await until(
                lambda: read(db, "SELECT last_success FROM feed_sources WHERE key = 'vendor'")[0][
                    0
                ],
                30,
                "the baseline poll",
            )
            loop = asyncio.get_running_loop()
            killed_at: list[float] = []
            helpers: set[int] = set()

            def kill_before_the_answer(message: dict) -> None:
                if killed_at or not standin.is_dm_channel(message["channel_id"]):
                    return
                helpers.update(descendants(process.pid))
                process.send_signal(9)
                wait_dead(process.pid)
                killed_at.append(loop.time())

            standin.on_message = kill_before_the_answer
            feeds.serve("/vendor.xml", stories(2, "Google story"))
            poll_now(db)
            await until(lambda: killed_at, 60, "the DM to be posted")
            await process.wait()
            standin.on_message = None
            await until(lambda: not alive(helpers), 15, "the killed bot's helpers to end")
            await asyncio.sleep(max(0.0, killed_at[0] + 2 * NONCE_WINDOW - loop.time()))
            assert read(db, "SELECT status FROM outbox WHERE kind = 'follow_dm'") == [("pending",)]

            process = await start_bot(config, log)
            await until(
                lambda: (
                    read(db, "SELECT status FROM outbox WHERE kind = 'follow_dm'") == [("sent",)]
                ),
                60,
                "the DM to be recorded after the restart",
            )
            await asyncio.sleep(1.0)  # a second DM would show up now
            [dm] = standin.dms_of(member.id)
            text = dm["embeds"][0]["description"]
            assert "Google story 0" in text and "Google story 1" in text
            posts = [r for r in standin.requests if r.method == "POST" and "/messages" in r.path]
            assert len(posts) == 1
            label = dm["components"][0]["components"][0]["label"]
            clicked = await DiscordUser(standin, "member", where="dm").click_on(dm, label)
            assert "Removed org" in clicked.text(), clicked.text()
            assert read(db, "SELECT COUNT(*) FROM follows") == [(0,)]
        finally:
            await stop_bot(process)
