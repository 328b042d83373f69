"""The two-process, two-shard installation on PostgreSQL, end to end: two real bot processes
(`python -m bot run`), shard 0 and shard 1 of two, against ONE stand-in serving both shards,
sharing ONE PostgreSQL database (a copy of the bundled catalog on the session's throwaway
server), with a feed on 127.0.0.1 and watch subscriptions in a guild of each shard.

Who sent a post: the alert posts carry no shard, so each outbox row's `claimed_by` (the name
of the process that claimed and sent it, read from PostgreSQL afterwards) tells, beside the
stand-in's count of messages per channel (exactly one of each alert)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import open_services
from tests import pg_switch
from tests.conftest import REPO, make_config
from tests.e2e.processes import (
    NONCE_WINDOW,
    answered,
    read,
    start_bot,
    stop_bot,
    until,
    wait_dead,
    write_config,
)
from tests.e2e.test_process_kill import poll_now, stories, titles_in
from tests.e2e.test_shard_processes import two_shard_standin
from tests.feed_server import FeedServer, feed_server, rss
from tests.standin import DiscordUser, StandIn

# Left out (and said so) by tests/conftest.py when no PostgreSQL server can be started here.
pytestmark = pytest.mark.postgresql

LEASE_SECONDS = 4.0
RENEW_SECONDS = 1.0
CLAIM_SECONDS = 5.0
MARGIN = 30.0  # a loaded machine: start-up of the poll, the fetch, the post
CHANNELS = ("general", "releases", "digest")  # each guild's, with its suffix
NAMES = ("shard-0", "shard-1")  # scale.process_name of the process running shard n


@pytest.fixture(scope="module")
def catalog_template(pg_session: pg_switch.Server) -> Iterator[pg_switch.PgDsn]:
    """The bundled catalog in a PostgreSQL database, built once for the module; each test
    copies it (whichever backend the rest of the suite runs on)."""
    template = pg_switch.create_database(name=f"rr_twoproc_{os.getpid()}")

    async def build() -> None:
        async with open_services(make_config(template)):
            pass

    asyncio.run(build())
    yield template
    pg_switch.drop_database(template)


@pytest.fixture
def shared_db(catalog_template: pg_switch.PgDsn) -> Iterator[pg_switch.PgDsn]:
    """The one database both processes share: a copy of the catalog, dropped after the test."""
    dsn = pg_switch.create_database(template=catalog_template.name)
    yield dsn
    pg_switch.drop_database(dsn)


async def pg_until(dsn: str, sql: str, ok, timeout: float, what: str) -> list[tuple]:
    """Read `sql` until `ok(rows)`; the rows."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = read(dsn, sql)
        if ok(rows):
            return rows
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {rows}")
        await asyncio.sleep(0.2)


async def holder(dsn: str) -> str | None:
    rows = read(dsn, "SELECT holder FROM leases WHERE name = 'leader'")
    return rows[0][0] if rows else None


def scale(name: str) -> dict[str, object]:
    return {
        "enabled": True,
        "process_name": name,
        "lease_seconds": LEASE_SECONDS,
        "lease_renew_seconds": RENEW_SECONDS,
        "claim_seconds": CLAIM_SECONDS,
        "catalog_poll_seconds": 0.5,
    }


