"""Two real bot processes (`python -m bot run`) on one SQLite file against the stand-in: one
leads (polls feeds); SIGKILL it and the other takes the lease over and polls within
lease_seconds and a margin, posting a new item's alert exactly once."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

from tests.e2e.processes import (
    answered,
    read,
    stand_in_and_db,
    start_bot,
    stop_bot,
    until,
    wait_dead,
    write_config,
)
from tests.e2e.test_process_kill import poll_now, stories, subscribe_after_baseline, titles_in
from tests.feed_server import feed_server, rss

LEASE_SECONDS = 4.0
RENEW_SECONDS = 1.0
MARGIN = 20.0  # a loaded machine: start-up of the poll, the fetch, the post


def scale(name: str) -> dict[str, object]:
    return {
        "enabled": True,
        "process_name": name,
        "lease_seconds": LEASE_SECONDS,
        "lease_renew_seconds": RENEW_SECONDS,
        "claim_seconds": 5,
        "catalog_poll_seconds": 0.5,
    }


def holder(db: Path) -> str | None:
    rows = read(db, "SELECT holder FROM leases WHERE name = 'leader'")
    return rows[0][0] if rows else None


async def test_killing_the_leader_hands_polling_to_the_other_process(
    bundled_db: Path, tmp_path: Path
) -> None:
    log = tmp_path / "bot.log"
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        url = feeds.serve("/vendor.xml", rss([]))
        configs = {}
        for name in ("bot-a", "bot-b"):
            folder = tmp_path / name
            folder.mkdir()
            configs[name] = write_config(
                folder, standin, db, url, scale=scale(name), sync={"enabled": False}
            )
        first = await start_bot(configs["bot-a"], log)
        second = None
        try:
            await subscribe_after_baseline(standin, db, ("releases",))
            assert holder(db) == "bot-a"
            second = await start_bot(configs["bot-b"], log)
            await until(lambda: standin.identifies >= 2, 60, "the second process to connect")
            await asyncio.sleep(2 * RENEW_SECONDS)  # b has tried the lease: a's, refused
            assert holder(db) == "bot-a"
            member_about = await answered_about(standin)
            assert "leading process: bot-a" in member_about

            first.send_signal(signal.SIGKILL)
            wait_dead(first.pid)
            loop = asyncio.get_running_loop()
            killed_at = loop.time()
            feeds.serve("/vendor.xml", stories(1, "Gemma story"))
            poll_now(db)  # due at once: only the lease holds the poll back
            channel = standin.channel("releases")["id"]
            await until(
                lambda: standin.messages[channel], LEASE_SECONDS + MARGIN, "b to poll and post"
            )
            took = loop.time() - killed_at
            assert took < LEASE_SECONDS + MARGIN
            assert holder(db) == "bot-b"
            await asyncio.sleep(1.5)  # anything extra would show up now
            assert titles_in(standin, "releases") == Counter({"Gemma story 0": 1})
            assert "leading process: bot-b" in await answered_about(standin)
        finally:
            await stop_bot(first)
            if second is not None:
                await stop_bot(second)
        assert holder(db) is None  # b released the lease on its clean stop


async def answered_about(standin) -> str:
    from tests.standin import DiscordUser

    return (await answered(DiscordUser(standin, "member"), "about")).text()
