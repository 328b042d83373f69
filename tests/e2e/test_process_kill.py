"""The real bot process (`python -m bot run` with a token) against the stand-in: connects, serves
commands, and posts every alert exactly once after a SIGKILL in the middle of a fan-out or while
another writer holds the database, even when Discord has forgotten the posts' nonces."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.processes import (
    MAX_ALERTS_PER_POLL,
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
    write,
    write_config,
)
from tests.feed_server import feed_server, rss
from tests.standin import DiscordUser, StandIn

CHANNELS = ("general", "releases", "digest")
STORIES = MAX_ALERTS_PER_POLL
LOCKED_WRITE_WAIT = 0.3  # the bot's busy timeout, seconds
LOCK_SECONDS = 4.0  # how long another writer holds the database


def stories(count: int, word: str = "Gemma story") -> bytes:
    return rss(
        [
            {"title": f"{word} {i}", "link": f"https://v.example/{i}", "guid": f"s{i}"}
            for i in range(count)
        ]
    )


async def subscribe_after_baseline(standin: StandIn, db: Path, channels: tuple[str, ...]) -> None:
    """Once the bot answers: subscribe each channel to 'story' and wait for the first poll."""
    await until(lambda: standin.guild_commands.get(standin.guild["id"]), 30, "command sync")
    admin = DiscordUser(standin, "admin")
    about = await answered(DiscordUser(standin, "member"), "about")
    assert "Epoch AI" in about.text()
    for name in channels:
        added = await admin.slash("watch add", channel=name, keywords="story")
        assert "Release alerts on" in added.text(), added.text()
    await until(
        lambda: read(db, "SELECT last_success FROM feed_sources WHERE key = 'vendor'")[0][0],
        30,
        "the baseline poll",
    )


def poll_now(db: Path) -> None:
    """As if the poll interval had passed."""
    write(db, "UPDATE feed_sources SET next_poll = NULL WHERE key = 'vendor'")


def titles_in(standin: StandIn, name: str) -> Counter:
    return Counter(m["embeds"][0]["title"] for m in standin.messages[standin.channel(name)["id"]])


async def test_kill_mid_fan_out_and_restart_posts_every_alert_once(
    bundled_db: Path, tmp_path: Path
) -> None:
    """SIGKILL the bot right after Discord stored a post and before the bot heard back, keep it
    down past Discord's nonce window, restart: every alert exactly once."""
    log = tmp_path / "bot.log"
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        url = feeds.serve(
            "/vendor.xml",
            rss([{"title": "Old post", "link": "https://v.example/old", "guid": "old"}]),
        )
        config = write_config(tmp_path, standin, db, url)
        process = await start_bot(config, log)
        try:
            await subscribe_after_baseline(standin, db, CHANNELS)
            standin.limit_rate(15)
            feeds.serve("/vendor.xml", stories(STORIES))
            total = len(CHANNELS) * STORIES
            posted = lambda: sum(len(standin.messages[standin.channel(n)["id"]]) for n in CHANNELS)  # noqa: E731
            helpers: set[int] = set()
            loop = asyncio.get_running_loop()
            killed_at: list[float] = []

            def kill_before_the_answer(message: dict) -> None:
                if posted() < total // 3 or killed_at:
                    return
                helpers.update(descendants(process.pid))  # its feed parser processes among them
                process.send_signal(signal.SIGKILL)
                wait_dead(process.pid)
                killed_at.append(loop.time())

            standin.on_message = kill_before_the_answer
            poll_now(db)
            await until(lambda: killed_at, 60, "the fan-out to start")
            await process.wait()
            standin.on_message = None
            assert helpers, "the bot started no parser processes"
            assert posted() < total  # killed in the middle
            # nothing the killed bot started lives on (it would pile up with every crash)
            await until(lambda: not alive(helpers), 15, "the killed bot's parser processes to end")
            # down for longer than Discord remembers the in-flight post's nonce
            await asyncio.sleep(max(0.0, killed_at[0] + 2 * NONCE_WINDOW - loop.time()))

            process = await start_bot(config, log)
            await until(lambda: posted() >= total, 90, "the fan-out to finish after the restart")
            await asyncio.sleep(1.0)  # anything extra would show up now
            for name in CHANNELS:
                expected = Counter({f"Gemma story {i}": 1 for i in range(STORIES)})
                assert titles_in(standin, name) == expected, name
            pending = read(
                db, "SELECT COUNT(*) FROM outbox WHERE status != 'sent' AND kind = 'alert'"
            )[0][0]
            assert pending == 0
        finally:
            await stop_bot(process)