@dataclass
class Installation:
    """Two bot processes, shard n named NAMES[n], on one stand-in and one PostgreSQL database."""

    standin: StandIn
    dsn: pg_switch.PgDsn
    feeds: FeedServer
    suffix: dict[int, str]  # shard -> the suffix of its guild's users and channels
    configs: dict[int, Path]
    logs: dict[int, Path]
    processes: dict[int, asyncio.subprocess.Process] = field(default_factory=dict)

    async def start(self, shard: int) -> None:
        self.processes[shard] = await start_bot(self.configs[shard], self.logs[shard])

    def kill(self, shard: int) -> None:
        process = self.processes[shard]
        process.send_signal(signal.SIGKILL)
        wait_dead(process.pid)

    def channels(self, shard: int) -> list[str]:
        return [f"{name}{self.suffix[shard]}" for name in CHANNELS]

    def posted(self, shard: int) -> int:
        return sum(
            len(self.standin.messages[self.standin.channel(n)["id"]]) for n in self.channels(shard)
        )

    def guild_id(self, shard: int) -> str:
        return self.standin.guilds[0 if self.suffix[shard] == "" else 1]["id"]

    async def connected(self, *shards: int) -> None:
        """Each of `shards` has its live gateway session and answers a command in its guild."""
        live = lambda: {s.shard[0] for s in self.standin.live_sessions()}  # noqa: E731
        await until(lambda: set(shards) <= live(), 90, f"shards {shards} to connect")
        for shard in shards:
            guild = self.guild_id(shard)
            await until(lambda g=guild: self.standin.guild_commands.get(g), 60, "command sync")
            about = await answered(
                DiscordUser(self.standin, f"member{self.suffix[shard]}"), "about"
            )
            assert f"this process runs shard {shard} of 2" in about.text(), about.text()

    async def subscribe(self) -> None:
        """Every channel of both guilds watches 'story'; wait for the leader's baseline poll."""
        for shard in (0, 1):
            admin = DiscordUser(self.standin, f"admin{self.suffix[shard]}")
            for name in self.channels(shard):
                added = await admin.slash("watch add", channel=name, keywords="story")
                assert "Release alerts on" in added.text(), added.text()
        await pg_until(
            self.dsn,
            "SELECT last_success FROM feed_sources WHERE key = 'vendor'",
            lambda rows: rows and rows[0][0],
            60,
            "the baseline poll",
        )

    async def alerts(self) -> list[tuple]:
        """(guild id, claimed_by, status, sent) of every alert row, from PostgreSQL."""
        return read(
            self.dsn,
            "SELECT guild_id, claimed_by, status, message_id IS NOT NULL FROM outbox"
            " WHERE kind = 'alert' ORDER BY id",
        )


@asynccontextmanager
async def installation(tmp_path: Path, dsn: pg_switch.PgDsn) -> AsyncIterator[Installation]:
    """The stand-in (two guilds on shards 0 and 1 of two), the feed server, and both
    processes' configs; the processes are started by the test and stopped here."""
    standin, suffix = two_shard_standin()
    standin.nonce_window = NONCE_WINDOW
    await standin.start()
    try:
        async with feed_server() as feeds:
            url = feeds.serve("/vendor.xml", rss([]))
            configs, logs = {}, {}
            for shard in (0, 1):
                folder = tmp_path / NAMES[shard]
                folder.mkdir()
                configs[shard] = write_config(
                    folder,
                    standin,
                    folder / "unused.db",  # the store is PostgreSQL's
                    url,
                    discord={"shard_count": 2, "shard_ids": [shard]},
                    store=store_section(dsn),
                    scale=scale(NAMES[shard]),
                )
                logs[shard] = folder / "bot.log"
            setup = Installation(standin, dsn, feeds, suffix, configs, logs)
            try:
                yield setup
            finally:
                for process in setup.processes.values():
                    await stop_bot(process)
    finally:
        await standin.stop()


def store_section(dsn: str) -> dict[str, Any]:
    """The config's store section for the shared database (trust login, a small pool)."""
    return {"backend": "postgresql", "dsn": str(dsn), "password_env": None, "pool_size": 4}


def one_each(count: int, word: str = "Gemma story") -> Counter:
    return Counter({f"{word} {i}": 1 for i in range(count)})


async def test_each_guilds_alerts_are_posted_once_by_its_shards_process(
    tmp_path: Path, shared_db: pg_switch.PgDsn
) -> None:
    count = 3
    async with installation(tmp_path, shared_db) as setup:
        await setup.start(0)
        await setup.start(1)
        await setup.connected(0, 1)
        await setup.subscribe()
        setup.feeds.serve("/vendor.xml", stories(count))
        poll_now(shared_db)
        total = len(CHANNELS) * count
        await until(
            lambda: setup.posted(0) >= total and setup.posted(1) >= total, 90, "every alert"
        )
        await asyncio.sleep(1.5)  # anything extra would show up now
        for shard in (0, 1):
            for name in setup.channels(shard):
                assert titles_in(setup.standin, name) == one_each(count), name
        rows = await setup.alerts()
        assert len(rows) == 2 * total
        sender_of = {setup.guild_id(shard): NAMES[shard] for shard in (0, 1)}
        for guild, claimed_by, status, sent in rows:
            assert (claimed_by, status, sent) == (sender_of[guild], "sent", True), rows
        # one leader polled (and queued every alert); the other never led
        leader = await holder(shared_db)
        assert leader in NAMES
        follower = 1 - NAMES.index(leader)
        assert f"{NAMES[follower]} leads now" not in setup.logs[follower].read_text()


