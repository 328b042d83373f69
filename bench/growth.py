"""Benchmark: two simulated years of history (100 entries a day, 10 alerts each) with the
store upkeep running daily, and the re-poll cost at the start and at the end.

Each simulated day stores 100 entries (1,000-character summaries, a guid and a link each, one
source) through the watch store's bulk statements, and 1,000 sent alert rows (written in bulk
as the sender leaves them: status 'sent', sent_at); then the day's upkeep round runs
(bot/core/upkeep.py, default retention). After day 30 and after the last day the re-poll cost
is measured through the real ingestor: a source listing its 100 latest posts, all known, and
one new post (identities resolved first, a dedup window read only around the new post).

The retention is the default but for VACUUM: every GROWTH_VACUUM_DAYS (30) simulated days
rather than every 7, as each rewrites the whole file and 104 of them would take most of the
run (the size at the end then carries up to 30 days of room left inside pages, not 7).

Prints `figure | target | measured | ratio` lines and one `SUMMARY` line per figure. GROWTH_DAYS
sets the simulated days (730).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.synthetic import item_title
from bot.app import Services, open_services
from bot.config import Config, RetentionConfig, WatchConfig
from bot.core.clock import iso
from bot.core.names import title_key, title_numbers
from bot.watch.items import FeedItem

REPO = Path(__file__).resolve().parents[1]
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
DAYS = int(os.environ.get("GROWTH_DAYS", "730"))
VACUUM_DAYS = int(os.environ.get("GROWTH_VACUUM_DAYS", "30"))
PER_DAY, ALERTS, CHANNELS = 100, 10, 10
START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
MAX_BYTES = 100 * 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


_WORDS = ("model", "weights", "context", "tuned", "open", "release", "benchmark", "latency")
SUMMARIES = [
    " ".join(random.Random(i).choice(_WORDS) for _ in range(200))[:1000] for i in range(64)
]


def day_items(day: int, rng: random.Random) -> list[tuple[int, FeedItem]]:
    """The day's posts as (number, item); source s{n % 20}."""
    when = START + timedelta(days=day)
    posts = []
    for k in range(PER_DAY):
        n = day * PER_DAY + k
        summary = rng.choice(SUMMARIES)
        posts.append(
            (
                n,
                FeedItem(
                    item_title(rng, n),
                    f"https://vendor{n % 20}.example/post-{n}",
                    summary,
                    iso(when + timedelta(minutes=k)),
                    f"post-{n}",
                    f"s{n % 20}",
                    f"Vendor {n % 20}",
                ),
            )
        )
    return posts


async def store_day(services: Services, day: int, first_id: int, rng: random.Random) -> int:
    store, stamp = services.watch.store, iso(START + timedelta(days=day, hours=12))
    entries, identities, sources, alerts = [], [], [], []
    for offset, (n, it) in enumerate(day_items(day, rng)):
        entry_id = first_id + offset
        entries.append(
            (
                entry_id,
                it.title,
                title_key(it.title),
                title_numbers(it.title),
                it.link,
                it.summary,
                it.published,
                "news",
                None,
                stamp,
                False,
            )
        )
        identities += [
            (f"guid:{it.source_key}:{it.guid}", entry_id),
            (f"link:{it.link[8:]}", entry_id),
        ]
        sources.append((entry_id, it.source_key, it.source_name, it.link, stamp))
        alerts += [
            (f"alert:{entry_id}:{c}", "alert", entry_id, str(c), "sent", stamp, stamp, str(n), 1)
            for c in range(CHANNELS)
        ]
    async with store.transaction():
        await store.insert_entries(entries)
        await store.add_links(identities, sources, [])
        # The sender's outcome, in bulk: what `OutboxStore.enqueue` then `mark_sent` leave.
        await services.db.executemany(
            "INSERT INTO outbox(dedupe_key, kind, entry_id, channel_id, status, created_at,"
            " sent_at, message_id, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            alerts,
        )
    return first_id + len(entries)


async def repoll_cost(services: Services, clock: Clock, day: int, rng: random.Random) -> float:
    """Median time to ingest a source's 100 latest posts (known) and one new one."""
    listed = [it for _, it in day_items(day, random.Random(day))]  # the day's posts again
    times = []
    for attempt in range(-1, 9):  # the first, untimed: the linking index is built on first use
        new = FeedItem(
            f"Fresh story {day}-{attempt} {rng.random()}",
            f"https://vendor0.example/fresh-{day}-{attempt}",
            "new",
            iso(clock.now),
            f"fresh-{day}-{attempt}",
            "s0",
            "Vendor 0",
        )
        start = time.perf_counter()
        report = await services.watch.ingestor.ingest([new, *listed])
        if attempt >= 0:
            times.append(time.perf_counter() - start)
        assert len(report.new) == 1, report
    return statistics.median(times)


def size_of(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


async def main() -> None:
    clock = Clock()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp_name:
        db = Path(tmp_name) / "growth.db"
        config = Config(
            database=db,
            watch=WatchConfig(feeds_file=NO_FEEDS),
            retention=RetentionConfig(vacuum_days=VACUUM_DAYS),
        )
        started = time.perf_counter()
        async with open_services(config, clock=clock) as services:
            base = size_of(db)
            next_id = await services.watch.store.max_entry_id() + 1
            early = late = 0.0
            upkeep_time = 0.0
            for day in range(DAYS):
                clock.now = START + timedelta(days=day, hours=23)
                next_id = await store_day(services, day, next_id, random.Random(day))
                t0 = time.perf_counter()
                await services.upkeep.once()
                upkeep_time += time.perf_counter() - t0
                if day == min(29, DAYS - 1):
                    early = await repoll_cost(services, clock, day, rng)
                    next_id = await services.watch.store.max_entry_id() + 1
            late = await repoll_cost(services, clock, DAYS - 1, rng)
            await services.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = {
                table: (await services.db.fetchrow(f"SELECT COUNT(*) FROM {table}"))[0]
                for table in ("entries", "entry_identities", "outbox")
            }
            size = size_of(db)
            tables = await services.db.fetchall(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12"
            )
        elapsed = time.perf_counter() - started
    print(
        f"{DAYS} simulated days, {PER_DAY} entries a day, {ALERTS} alerts each, default"
        f" retention, VACUUM every {VACUUM_DAYS} days; {elapsed:.0f} s to simulate (upkeep rounds {upkeep_time:.1f} s in all)"
    )
    print(
        f"store: {size / 2**20:.1f} MB (bundled catalog alone {base / 2**20:.1f} MB); rows {counts}"
    )
    print("largest:", ", ".join(f"{name} {size_ / 2**20:.1f} MB" for name, size_ in tables))
    print(
        f"re-poll (100 known + 1 new): day 30 {early * 1000:.1f} ms, day {DAYS} {late * 1000:.1f} ms"
    )
    growth = late / early if early else float("inf")
    rows = [
        ("growth_store_size_2y", "<100MB", f"{size / 2**20:.1f}MB", size / MAX_BYTES),
        ("growth_repoll_late_vs_early", "<=1.5x (flat)", f"{growth:.2f}x", growth / 1.5),
    ]
    print("figure | target | measured | ratio")
    for figure, target, measured, ratio in rows:
        print(f"{figure} | {target} | {measured} | {ratio:.2f}")
    for figure, target, measured, ratio in rows:
        print(f"SUMMARY figure={figure} target={target} measured={measured} ratio={ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
