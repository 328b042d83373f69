"""Retention and store upkeep: what is pruned, what is kept, VACUUM when due, and the config."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, RetentionConfig, load_config, parse_config
from bot.core.clock import iso
from bot.core.upkeep import StoreUpkeep
from bot.store.outbox import OutboxStore
from bot.watch.sources import CuratedEntry
from tests.unit.test_watch_ingest import item
from tests.unit.watch_helpers import clocked_watch

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=0.5) as service:
        yield service


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"retention": {"sent_outbox_days": 0}}, "retention.sent_outbox_days"),
        ({"retention": {"sent_outbox_days": "30"}}, "retention.sent_outbox_days"),
        ({"retention": {"notice_days": 2.5}}, "retention.notice_days"),
        ({"retention": {"entry_body_days": 30}}, "retention.entry_body_days"),  # < 90
        ({"retention": {"identity_days": 100}}, "retention.identity_days"),  # < 365
        ({"retention": {"identity_days": True}}, "retention.identity_days"),
        ({"retention": {"upkeep_hours": 0}}, "retention.upkeep_hours"),
        ({"retention": {"upkeep_hours": "daily"}}, "retention.upkeep_hours"),
        ({"retention": {"vacuum_days": 0}}, "retention.vacuum_days"),
        ({"retention": {"vacuum_days": None}}, "retention.vacuum_days"),
        ({"retention": {"sent_days": 30}}, "retention.sent_days"),
        ({"retention": [30]}, "retention"),
    ],
)
def test_bad_retention_values_fail_start_up_naming_the_key(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=f"'{named}'"):
        parse_config(raw)


def test_the_example_documents_every_retention_key_with_its_default() -> None:
    assert load_config(EXAMPLE, env={}).retention == RetentionConfig()
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in RetentionConfig.__dataclass_fields__:
        assert f"  {key}:" in text
    assert parse_config({"retention": {"identity_days": 400}}).retention.identity_days == 400


async def outbox_ids(watch) -> set[str]:
    rows = await watch.store.db.fetchall("SELECT dedupe_key FROM outbox")
    return {r[0] for r in rows}


async def queue(watch, key: str, kind: str, days_ago: float, sent: bool) -> None:
    store = OutboxStore(watch.store.db)
    moment = iso(watch.clock_control() - timedelta(days=days_ago))
    async with store.transaction():
        if kind == "notice":
            await store.enqueue_notice(key, "5", moment, "t", "x", ())
        else:
            await store.enqueue(key, kind, "5", moment)
    if sent:
        row = await watch.store.db.fetchrow("SELECT id FROM outbox WHERE dedupe_key = ?", (key,))
        await store.mark_sent(row[0], "m", moment)


async def test_upkeep_prunes_what_is_past_its_retention_and_keeps_the_rest(services, watch) -> None:
    clock = watch.clock_control
    long_summary = "word " * 400
    clock.advance(days=-1500)  # four years ago
    ancient = await watch.ingestor.ingest(
        [item("Ancient post", "https://x.example/ancient", "g-a", summary=long_summary)]
    )
    curated_item = CuratedEntry(
        "old-release", "release", "Curated old release", "2022-10-01", (), None, "", None, None
    ).as_item()
    curated = await watch.ingestor.ingest([curated_item])
    clock.advance(days=1300)  # 200 days ago
    old = await watch.ingestor.ingest(
        [item("Old post", "https://x.example/old", "g-o", summary=long_summary)]
    )
    clock.advance(days=199)
    recent = await watch.ingestor.ingest(
        [item("Recent post", "https://x.example/recent", "g-r", summary=long_summary)]
    )
    clock.advance(days=1)
    await queue(watch, "alert:old-sent", "alert", 40, sent=True)
    await queue(watch, "alert:new-sent", "alert", 10, sent=True)
    await queue(watch, "alert:old-pending", "alert", 400, sent=False)  # never pruned
    await queue(watch, "notice-old", "notice", 100, sent=True)
    await queue(watch, "notice-new", "notice", 10, sent=True)

    upkeep = StoreUpkeep(services.db, RetentionConfig(), clock)
    report = await upkeep.once()

    kept = await outbox_ids(watch)
    assert "alert:old-sent" not in kept and {"alert:new-sent", "alert:old-pending"} <= kept
    assert not any(k.startswith("notice-old") for k in kept)
    assert any(k.startswith("notice-new") for k in kept)
    assert report.outbox_rows == 2
    summaries = {
        e: (await watch.store.entry(e)).summary for e in (ancient.new[0], old.new[0], recent.new[0])
    }
    assert len(summaries[old.new[0]]) == len(summaries[ancient.new[0]]) == 200
    assert summaries[recent.new[0]] == long_summary
    # Identities: the four-year-old post's are gone, the curated entry's and newer ones stay.
    known = await watch.store.lookup_identities(["guid:vendor:g-a", "guid:vendor:g-o"])
    assert known == {"guid:vendor:g-o": old.new[0]}
    assert report.identities_forgotten == 2  # its guid and its link
    assert curated.new and (await watch.ingestor.ingest([curated_item])).new == []
    again = await upkeep.once()
    assert (again.outbox_rows, again.bodies_trimmed, again.identities_forgotten) == (0, 0, 0)


# The SQLite file itself: its WAL checkpointed by PRAGMA, its size on disk given back by VACUUM.
@pytest.mark.sqlite_only
async def test_vacuum_runs_once_enough_of_the_file_is_free_and_gives_it_back(
    services, watch
) -> None:
    store = OutboxStore(services.db)
    moment = iso(watch.clock_control() - timedelta(days=60))
    async with store.transaction():
        for i in range(3000):
            await store.enqueue_notice(f"n{i}", "5", moment, "t", "x" * 1000, ())
    await services.db.execute("UPDATE outbox SET status = 'sent', sent_at = ?", (moment,))
    await services.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = services.db.path.stat().st_size
    settings = RetentionConfig(notice_days=30)
    report = await StoreUpkeep(services.db, settings, watch.clock_control).once()
    assert report.outbox_rows == 3000 and report.vacuumed
    assert services.db.path.stat().st_size < before - 2_000_000
    assert not (await StoreUpkeep(services.db, settings, watch.clock_control).once()).vacuumed


async def test_the_upkeep_loop_runs_a_round_at_once_and_stops_when_told(services, watch) -> None:
    await queue(watch, "alert:old-sent", "alert", 40, sent=True)
    upkeep = StoreUpkeep(services.db, RetentionConfig(upkeep_hours=1000), watch.clock_control)
    stop = asyncio.Event()
    loop = asyncio.create_task(upkeep.run(stop))
    for _ in range(200):
        if "alert:old-sent" not in await outbox_ids(watch):
            break
        await asyncio.sleep(0.05)
    assert "alert:old-sent" not in await outbox_ids(watch)
    stop.set()
    await asyncio.wait_for(loop, 10)


def test_the_bot_runs_the_upkeep_loop_beside_the_others(services) -> None:
    from bot.discordbot.client import ReleaseRadarBot

    names = [task.name for task in ReleaseRadarBot(services)._background_tasks()]
    assert "store-upkeep" in names


async def test_vacuum_also_runs_every_vacuum_days_and_remembers_when(services, watch) -> None:
    clock = watch.clock_control
    upkeep = StoreUpkeep(services.db, RetentionConfig(vacuum_days=7), clock)
    assert not (await upkeep.once()).vacuumed  # a new store: the count starts
    clock.advance(days=6)
    assert not (await upkeep.once()).vacuumed
    clock.advance(days=1)
    assert (await upkeep.once()).vacuumed
    # Remembered in the store: a restarted bot does not vacuum again before its time.
    again = StoreUpkeep(services.db, RetentionConfig(vacuum_days=7), clock)
    clock.advance(days=1)
    assert not (await again.once()).vacuumed
