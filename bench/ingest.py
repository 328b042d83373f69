"""Benchmark: a first poll of 200 feeds x 100 items against bare feedparser, re-polls of
unchanged feeds, and the re-poll of a 2-year archive feed.

Synthetic vendor feeds (bench/synthetic.py) are served by the local HTTP server
(tests/feed_server.py) running in a process of its own, so serving 17 MB is not counted as the
bot's work (it would be, in the bot's event loop). Figures:

- first poll: every source due at once into a fresh store, parsing in the bot's parser
  processes (`watch.parse_workers`, 2 by default; INGEST_WORKERS overrides), warmed up first
  as in a running bot. The baseline is bare `feedparser.parse` of the same bodies with the
  bot's own options (`sanitize_html=False, resolve_relative_uris=False`) in a process pool of
  the same size on the same cores (one process when the bot parses in threads). The baseline
  only parses; the pipeline also fetches, cleans, links, deduplicates and stores. Target:
  within 2x.
- unchanged re-poll: every source again, same bodies, no ETag or Last-Modified. Target < 0.5 s.
  Its floor, taken right after it in the same run (the machine may be loaded): bare aiohttp
  GETs of the same 200 URLs, 8 at a time as the poller fetches, bodies read and dropped.
- archive re-poll: one source listing 2 years of daily posts (730 items) in a store that holds
  them, re-polled once with its body unchanged and once with one new post on top. The
  unchanged re-poll skips parsing; the changed one parses 731 items, resolves their identities
  and reads a dedup window only around the new one: it is compared with a bare feedparser
  parse of that body in this process (its cost is the parse of a body that grew, not history).

Prints `figure | target | measured | ratio` lines and one `SUMMARY` line per figure.
INGEST_FEEDS and INGEST_ITEMS set the size (200, 100); INGEST_ROUNDS the first-poll rounds (3).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import aiohttp
import feedparser

from bench.synthetic import feed
from bot.app import Services, open_services
from bot.config import Config, WatchConfig
from bot.store.watch import SourceDef
from bot.watch.linking import link_models
from bot.watch.parse import parse_feed
from tests.feed_server import feed_server

REPO = Path(__file__).resolve().parents[1]
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
FEEDS = int(os.environ.get("INGEST_FEEDS", "200"))
ITEMS = int(os.environ.get("INGEST_ITEMS", "100"))
ROUNDS = int(os.environ.get("INGEST_ROUNDS", "3"))
WORKERS = int(os.environ.get("INGEST_WORKERS", str(WatchConfig().parse_workers)))
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def first_bodies() -> list[bytes]:
    return [feed(i, ITEMS, START - timedelta(hours=1), timedelta(hours=20)) for i in range(FEEDS)]


ARCHIVE_DAYS = 730
ARCHIVE = feed(999, ARCHIVE_DAYS, START, timedelta(days=1)).decode()
ARCHIVE_NEWER = feed(999, ARCHIVE_DAYS + 1, START + timedelta(days=1), timedelta(days=1)).decode()


def _archive_body(hit: int) -> str:
    """The archive feed: the same 2 years for its first two fetches, then one post more."""
    return ARCHIVE if hit <= 2 else ARCHIVE_NEWER


def serve_feeds(ports: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    """In the server process: serve /v0.xml ... and /archive.xml until `stop` is set."""

    async def run() -> None:
        async with feed_server() as server:
            for i, body in enumerate(first_bodies()):
                server.serve(f"/v{i}.xml", body)
            server.serve("/archive.xml", ARCHIVE, each=_archive_body)
            ports.put(server.port)
            while not stop.is_set():
                await asyncio.sleep(0.05)

    asyncio.run(run())


def bare_count(body: bytes) -> int:
    """Bare feedparser with the bot's options (bot/watch/parse.py)."""
    parsed = feedparser.parse(
        body,
        response_headers={"content-type": "application/rss+xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    return len(parsed.entries)


def bare_parse(pool: ProcessPoolExecutor | None, bodies: list[bytes]) -> tuple[float, int]:
    start = time.perf_counter()
    counts = list(pool.map(bare_count, bodies)) if pool else [bare_count(b) for b in bodies]
    return time.perf_counter() - start, sum(counts)


def bare_pool() -> ProcessPoolExecutor | None:
    """The baseline's processes: as many as the bot's parser processes, warmed up the same."""
    if not WORKERS:
        return None
    pool = ProcessPoolExecutor(max_workers=WORKERS)
    list(pool.map(bare_count, [feed(0, 20, START, timedelta(hours=1))] * WORKERS * 2))
    return pool


async def warm(services: Services) -> None:
    """A bot that has polled before: parser processes up and the linking index built."""
    sample = feed(0, 20, START, timedelta(hours=1))
    job = partial(parse_feed, sample, url="https://example.com/", source_key="w", source_name="w")
    await asyncio.gather(*(services.watch.poller.parser.run(job) for _ in range(WORKERS * 2 or 1)))
    link_models(services.lookups.models, "Warm up the linking index")


def config(db: Path) -> Config:
    watch = WatchConfig(feeds_file=NO_FEEDS, parse_workers=WORKERS, allow_private_feed_hosts=True)
    return Config(database=db, watch=watch)


async def add_sources(services: Services, urls: dict[str, str]) -> None:
    for key, url in urls.items():
        await services.watch.store.add_source(SourceDef(key, key, url, "rss", None, 30), "bench")


async def timed_round(services: Services, clock: Clock) -> tuple[float, list]:
    clock.now += timedelta(minutes=31)  # every source is due again
    start = time.perf_counter()
    outcomes = await services.watch.poller.poll_due()
    elapsed = time.perf_counter() - start
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:3]
    return elapsed, outcomes


async def bare_fetch(urls: list[str], concurrency: int = 8) -> float:
    """The unchanged re-poll's floor: GET every URL, `concurrency` at a time, read the body."""
    slots = asyncio.Semaphore(concurrency)

    async def get(session: aiohttp.ClientSession, url: str) -> None:
        async with slots, session.get(url) as resp:
            await resp.read()

    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        await asyncio.gather(*(get(session, url) for url in urls))
        return time.perf_counter() - start


async def first_poll(base: str, template: Path, work: Path) -> tuple[float, float, int, float]:
    """(first poll, unchanged re-poll, entries stored, bare fetch of the same URLs) of one
    round in a fresh store."""
    urls = {f"v{i}": f"{base}/v{i}.xml" for i in range(FEEDS)}
    db = work / "first.db"
    shutil.copy(template, db)
    clock = Clock()
    async with open_services(config(db), clock=clock) as services:
        await add_sources(services, urls)
        await warm(services)
        elapsed, outcomes = await timed_round(services, clock)
        again, _ = await timed_round(services, clock)
        floor = await bare_fetch(list(urls.values()))
    return elapsed, again, sum(o.new for o in outcomes), floor


async def archive(base: str, template: Path, work: Path) -> tuple[float, float]:
    """(unchanged, one new post) re-poll times of a 2-year archive feed."""
    url = f"{base}/archive.xml"
    db = work / "archive.db"
    shutil.copy(template, db)
    clock = Clock()
    async with open_services(config(db), clock=clock) as services:
        await add_sources(services, {"archive": url})
        await warm(services)
        await timed_round(services, clock)  # the baseline poll stores the 2 years
        unchanged, _ = await timed_round(services, clock)
        changed, outcomes = await timed_round(services, clock)
        assert sum(o.new for o in outcomes) == 1, outcomes
    return unchanged, changed


def line(figure: str, target: str, measured: str, ratio: float) -> None:
    print(f"{figure} | {target} | {measured} | {ratio:.2f}")


def summary(figure: str, target: str, measured: str, ratio: float) -> None:
    print(f"SUMMARY figure={figure} target={target} measured={measured} ratio={ratio:.2f}")


async def main() -> None:
    bodies = first_bodies()
    pool = bare_pool()
    ports: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=serve_feeds, args=(ports, stop), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=120)}"
    with tempfile.TemporaryDirectory() as tmp_name:
        work = Path(tmp_name)
        template = work / "template.db"
        async with open_services(config(template)):
            pass
        firsts, agains, bares, fetches = [], [], [], []
        for _ in range(ROUNDS):
            bare, entries = bare_parse(pool, bodies)
            elapsed, again, stored, floor = await first_poll(base, template, work)
            fetches.append(floor)
            bares.append(bare)
            firsts.append(elapsed)
            agains.append(again)
        unchanged, changed = await archive(base, template, work)
    stop.set()
    server.join(10)
    if pool:
        pool.shutdown()
    start = time.perf_counter()
    bare_count(ARCHIVE_NEWER.encode())  # what parsing the changed archive alone costs
    archive_bare = time.perf_counter() - start
    ratios = sorted(f / b for f, b in zip(firsts, bares, strict=True))
    ratio = statistics.median(ratios)
    b_med, f_med, a_med = (statistics.median(x) for x in (bares, firsts, agains))
    fetch_ratio = statistics.median(a / f for a, f in zip(agains, fetches, strict=True))
    cores = f"{WORKERS} parser processes" if WORKERS else "parsing in threads"
    print(f"{FEEDS} feeds x {ITEMS} items; {cores}; baseline: bare feedparser, bot's options,")
    print(f"  in {WORKERS or 1} process(es) on the same {os.cpu_count()} cores; rounds: {ROUNDS}")
    print(
        f"bare feedparser: {b_med:.2f} s ({entries} entries); first poll: {f_med:.2f} s"
        f" ({stored} entries stored); per-round ratios {', '.join(f'{r:.2f}' for r in ratios)}"
    )
    print("figure | target | measured | ratio")
    rows = [
        ("ingest_first_poll_vs_feedparser", "<=2.0x", f"{ratio:.2f}x", ratio / 2.0),
        ("ingest_repoll_unchanged_200", "<0.5s", f"{a_med:.3f}s", a_med / 0.5),
        (
            "ingest_repoll_unchanged_vs_bare_fetch",
            "report",
            f"{fetch_ratio:.2f}x(floor {statistics.median(fetches):.3f}s)",
            fetch_ratio,
        ),
        ("ingest_archive_repoll_unchanged", "<0.5s", f"{unchanged:.3f}s", unchanged / 0.5),
        (
            "ingest_archive_repoll_one_new_vs_feedparser",
            "<=2.0x",
            f"{changed / archive_bare:.2f}x({changed:.3f}s/{archive_bare:.3f}s)",
            changed / archive_bare / 2.0,
        ),
    ]
    for row in rows:
        line(*row)
    for row in rows:
        summary(*row)


if __name__ == "__main__":
    asyncio.run(main())
