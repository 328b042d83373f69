"""The scale-out pieces' PostgreSQL-only SQL on a real server (tests/pg_server.py), through
asyncpg directly, against the tables the test creates: the 0026 migration, the outbox claim
with SKIP LOCKED, the lease statement, and the shared rate budget of several processes."""

from __future__ import annotations

import asyncio
import bisect
import re
import time
from collections import Counter
from collections.abc import Iterator
from importlib import resources

import asyncpg
import pytest

from bot.outbox.budget import SharedBudget
from bot.outbox.sender import TokenBucket
from bot.store.leases import ACQUIRE
from bot.store.outbox import CLAIM, PG_CLAIM_LOCK, PG_CLAIM_LOCK_KEY, PG_CLAIMABLE, ROW_SHARD
from bot.store.rate_budget import PG_GRANT, Grant, RateBudgetStore
from tests import pg_server

# What the 0026 migration alters or hangs triggers on, cut down to the columns it reads.
STUB_TABLES = """
CREATE TABLE subscriptions (id BIGINT PRIMARY KEY, guild_id TEXT NOT NULL, channel_id TEXT NOT NULL);
CREATE TABLE digest_schedules (id BIGINT PRIMARY KEY, guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL UNIQUE);
CREATE TABLE outbox (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, dedupe_key TEXT UNIQUE,
    kind TEXT NOT NULL, channel_id TEXT NOT NULL, subscription_id BIGINT,
    status TEXT NOT NULL DEFAULT 'pending', not_before TEXT);
CREATE TABLE organisations (id BIGINT PRIMARY KEY, name TEXT);
CREATE TABLE organisation_aliases (alias TEXT, org_id BIGINT);
CREATE TABLE models (id BIGINT PRIMARY KEY, name TEXT);
CREATE TABLE model_aliases (alias TEXT, model_id BIGINT);
CREATE TABLE model_claims (id BIGINT);
CREATE TABLE benchmarks (id BIGINT);
"""


def pg(sql: str) -> str:
    """SQLite-style placeholders as PostgreSQL's: ?N -> $N, each bare ? -> the next $N."""
    numbered = re.sub(r"\?(\d+)", r"$\1", sql)
    count = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(count)}", numbered)


def migration() -> str:
    folder = resources.files("bot.store").joinpath("migrations", "postgresql")
    return folder.joinpath("0026_lease_scale.sql").read_text(encoding="utf-8")


# Left out (and said so) by tests/conftest.py when no server can be started here.
pytestmark = pytest.mark.postgresql


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PgServer]:
    started = pg_server.start()
    try:
        yield started
    finally:
        started.stop()


_databases = iter(range(10_000))


@pytest.fixture
async def dsn(server) -> str:
    seed = (
        "INSERT INTO subscriptions VALUES (1, '77', 'c1');"
        " INSERT INTO digest_schedules VALUES (1, '88', 'c2');"
        " INSERT INTO outbox(dedupe_key, kind, channel_id, subscription_id) VALUES"
        " ('a', 'alert', 'c1', 1), ('d', 'digest', 'c2', NULL), ('n', 'notice', 'c1', NULL),"
        " ('dm', 'follow_dm', 'dm1', NULL);"
    )
    return await server.new_database(f"scale_{next(_databases)}", STUB_TABLES + seed + migration())


async def test_the_migration_backfills_guilds_and_bumps_the_catalog_version_per_change(dsn):
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT dedupe_key, guild_id FROM outbox ORDER BY id")
        assert [tuple(r) for r in rows] == [("a", "77"), ("d", "88"), ("n", "77"), ("dm", None)]
        assert await conn.fetchval("SELECT version FROM catalog_version") == 0
        await conn.execute("INSERT INTO models VALUES (1, 'x'), (2, 'y'), (3, 'z')")
        await conn.execute("UPDATE model_aliases SET alias = 'q'")  # no row changed: no bump
        await conn.execute("INSERT INTO models VALUES (1, 'x') ON CONFLICT DO NOTHING")  # nor
        await conn.execute("INSERT INTO organisations VALUES (1, 'o')")
        await conn.execute("DELETE FROM organisations")
        assert await conn.fetchval("SELECT version FROM catalog_version") == 3
        with pytest.raises(asyncpg.UniqueViolationError):  # a failed unit of work ...
            async with conn.transaction():
                await conn.execute("INSERT INTO models VALUES (4, 'w')")
                await conn.execute("INSERT INTO models VALUES (4, 'w')")
        # ... leaves the version as it was
        assert await conn.fetchval("SELECT version FROM catalog_version") == 3
    finally:
        await conn.close()


