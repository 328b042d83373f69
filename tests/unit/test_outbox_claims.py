"""Outbox claims across processes (two connections to one SQLite file, each its own writer):
each row goes to one claimer, a channel to one claimer at a time, a dead claimer's rows go to
another once its claim runs out, and a process claims only the guilds its shards hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import iso
from bot.core.shards import ShardScope
from bot.outbox.outbox import Outbox
from bot.outbox.sender import Claims
from bot.store.db import Database
from bot.store.outbox import OutboxStore
from bot.watch.filters import Filters
from tests.unit.test_outbox import Poster, clock, greeting

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return iso(T0 + timedelta(seconds=seconds))


def guild_on(shard: int) -> str:
    """A guild id Discord puts on `shard` of 2 (shard = (id >> 22) % count)."""
    return str(((1000 + shard) << 22) + 12345)


@pytest.fixture
def two_stores(two_databases):
    first, second = two_databases
    return OutboxStore(first), OutboxStore(second)


async def queue(store: OutboxStore, channels: int, per_channel: int, guild=None) -> None:
    for channel in range(channels):  # a channel's rows together: a claim of 20 takes 4 channels
        for number in range(per_channel):
            await store.enqueue(
                f"k{channel}-{number}", "notice", f"c{channel}", at(0), payload={}, guild_id=guild
            )


async def test_two_claimers_at_once_never_get_the_same_row_nor_the_same_channel(two_stores):
    a, b = two_stores
    await queue(a, channels=8, per_channel=5)
    await asyncio.gather(
        a.claim("a", at(1), at(61), limit=20), b.claim("b", at(1), at(61), limit=20)
    )
    mine_a = await a.pending(at(1), 100, claimed_by="a")
    mine_b = await b.pending(at(1), 100, claimed_by="b")
    ids_a, ids_b = {r.id for r in mine_a}, {r.id for r in mine_b}
    assert ids_a and ids_b and not ids_a & ids_b
    assert not {r.channel_id for r in mine_a} & {r.channel_id for r in mine_b}
    # Whatever the second claim left (the first took 20 of the 40) it takes next time.
    await b.claim("b", at(2), at(62), limit=100)
    mine_b = await b.pending(at(2), 100, claimed_by="b")
    assert len(ids_a) + len(mine_b) == 40


async def test_a_channel_another_process_claims_waits_even_for_its_new_rows(two_stores):
    a, b = two_stores
    await queue(a, channels=1, per_channel=2)
    assert await a.claim("a", at(1), at(61)) == 2
    await queue(a, channels=1, per_channel=3)  # a third row of the same channel comes in
    assert await b.claim("b", at(2), at(62)) == 0  # c0's earlier rows are a's: it waits
    assert await a.claim("a", at(2), at(62)) == 3  # a renews its two and takes the new one


async def test_a_dead_claimers_rows_are_claimed_again_once_its_claim_runs_out(two_stores):
    a, b = two_stores
    await queue(a, channels=3, per_channel=2)
    assert await a.claim("a", at(0), at(60)) == 6
    # a dies without sending: nothing of it is b's while its claim runs.
    assert await b.claim("b", at(59), at(119)) == 0
    assert await b.pending(at(59), 100, claimed_by="b") == []
    assert await b.claim("b", at(60), at(120)) == 6
    assert len(await b.pending(at(60), 100, claimed_by="b")) == 6
    # a's process comes back: the rows are b's now.
    assert await a.claim("a", at(61), at(121)) == 0


async def test_a_process_claims_only_the_guilds_its_shards_hold(two_stores):
    a, b = two_stores
    await queue(a, channels=2, per_channel=2, guild=guild_on(0))
    await a.enqueue("g1", "notice", "c9", at(0), payload={}, guild_id=guild_on(1))
    await a.enqueue("dm", "follow_dm", "dm1", at(0), payload={})  # no guild: shard 0
    assert ShardScope(2, frozenset({0})).holds(guild_on(0))
    assert ShardScope(2, frozenset({1})).holds(guild_on(1))
    assert await b.claim("b", at(1), at(61), shards=(2, frozenset({1}))) == 1
    assert await a.claim("a", at(1), at(61), shards=(2, frozenset({0}))) == 5
    assert [r.dedupe_key for r in await b.pending(at(1), 100, claimed_by="b")] == ["g1"]
    keys = {r.dedupe_key for r in await a.pending(at(1), 100, claimed_by="a")}
    assert keys == {"k0-0", "k1-0", "k0-1", "k1-1", "dm"}


async def test_a_row_is_queued_with_its_guild_from_its_subscription_or_channel(services):
    watch = services.watch
    sub_id, _ = await watch.subscribe(
        "77", "100", Filters(), role_id=None, notify_channel_id=None, user_id="7"
    )
    store = services.outbox.store
    async with store.transaction():
        await store.enqueue("alert", "alert", "100", at(0), subscription_id=sub_id)
        await store.enqueue("notice", "notice", "100", at(0), payload={})  # its channel's guild
        await store.enqueue("dm", "follow_dm", "555", at(0), payload={})  # a DM: no guild
        await store.enqueue("named", "notice", "200", at(0), payload={}, guild_id="88")
    rows = await store.db.fetchall("SELECT dedupe_key, guild_id FROM outbox ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("alert", "77"),
        ("notice", "77"),
        ("dm", None),
        ("named", "88"),
    ]


async def test_two_senders_on_one_outbox_each_post_only_their_shards_rows_once(tmp_path):
    """Two processes' senders drain one outbox at the same time: every row is posted once, by
    the process whose shard holds its guild."""
    path = tmp_path / "shared.db"
    dbs = [await Database.open(path), await Database.open(path)]
    try:
        posters = [Poster(), Poster()]
        outboxes = []
        for shard, (db, poster) in enumerate(zip(dbs, posters, strict=True)):
            outbox = Outbox(OutboxStore(db), clock)
            outbox.register("greeting", greeting)
            outbox.attach_poster(
                poster, claims=Claims(f"p{shard}", ShardScope(2, frozenset({shard})))
            )
            outboxes.append(outbox)
        for number in range(30):
            guild = guild_on(number % 2)
            async with outboxes[0].store.transaction():
                await outboxes[0].enqueue(
                    f"g{number}",
                    "greeting",
                    f"c{number % 6}",
                    iso(clock()),
                    payload={"name": str(number)},
                    guild_id=guild,
                )
        await asyncio.gather(*(outbox.drain() for outbox in outboxes))
        for shard, poster in enumerate(posters):
            channels = {channel for channel, _ in poster.posted}
            assert len(poster.posted) == 15
            assert channels == {f"c{n}" for n in range(6) if n % 2 == shard}
        status = await dbs[0].fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        assert [tuple(r) for r in status] == [("sent", 30)]
    finally:
        for db in dbs:
            await db.close()


async def test_the_migration_gives_queued_rows_their_guild_and_dms_none(db_path: Path):
    """Rows queued before 0026 get their subscription's (else their channel's) guild."""
    from bot.app import open_services
    from tests.conftest import make_config

    async with open_services(make_config(db_path)) as services:
        sub_id, _ = await services.watch.subscribe(
            "77", "100", Filters(), role_id=None, notify_channel_id=None, user_id="7"
        )
        store = services.outbox.store
        async with store.transaction():
            await store.enqueue("alert", "alert", "100", at(0), subscription_id=sub_id)
            await store.enqueue("notice", "notice", "100", at(0), payload={})
            await store.enqueue("dm", "follow_dm", "555", at(0), payload={})
    db = await Database.open(db_path)
    try:  # back to the store before 0026, with those rows queued
        names = await db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog_version_%'"
        )
        for (name,) in names:
            await db.execute(f"DROP TRIGGER {name}")
        for table in ("leases", "rate_budget", "catalog_version"):
            await db.execute(f"DROP TABLE {table}")
        for column in ("guild_id", "claimed_by", "claimed_until"):
            await db.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
        await db.execute("DELETE FROM schema_migrations WHERE version = 26")
        assert await db.migrate() == ["lease_scale"]
        rows = await db.fetchall("SELECT dedupe_key, guild_id FROM outbox ORDER BY id")
        assert [tuple(r) for r in rows] == [("alert", "77"), ("notice", "77"), ("dm", None)]
    finally:
        await db.close()


@pytest.mark.postgresql
async def test_a_row_is_marked_attempted_once_on_postgresql(pg_dsn: str) -> None:
    """The sender's mark before a post (`attempted_at IS ?` on SQLite) runs on PostgreSQL too:
    the row as read is marked once; the same stale read, or one of a row marked since, is not."""
    from bot.store.pg import PgDatabase

    db = await PgDatabase.open(pg_dsn)
    try:
        store = OutboxStore(db)
        await store.enqueue("k1", "notice", "c1", at(0), payload={})
        (row,) = await store.pending(at(1), 10)
        assert await store.mark_attempted(row, at(1))
        assert not await store.mark_attempted(row, at(2))  # read before the mark: stale
        (again,) = await store.pending(at(3), 10)
        assert again.attempted_at == at(1)
        assert await store.mark_attempted(again, at(3))  # its outcome looked up, tried again
    finally:
        await db.close()
