"""Benchmark: entries per second through fetch-parse-dedup-link-store, against bare feedparser.

The four real vendor feeds are served by a local HTTP server. Each round parses their bytes
with bare `feedparser.parse`, then polls them into a fresh store (every entry is new, so dedup,
linking and storing all do their work) in two ways:

- bot: as the running bot polls, every due source at once, parsing in the parser processes
  (`watch.parse_workers`, default 2; INGEST_WORKERS overrides), which have parsed before;
- sequential_in_loop: one source after another, parsing in the event loop (no parallelism).

Each pipeline time is divided by the bare parse of the same round; the median of those ratios
is the figure. Prints a table, then one JSON line. INGEST_ROUNDS sets the rounds (15).

Target (issue 5): the pipeline within 1.3x of bare feedparser parsing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import aiohttp
import feedparser

from bot.app import Services, open_services
from bot.config import Config, WatchConfig
from bot.store.watch import SourceDef
from bot.watch.linking import link_models
from bot.watch.parse import parse_feed
from tests.feed_server import feed_server

REPO = Path(__file__).resolve().parents[1]
FEEDS = sorted((REPO / "tests" / "data" / "feeds" / "real").glob("*.xml"))
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
ROUNDS = int(os.environ.get("INGEST_ROUNDS", "15"))
WORKERS = int(os.environ.get("INGEST_WORKERS", str(WatchConfig().parse_workers)))
WARM_UP = [path.read_bytes() for path in FEEDS]


def bare_parse(bodies: list[bytes]) -> tuple[float, int]:
    start = time.perf_counter()
    entries = sum(len(feedparser.parse(body).entries) for body in bodies)
    return time.perf_counter() - start, entries


async def _as_after_earlier_polls(services: Services, workers: int) -> None:
    """Bring the services to the state of a bot that has polled before: its parser processes
    are up and have parsed feeds, and the model index has been used for linking."""
    pool = services.watch.poller.parser
    if workers and pool is not None:
        jobs = [
            partial(parse_feed, body, url="https://example.com/", source_key="w", source_name="w")
            for body in WARM_UP * workers
        ]  # submitted together, so every worker process starts and takes a share
        await asyncio.gather(*(pool.run(job) for job in jobs))
    link_models(services.lookups.models, "Warm up the linking index")


async def pipeline_round(
    template: Path, work: Path, urls: dict[str, str], workers: int, together: bool
) -> tuple[float, int]:
    """One round into a fresh store. `together`: the bot's way (every due source at once);
    else one source after another."""
    db = work / "round.db"
    shutil.copy(template, db)
    watch = WatchConfig(feeds_file=NO_FEEDS, parse_workers=workers, allow_private_feed_hosts=True)
    config = Config(database=db, watch=watch)
    async with open_services(config) as services:
        watch = services.watch
        for key, url in urls.items():
            await watch.store.add_source(SourceDef(key, key, url, "rss", None, 30), "bench")
        await _as_after_earlier_polls(services, workers)
        start = time.perf_counter()
        if together:
            outcomes = await watch.poller.poll_due()
        else:
            outcomes = [await watch.poller.poll_key(key) for key in urls]
        elapsed = time.perf_counter() - start
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return elapsed, sum(o.new for o in outcomes)


async def main() -> None:
    bodies = [path.read_bytes() for path in FEEDS]
    with tempfile.TemporaryDirectory() as tmp_name:
        work = Path(tmp_name)
        template = work / "template.db"
        async with open_services(Config(database=template, watch=WatchConfig(feeds_file=NO_FEEDS))):
            pass
        async with feed_server() as server:
            urls = {
                path.stem: server.serve(f"/{path.name}", body)
                for path, body in zip(FEEDS, bodies, strict=True)
            }
            async with aiohttp.ClientSession() as session:  # warm the server and the parser
                await (await session.get(next(iter(urls.values())))).read()
            bare_parse(bodies)
            modes = {"bot": (WORKERS, True), "sequential_in_loop": (0, False)}
            times: dict[str, list[float]] = {m: [] for m in modes}
            bare: list[float] = []
            for _ in range(ROUNDS):
                b_time, b_entries = bare_parse(bodies)
                bare.append(b_time)
                for mode, (workers, together) in modes.items():
                    p_time, p_entries = await pipeline_round(
                        template, work, urls, workers, together
                    )
                    times[mode].append(p_time)
    report(bare, times, b_entries, p_entries)


def report(
    bare: list[float], times: dict[str, list[float]], b_entries: int, p_entries: int
) -> None:
    """Print the figures. Each round's pipeline time is divided by the bare parse measured
    just before it, so a slow spell of the shared machine cancels out; the median of those
    per-round ratios is the figure checked against the target."""
    b_med = statistics.median(bare)
    print(f"feeds: {len(FEEDS)}, entries per round: pipeline {p_entries}, feedparser {b_entries}")
    print(f"parser processes as the bot polls: {WORKERS}; rounds: {ROUNDS}")
    print(
        f"bare feedparser             median {b_med * 1000:7.1f} ms {b_entries / b_med:7.0f} entries/s"
    )
    ratios: dict[str, list[float]] = {}
    for mode, mode_times in times.items():
        median = statistics.median(mode_times)
        ratios[mode] = sorted(t / b for t, b in zip(mode_times, bare, strict=True))
        low, mid, high = statistics.quantiles(ratios[mode], n=4)
        print(
            f"pipeline {mode:<18} median {median * 1000:7.1f} ms {p_entries / median:7.0f} entries/s"
            f"  ratio per round: median {mid:.3f} (quartiles {low:.3f}-{high:.3f})"
        )
    ratio = statistics.median(ratios["bot"])
    print(
        f"ratio as the bot polls (sources together, parsing in worker processes): {ratio:.3f}"
        " (target <= 1.3)"
    )
    figures = {
        "bench": "ingest",
        "rounds": ROUNDS,
        "parse_workers": WORKERS,
        "entries": p_entries,
        "bare_feedparser_median_s": round(b_med, 4),
        "bare_entries_per_s": round(b_entries / b_med, 1),
        **{f"pipeline_{m}_median_s": round(statistics.median(t), 4) for m, t in times.items()},
        **{f"ratio_{m}": round(statistics.median(r), 3) for m, r in ratios.items()},
        "ratio": round(ratio, 3),
        "target_within_1_3x": ratio <= 1.3,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