async def test_a_transaction_of_many_catalog_statements_bumps_the_version_once(dsn):
    """An import writes row by row in one unit of work: one bump, not one per row (thousands of
    updates of the one counter row in a transaction slowed a copy to minutes). A savepoint
    rolled back takes its bump with it, so the next change in the unit still bumps."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.executemany("INSERT INTO models VALUES ($1, 'm')", [(i,) for i in range(50)])
            await conn.execute("INSERT INTO organisations VALUES (1, 'o')")
        assert await conn.fetchval("SELECT version FROM catalog_version") == 1
        async with conn.transaction():
            with pytest.raises(asyncpg.UniqueViolationError):
                async with conn.transaction():  # a savepoint
                    await conn.execute("INSERT INTO models VALUES (100, 'n')")
                    await conn.execute("INSERT INTO models VALUES (100, 'n')")
            await conn.execute("INSERT INTO models VALUES (101, 'n')")
        assert await conn.fetchval("SELECT version FROM catalog_version") == 2
    finally:
        await conn.close()


async def test_the_lease_statement_is_a_compare_and_set_on_postgresql(dsn):
    conn = await asyncpg.connect(dsn)
    try:
        acquire = pg(ACQUIRE)
        t = "2026-03-01T12:00:{:02d}+00:00".format
        assert await conn.execute(acquire, "leader", "a", t(20), t(0)) == "INSERT 0 1"
        assert await conn.execute(acquire, "leader", "b", t(21), t(1)) == "INSERT 0 0"
        assert await conn.execute(acquire, "leader", "a", t(25), t(5)) == "INSERT 0 1"
        assert await conn.execute(acquire, "leader", "b", t(45), t(25)) == "INSERT 0 1"
        assert await conn.fetchval("SELECT holder FROM leases") == "b"
    finally:
        await conn.close()


async def claim(conn: asyncpg.Connection, claimer: str, now: str, until: str, limit: int) -> int:
    async with conn.transaction():
        await conn.execute(pg(PG_CLAIM_LOCK), PG_CLAIM_LOCK_KEY)
        status = await conn.execute(
            pg(CLAIM.format(claimable=PG_CLAIMABLE.format(scope=""))),
            claimer,
            until,
            now,
            claimer,
            now,
            limit,
        )
    return int(status.split()[-1])


async def test_concurrent_claims_never_share_a_row_or_a_channel_on_postgresql(dsn):
    setup = await asyncpg.connect(dsn)
    await setup.execute("DELETE FROM outbox")
    await setup.executemany(
        "INSERT INTO outbox(dedupe_key, kind, channel_id) VALUES ($1, 'notice', $2)",
        [(f"k{c}-{n}", f"ch{c}") for c in range(20) for n in range(5)],
    )
    conns = [await asyncpg.connect(dsn) for _ in range(4)]
    try:
        now, until = "2026-03-01T12:00:00+00:00", "2026-03-01T12:01:00+00:00"
        for _ in range(3):  # every claimer at once, again and again, 30 rows at a time
            counts = await asyncio.gather(
                *(claim(c, f"p{i}", now, until, 30) for i, c in enumerate(conns))
            )
        assert sum(counts) == 100  # the last round: each renews what it holds
        rows = await setup.fetch("SELECT channel_id, claimed_by FROM outbox")
        assert all(r["claimed_by"] for r in rows)
        owners = {(r["channel_id"], r["claimed_by"]) for r in rows}
        assert len({channel for channel, _ in owners}) == len(owners) == 20
        # Once the claims run out another process takes them over.
        later = "2026-03-01T12:01:00+00:00"
        assert await claim(conns[0], "p9", later, "2026-03-01T12:02:00+00:00", 1000) == 100
    finally:
        for conn in [setup, *conns]:
            await conn.close()


async def test_the_shard_expression_reads_as_discord_does_on_postgresql(dsn):
    conn = await asyncpg.connect(dsn)
    try:
        guild = (1001 << 22) + 5  # shard 1001 % 4 = 1
        expr = pg(f"SELECT {ROW_SHARD} FROM outbox o WHERE o.dedupe_key = ?")
        await conn.execute("UPDATE outbox SET guild_id = $1 WHERE dedupe_key = 'a'", str(guild))
        assert await conn.fetchval(expr, 4, "a") == 1
        assert await conn.fetchval(expr, 4, "dm") == 0  # no guild: shard 0
    finally:
        await conn.close()


class PgBudgetStore(RateBudgetStore):
    """The budget's statement, run on its own asyncpg connection (one per process)."""

    def __init__(self, conn: asyncpg.Connection, grants: list[tuple[int, int]]) -> None:
        self.conn = conn
        self.grants = grants  # (window, tokens) of every grant, for the test to add up

    async def grant(self, want: int, budget: int, name: str = "discord-global") -> Grant:
        row = await self.conn.fetchrow(pg(PG_GRANT), name, want, budget)
        self.grants.append((row["window_start"], row["granted"]))
        return Grant(row["granted"], row["window_start"], row["now"], row["used"])


