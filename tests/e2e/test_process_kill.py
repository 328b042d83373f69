"""The real bot process (`python -m bot run` with a token) against the stand-in: connects, serves
commands, and after a SIGKILL in the middle of a fan-out, a restart posts every alert once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.feed_server import feed_server, rss
from tests.standin import TOKEN, DiscordUser, StandIn

CHANNELS = ("general", "releases", "digest")
STORIES = 20


def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": TOKEN}
    handle = log.open("ab")
    return asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=handle,
        stderr=handle,
    )


async def until(check, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def read(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute(sql).fetchall()


def descendants(pid: int) -> set[int]:
    """Living processes started by `pid`, and by those, and so on (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


async def answered(user: DiscordUser, *args, **kwargs):
    """Retry a command until the bot (still starting) answers it."""
    for _ in range(100):
        resp = await user.slash(*args, timeout=2.0, **kwargs)
        if resp.type is not None:
            return resp
    raise AssertionError("the bot never answered")


async def test_kill_mid_fan_out_and_restart_posts_every_alert_once(
    bundled_db: Path, tmp_path: Path
) -> None:
    standin = StandIn()
    await standin.start()
    db = tmp_path / "bot.db"
    shutil.copy(bundled_db, db)
    log = tmp_path / "bot.log"
    async with feed_server() as feeds:
        url = feeds.serve(
            "/vendor.xml",
            rss([{"title": "Old post", "link": "https://v.example/old", "guid": "old"}]),
        )
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "key": "vendor",
                            "name": "Vendor",
                            "url": url,
                            "kind": "rss",
                            "org": "Google",
                            "poll_minutes": 5,
                        }
                    ]
                }
            )
        )
        config = tmp_path / "config.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "database": str(db),
                    "dev_guild_ids": [int(standin.guild["id"])],
                    "owners": [int(standin.member("owner")["user"]["id"])],
                    "discord": {"api_base": standin.api_base, "gateway_url": standin.gateway_url},
                    "watch": {
                        "feeds_file": str(feeds_file),
                        "tick_seconds": 0.2,
                        "allow_private_feed_hosts": True,  # the feed is on 127.0.0.1
                        "max_alerts_per_poll": STORIES,  # every story alerts: no flood summary
                    },
                }
            )
        )
        process = await start_bot(config, log)
        try:
            await until(lambda: standin.guild_commands.get(standin.guild["id"]), 30, "command sync")
            admin = DiscordUser(standin, "admin")
            about = await answered(DiscordUser(standin, "member"), "about")
            assert "Epoch AI" in about.text()
            for name in CHANNELS:
                added = await admin.slash("watch add", channel=name, keywords="story")
                assert "Release alerts on" in added.text(), added.text()
            await until(
                lambda: read(db, "SELECT last_success FROM feed_sources WHERE key = 'vendor'")[0][
                    0
                ],
                30,
                "the baseline poll",
            )

            standin.limit_rate(15)
            feeds.serve(
                "/vendor.xml",
                rss(
                    [
                        {
                            "title": f"Gemma story {i}",
                            "link": f"https://v.example/{i}",
                            "guid": f"s{i}",
                        }
                        for i in range(STORIES)
                    ]
                ),
            )
            with sqlite3.connect(db, timeout=5) as conn:  # as if the poll interval had passed
                conn.execute("UPDATE feed_sources SET next_poll = NULL WHERE key = 'vendor'")
            total = len(CHANNELS) * STORIES
            posted = lambda: sum(len(standin.messages[standin.channel(n)["id"]]) for n in CHANNELS)  # noqa: E731
            await until(lambda: posted() >= total // 3, 60, "the fan-out to start")
            helpers = descendants(process.pid)  # its feed parser processes among them
            assert helpers, "the bot started no parser processes"
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert posted() < total  # killed in the middle
            # nothing the killed bot started lives on (it would pile up with every crash)
            await until(lambda: not alive(helpers), 15, "the killed bot's parser processes to end")

            process = await start_bot(config, log)
            await until(lambda: posted() >= total, 90, "the fan-out to finish after the restart")
            await asyncio.sleep(1.0)  # anything extra would show up now
            for name in CHANNELS:
                titles = Counter(
                    m["embeds"][0]["title"] for m in standin.messages[standin.channel(name)["id"]]
                )
                assert titles == Counter({f"Gemma story {i}": 1 for i in range(STORIES)}), name
            pending = read(
                db, "SELECT COUNT(*) FROM outbox WHERE status != 'sent' AND kind = 'alert'"
            )[0][0]
            assert pending == 0
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    process.kill()
            await standin.stop()