async def test_killing_the_lease_holder_hands_polling_over_and_its_shard_waits_for_it(
    tmp_path: Path, shared_db: pg_switch.PgDsn
) -> None:
    """SIGKILL the leader (shard 0): shard 1's process takes the lease over and polls within
    lease_seconds and a margin, and sends its own guild's alerts; shard 0's guild has no live
    sender (that is sharding) until its process restarts under the same name: then once."""
    async with installation(tmp_path, shared_db) as setup:
        await setup.start(0)
        await pg_until(
            shared_db, "SELECT holder FROM leases", lambda r: r == [(NAMES[0],)], 60, "a to lead"
        )
        await setup.start(1)
        await setup.connected(0, 1)
        await setup.subscribe()
        assert await holder(shared_db) == NAMES[0]

        setup.kill(0)
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        setup.feeds.serve("/vendor.xml", stories(1))
        poll_now(shared_db)
        await until(
            lambda: setup.posted(1) >= len(CHANNELS), LEASE_SECONDS + MARGIN, "b to poll and post"
        )
        took = loop.time() - killed_at
        assert took < LEASE_SECONDS + MARGIN
        assert await holder(shared_db) == NAMES[1]
        await asyncio.sleep(1.5)  # anything extra would show up now
        for name in setup.channels(1):
            assert titles_in(setup.standin, name) == one_each(1), name
        assert setup.posted(0) == 0  # shard 0's rows wait for shard 0's process
        waiting = [r for r in await setup.alerts() if r[0] == setup.guild_id(0)]
        assert [r[2:] for r in waiting] == [("pending", False)] * len(CHANNELS)

        await setup.start(0)  # the same scale.process_name: its claims are its own again
        await until(lambda: setup.posted(0) >= len(CHANNELS), 90, "a's rows after its restart")
        await asyncio.sleep(1.5)
        for shard in (0, 1):
            for name in setup.channels(shard):
                assert titles_in(setup.standin, name) == one_each(1), name
        assert await holder(shared_db) == NAMES[1]  # the restarted process does not take it back
        sender_of = {setup.guild_id(shard): NAMES[shard] for shard in (0, 1)}
        for guild, claimed_by, status, sent in await setup.alerts():
            assert (claimed_by, status, sent) == (sender_of[guild], "sent", True)


async def test_kill_a_sender_mid_fan_out_and_restart_posts_every_alert_once(
    tmp_path: Path, shared_db: pg_switch.PgDsn
) -> None:
    """SIGKILL shard 1's process right after Discord stored one of its posts and before it
    heard back (a slow fan-out: latency and a global rate limit), keep it down past Discord's
    nonce window, restart it under the same name: every alert in both guilds exactly once."""
    count = 8
    async with installation(tmp_path, shared_db) as setup:
        await setup.start(0)
        await pg_until(
            shared_db, "SELECT holder FROM leases", lambda r: r == [(NAMES[0],)], 60, "a to lead"
        )
        await setup.start(1)
        await setup.connected(0, 1)
        await setup.subscribe()
        standin = setup.standin
        standin.latency = 0.2
        standin.limit_rate(15)
        total = len(CHANNELS) * count
        victim = setup.processes[1]
        loop = asyncio.get_running_loop()
        killed_at: list[float] = []

        def kill_before_the_answer(message: dict) -> None:
            if killed_at or setup.posted(1) < total // 3:
                return
            setup.kill(1)
            killed_at.append(loop.time())

        standin.on_message = kill_before_the_answer
        setup.feeds.serve("/vendor.xml", stories(count))
        poll_now(shared_db)
        await until(lambda: killed_at, 90, "shard 1's fan-out to start")
        await victim.wait()
        standin.on_message = None
        assert setup.posted(1) < total  # killed in the middle
        unknown = read(
            shared_db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND status = 'pending'"
            f" AND attempted_at IS NOT NULL AND guild_id = '{setup.guild_id(1)}'",
        )
        # in flight (one per channel lane): the post Discord stored and the process never heard
        # of among them
        assert unknown[0][0] >= 1
        # down for longer than Discord remembers the in-flight post's nonce
        await asyncio.sleep(max(0.0, killed_at[0] + 2 * NONCE_WINDOW - loop.time()))

        await setup.start(1)
        await until(
            lambda: setup.posted(0) >= total and setup.posted(1) >= total,
            120,
            "the fan-out to finish after the restart",
        )
        await asyncio.sleep(1.5)  # anything extra would show up now
        for shard in (0, 1):
            for name in setup.channels(shard):
                assert titles_in(standin, name) == one_each(count), name
        sender_of = {setup.guild_id(shard): NAMES[shard] for shard in (0, 1)}
        rows = await setup.alerts()
        assert len(rows) == 2 * total
        for guild, claimed_by, status, sent in rows:
            assert (claimed_by, status, sent) == (sender_of[guild], "sent", True)
        assert "was posted before" in setup.logs[1].read_text()  # the read-back did find it