async def take_for(budget: SharedBudget, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        await budget.take()


async def test_two_limiters_together_never_exceed_the_budget_and_one_alone_gets_all(dsn):
    conns = [await asyncpg.connect(dsn) for _ in range(3)]
    try:
        per_second = 20
        grants: list[tuple[int, int]] = []
        pair = [SharedBudget(PgBudgetStore(c, grants), per_second) for c in conns[:2]]
        await asyncio.gather(*(take_for(b, 3.0) for b in pair))
        used = Counter()
        for window, tokens in grants:
            used[window] += tokens
        assert max(used.values()) <= per_second
        assert sum(1 for n in used.values() if n == per_second) >= 2  # full windows, shared
        alone_grants: list[tuple[int, int]] = []
        alone = SharedBudget(PgBudgetStore(conns[2], alone_grants), per_second)
        await take_for(alone, 2.5)
        windows = Counter()
        for window, tokens in alone_grants:
            windows[window] += tokens
        full = [w for w, n in windows.items() if n == per_second]
        assert full and max(windows.values()) == per_second
    finally:
        for conn in conns:
            await conn.close()


async def test_the_senders_token_bucket_takes_from_the_shared_budget(dsn):
    """Paced at 1000 a second on its own, a sender sharing a budget of 10 starts no more
    than 10 requests in any window of the database's clock."""
    conn = await asyncpg.connect(dsn)
    try:
        grants: list[tuple[int, int]] = []
        bucket = TokenBucket(1000, SharedBudget(PgBudgetStore(conn, grants), 10))
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(25):
            await bucket.take()
        assert loop.time() - started >= 1.0  # 25 at 10 a window: at least two windows' wait
        used = Counter()
        for window, tokens in grants:
            used[window] += tokens
        assert max(used.values()) <= 10 and sum(used.values()) >= 25
    finally:
        await conn.close()


def test_a_budget_never_grants_more_than_it_is_asked_nor_less_than_one():
    store = RateBudgetStore.__new__(RateBudgetStore)
    assert SharedBudget(store, 3).grant_size == 3  # a budget under a grant: the budget
    assert SharedBudget(store, 50, grant_size=0).grant_size == 1


async def test_two_senders_sharing_a_budget_never_crowd_any_second(dsn):
    """Two senders, each paced at the whole budget, start mid-window (as after a pause): the
    requests they start together in any second, however it falls across the database's
    windows, are at most the budget and one; the budget is still used."""
    conns = [await asyncpg.connect(dsn) for _ in range(2)]
    try:
        per_second = 20
        grants: list[tuple[int, int]] = []
        buckets = [
            TokenBucket(per_second, SharedBudget(PgBudgetStore(c, grants), per_second))
            for c in conns
        ]
        now = await conns[0].fetchval("SELECT extract(epoch FROM clock_timestamp())::float8")
        await asyncio.sleep((0.5 - now % 1.0) % 1.0)  # half-way through a window
        starts: list[float] = []

        async def take_for(bucket: TokenBucket, seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await bucket.take()
                starts.append(time.monotonic())

        await asyncio.gather(*(take_for(b, 3.0) for b in buckets))
        starts.sort()
        crowded = max(bisect.bisect_left(starts, t + 1.0) - i for i, t in enumerate(starts))
        assert crowded <= per_second + 1, crowded
        assert len(starts) >= 2 * per_second  # 3 s of a budget of 20, half of it past
    finally:
        for conn in conns:
            await conn.close()