# SQLite's own lock: another connection's BEGIN IMMEDIATE on the file, the busy timeout.
@pytest.mark.sqlite_only
async def test_a_database_locked_while_posting_posts_each_alert_once(
    bundled_db: Path, tmp_path: Path
) -> None:
    """Another writer holds the database (BEGIN IMMEDIATE) from the moment the first alert is
    stored by Discord, for many times the bot's busy timeout and past the nonce window: the
    bot cannot record that post, and afterwards finds it instead of posting it again."""
    log = tmp_path / "bot.log"
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        channel = standin.channel("releases")["id"]
        url = feeds.serve("/vendor.xml", rss([]))
        config = write_config(tmp_path, standin, db, url, database_busy_timeout=LOCKED_WRITE_WAIT)
        process = await start_bot(config, log)
        locker = sqlite3.connect(db, timeout=10, isolation_level=None)
        try:
            await subscribe_after_baseline(standin, db, ("releases",))
            feeds.serve("/vendor.xml", stories(3))
            loop = asyncio.get_running_loop()
            released = asyncio.Event()

            def lock_the_database(message: dict) -> None:
                if standin.on_message is None:
                    return
                standin.on_message = None
                locker.execute("BEGIN IMMEDIATE")
                loop.call_later(LOCK_SECONDS, lambda: (locker.rollback(), released.set()))

            standin.on_message = lock_the_database
            poll_now(db)
            await asyncio.wait_for(released.wait(), 60)
            await until(lambda: len(standin.messages[channel]) >= 3, 30, "the three alerts")
            await until(
                lambda: read(db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")[0][0] == 3,
                30,
                "the alerts to be recorded",
            )
            await asyncio.sleep(1.0)  # anything extra would show up now
            assert titles_in(standin, "releases") == Counter(
                {f"Gemma story {i}": 1 for i in range(3)}
            )
            posts = [
                r
                for r in standin.requests
                if r.method == "POST" and r.path == f"/channels/{channel}/messages"
            ]
            assert len(posts) == 3, [r.body.get("nonce") for r in posts]
            assert "database is locked" in log.read_text()  # the lock did bite
        finally:
            locker.close()
            await stop_bot(process)


def edits_of(db: Path) -> list[tuple]:
    return read(db, "SELECT status, attempted_at IS NOT NULL FROM outbox WHERE kind = 'alert_edit'")


async def test_kill_between_an_edit_and_its_mark_edits_the_alert_once(
    bundled_db: Path, tmp_path: Path
) -> None:
    """The feed corrects an item's title; SIGKILL the bot right after Discord applied the edit
    of its alert and before the bot heard back; restart: the alert shows the new title, was
    edited once (not again, not posted again), and the edit is recorded."""
    log = tmp_path / "bot.log"
    story = {"title": "Gemma story 0", "link": "https://v.example/0", "guid": "s0"}
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        url = feeds.serve("/vendor.xml", rss([]))
        config = write_config(tmp_path, standin, db, url)
        process = await start_bot(config, log)
        try:
            await subscribe_after_baseline(standin, db, ("releases",))
            feeds.serve("/vendor.xml", rss([story]))
            poll_now(db)
            sent = "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND status = 'sent'"
            await until(lambda: read(db, sent)[0][0] == 1, 30, "the alert")
            killed: list[bool] = []

            def kill_before_the_answer(message: dict) -> None:
                if not killed:
                    process.send_signal(signal.SIGKILL)
                    wait_dead(process.pid)
                    killed.append(True)

            standin.on_edit = kill_before_the_answer
            feeds.serve("/vendor.xml", rss([story | {"title": "Gemma story 0, corrected"}]))
            poll_now(db)
            await until(lambda: killed, 60, "the edit")
            await process.wait()
            standin.on_edit = None
            assert edits_of(db) == [("pending", 1)]  # applied, its outcome unknown to the bot

            process = await start_bot(config, log)
            await until(lambda: edits_of(db) == [("sent", 0)], 60, "the edit to be recorded")
            await asyncio.sleep(1.0)  # anything extra would show up now
            assert titles_in(standin, "releases") == Counter({"Gemma story 0, corrected": 1})
            patches = [r for r in standin.requests if r.method == "PATCH"]
            assert [r.status for r in patches] == [200]
            assert "was applied before" in log.read_text()
        finally:
            await stop_bot(process)


async def test_kill_between_a_forum_post_and_its_record_posts_it_once(
    bundled_db: Path, tmp_path: Path
) -> None:
    """A forum post carries no nonce: SIGKILL the bot after Discord made a post and before the
    bot heard back, restart, and each alert is still exactly one post (found among the forum's
    posts by its outbox id, not made again)."""
    log = tmp_path / "bot.log"
    count = 6
    async with stand_in_and_db(bundled_db, tmp_path) as (standin, db), feed_server() as feeds:
        forum = await standin.add_forum("model-posts", tags=("Google", "Release"))
        url = feeds.serve("/vendor.xml", rss([]))
        config = write_config(tmp_path, standin, db, url)
        process = await start_bot(config, log)
        try:
            await subscribe_after_baseline(standin, db, ())
            added = await DiscordUser(standin, "admin").slash(
                "watch add", channel=forum, keywords="story"
            )
            assert "Release alerts on" in added.text(), added.text()
            feeds.serve("/vendor.xml", stories(count))
            posts = lambda: standin.threads_in(forum["id"])  # noqa: E731
            killed: list[bool] = []

            def kill_before_the_answer(message: dict) -> None:
                if len(posts()) < count // 2 or killed:
                    return
                process.send_signal(signal.SIGKILL)
                wait_dead(process.pid)
                killed.append(True)

            standin.on_message = kill_before_the_answer
            poll_now(db)
            await until(lambda: killed, 60, "the forum posts to start")
            await process.wait()
            standin.on_message = None
            made = len(posts())
            assert made < count
            unrecorded = read(
                db,
                "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND status = 'pending'"
                " AND attempted_at IS NOT NULL",
            )[0][0]
            assert unrecorded == 1  # the post Discord made and the bot never heard of

            process = await start_bot(config, log)
            await until(lambda: len(posts()) >= count, 90, "the posts to finish after the restart")
            await asyncio.sleep(1.0)  # anything extra would show up now
            names = Counter(p["name"] for p in posts())
            assert names == Counter({f"Gemma story {i}": 1 for i in range(count)})
            recorded = read(
                db,
                f"SELECT message_id FROM outbox WHERE kind = 'alert' AND channel_id = '{forum['id']}'"
                " AND status = 'sent'",
            )
            assert sorted(r[0] for r in recorded) == sorted(p["id"] for p in posts())
        finally:
            await stop_bot(process)
