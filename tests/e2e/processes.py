"""Real bot processes (`python -m bot run` with a token) against the stand-in: start, stop,
wait for them, find their children, read their SQLite store. Shared by the process tests
(test_process_kill*.py, test_shard_processes.py) and by two-process tests to come."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import yaml

from tests import pg_switch
from tests.conftest import REPO, copied_store
from tests.standin import TOKEN, DiscordUser, StandIn

NONCE_WINDOW = 1.0  # seconds the stand-in remembers a nonce (Discord: a few minutes)
MAX_ALERTS_PER_POLL = 20  # every story of a test's feed alerts: no flood summary


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
    """The rows of `sql` as the bot's process has committed them, on either backend."""
    if isinstance(db, pg_switch.PgDsn):
        return on_postgresql(db, sql)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute(sql).fetchall()


def write(db: Path, sql: str) -> None:
    """Run a write of the test's own on the bot's store, on either backend."""
    if isinstance(db, pg_switch.PgDsn):
        on_postgresql(db, sql)
        return
    with sqlite3.connect(db, timeout=5) as conn:
        conn.execute(sql)


def on_postgresql(dsn: pg_switch.PgDsn, sql: str) -> list[tuple]:
    """Run `sql` on its own connection, from a thread (the caller is inside the test's loop)."""

    async def run() -> list[tuple]:
        conn = await asyncpg.connect(str(dsn))
        try:
            return [tuple(row) for row in await conn.fetch(sql)]
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def store_keys(db: Path) -> dict[str, object]:
    """Where the bot's config says its store is: the SQLite file, or the PostgreSQL database."""
    if isinstance(db, pg_switch.PgDsn):
        store = pg_switch.store_config(db)
        return {"store": {"backend": "postgresql", "dsn": store.dsn, "password_env": None}}
    return {"database": str(db)}


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


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    """Block until a signalled process has died (is a zombie or gone)."""
    deadline = time.monotonic() + timeout
    while alive({pid}):
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} did not die")
        time.sleep(0.005)


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


def write_config(
    tmp_path: Path,
    standin: StandIn,
    db: Path,
    url: str,
    *,
    name: str = "config.yaml",
    discord: dict[str, Any] | None = None,
    **extra: object,
) -> Path:
    """A config for `python -m bot run` against `standin` (commands synced to each of its
    guilds), the store `db` and one RSS source at `url`; `discord` adds discord keys
    (shard_count, shard_ids ...), `extra` top-level keys; `name` tells two processes' apart."""
    feeds_file = tmp_path / "feeds.yaml"
    source = {"key": "vendor", "name": "Vendor", "url": url, "kind": "rss", "org": "Google"}
    feeds_file.write_text(yaml.safe_dump({"sources": [source | {"poll_minutes": 5}]}))
    config = tmp_path / name
    config.write_text(
        yaml.safe_dump(
            {
                **store_keys(db),
                "dev_guild_ids": [int(g["id"]) for g in standin.guilds],
                "owners": [int(standin.member("owner")["user"]["id"])],
                "discord": {
                    "api_base": standin.api_base,
                    "gateway_url": standin.gateway_url,
                    **(discord or {}),
                },
                "watch": {
                    "feeds_file": str(feeds_file),
                    "tick_seconds": 0.2,
                    "allow_private_feed_hosts": True,  # the feed is on 127.0.0.1
                    "max_alerts_per_poll": MAX_ALERTS_PER_POLL,  # no flood summary
                },
                "sync": {"enabled": False},  # the live catalog sync would reach the internet
                **extra,
            }
        )
    )
    return config


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()


@asynccontextmanager
async def stand_in_and_db(
    bundled_db: Path, tmp_path: Path, standin: StandIn | None = None
) -> AsyncIterator[tuple[StandIn, Path]]:
    """A started stand-in (`standin`, or a new one; with the short nonce window) and a copy of
    the bundled database."""
    standin = standin or StandIn()
    standin.nonce_window = NONCE_WINDOW
    await standin.start()
    try:
        async with copied_store(bundled_db, tmp_path) as db:
            yield standin, db
    finally:
        await standin.stop()