async def test_a_process_with_another_shard_count_stops_naming_the_key_and_the_others_serve_on(
    tmp_path: Path, shared_db: pg_switch.PgDsn
) -> None:
    """Bad input: a third process on the shared database given shard_count 3 while the others
    run 2: Discord refuses its shard (4010), it stops (exit 2) naming discord.shard_count, and
    the running installation is as it was (same leader, both shards answering)."""
    async with installation(tmp_path, shared_db) as setup:
        await setup.start(0)
        await pg_until(
            shared_db, "SELECT holder FROM leases", lambda r: r == [(NAMES[0],)], 60, "a to lead"
        )
        await setup.start(1)
        await setup.connected(0, 1)
        folder = tmp_path / "odd"
        folder.mkdir()
        odd = write_config(
            folder,
            setup.standin,
            folder / "unused.db",
            setup.feeds.url("/vendor.xml"),
            discord={"shard_count": 3, "shard_ids": [2]},
            store=store_section(shared_db),
            scale=scale("odd"),
        )
        log = folder / "bot.log"
        process = await start_bot(odd, log)
        assert await asyncio.wait_for(process.wait(), 90) == 2
        text = log.read_text()
        assert "key 'discord.shard_count'" in text and "4010 Invalid shard" in text, text
        assert "give every process the same discord.shard_count" in text
        assert await holder(shared_db) == NAMES[0]
        assert sorted(s.shard for s in setup.standin.live_sessions()) == [(0, 2), (1, 2)]
        await setup.connected(0, 1)  # both still answer in their guilds


def compose_config(deploy: Path, base: Path, dsn: str) -> Path:
    """`deploy`'s config (a compose bot service's) with the test's endpoints from `base` and
    its store's dsn pointed at the test server; written beside `base`."""
    chosen = yaml.safe_load(deploy.read_text(encoding="utf-8"))
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    config["store"] = chosen["store"] | {"dsn": str(dsn), "pool_size": 4}
    config["discord"] |= chosen["discord"]
    config["scale"] = chosen["scale"]
    out = base.with_name(deploy.name)
    out.write_text(yaml.safe_dump(config))
    return out


async def test_composes_two_bot_configs_start_and_split_the_four_shards(
    tmp_path: Path, shared_db: pg_switch.PgDsn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compose.yaml's bot-a and bot-b configs (deploy/), pointed at the test server: they
    start, hold shards 0-1 and 2-3 of 4 between them, and one of them leads."""
    monkeypatch.setenv("RADAR_DB_PASSWORD", "unused")  # the test server trusts loopback
    standin = StandIn()
    for shard in (1, 2, 3):
        standin.add_guild(f"s{shard}", shard=(shard, 4))
    standin.nonce_window = NONCE_WINDOW
    await standin.start()
    processes = []
    try:
        logs = {}
        for tag in ("a", "b"):
            folder = tmp_path / tag
            folder.mkdir()
            base = write_config(folder, standin, folder / "unused.db", "http://127.0.0.1:9/x.xml")
            config = compose_config(REPO / "deploy" / f"config.shard-{tag}.yaml", base, shared_db)
            logs[tag] = folder / "bot.log"
            processes.append(await start_bot(config, logs[tag]))
        await until(lambda: len(standin.live_sessions()) == 4, 120, "four shards")
        assert sorted(s.shard for s in standin.live_sessions()) == [(n, 4) for n in range(4)]
        on_shard = Counter((int(g["id"]) >> 22) % 4 for g in standin.guilds)
        for tag, shards in (("a", (0, 1)), ("b", (2, 3))):
            await until(lambda t=tag: "connected as" in logs[t].read_text(), 60, f"{tag} ready")
            guilds = sum(on_shard[n] for n in shards)
            held = f"shards {shards[0]}-{shards[1]} of 4, {guilds} guilds"
            assert held in logs[tag].read_text()
        assert await holder(shared_db) in ("bot-a", "bot-b")
    finally:
        for process in processes:
            await stop_bot(process)
        await standin.stop()
