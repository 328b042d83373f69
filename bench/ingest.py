"""Benchmark: entries per second through fetch-parse-dedup-link-store, against bare feedparser.

The four real vendor feeds are served by a local HTTP server. Each round polls them into a fresh
store (every entry is new, so dedup, linking and storing all do their work) and, in the same
run, parses the same bytes with bare `feedparser.parse`. Prints a table, then one JSON line.

Target (issue 5): the pipeline within 1.3x of bare feedparser parsing.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import feedparser

from bot.app import open_services
from bot.config import Config, WatchConfig
from bot.store.watch import SourceDef
from tests.feed_server import feed_server

REPO = Path(__file__).resolve().parents[1]
FEEDS = sorted((REPO.parent / "shared" / "data" / "feeds" / "real").glob("*.xml"))
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"
ROUNDS = 15
WARM_UP = [path.read_bytes() for path in FEEDS]


def bare_parse(bodies: list[bytes]) -> tuple[float, int]:
    start = time.perf_counter()
    entries = sum(len(feedparser.parse(body).entries) for body in bodies)
    return time.perf_counter() - start, entries


async def pipeline_round(
    template: Path, work: Path, urls: dict[str, str], workers: int, together: bool
) -> tuple[float, int]:
    """One round into a fresh store. `together`: the bot's way (every due source at once);
    else one source after another."""
    db = work / "round.db"
    shutil.copy(template, db)
    config = Config(database=db, watch=WatchConfig(feeds_file=NO_FEEDS, parse_workers=workers))
    async with open_services(config) as services:
        watch = services.watch
        for key, url in urls.items():
            await watch.store.add_source(SourceDef(key, key, url, "rss", None, 30), "bench")
        if workers:  # a running bot's parser process is up and has parsed feeds before
            loop = asyncio.get_running_loop()
            for body in WARM_UP:
                await loop.run_in_executor(watch.poller._parser, feedparser.parse, body)
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
            modes = {"bot": (1, True), "sequential_in_loop": (0, False)}
            times: dict[str, list[float]] = {m: [] for m in modes}
            bare: list[float] = []
            for _ in range(ROUNDS):
                for mode, (workers, together) in modes.items():
                    p_time, p_entries = await pipeline_round(
                        template, work, urls, workers, together
                    )
                    times[mode].append(p_time)
                b_time, b_entries = bare_parse(bodies)
                bare.append(b_time)
    b_med = statistics.median(bare)
    medians = {m: statistics.median(t) for m, t in times.items()}
    print(f"feeds: {len(FEEDS)}, entries per round: pipeline {p_entries}, feedparser {b_entries}")
    print(
        f"bare feedparser             median {b_med * 1000:7.1f} ms {b_entries / b_med:7.0f} entries/s"
    )
    for mode, median in medians.items():
        print(
            f"pipeline {mode:<18} median {median * 1000:7.1f} ms {p_entries / median:7.0f} entries/s"
            f"  ratio {median / b_med:.3f}"
        )
    ratio = medians["bot"] / b_med
    print(
        f"ratio as the bot polls (sources together, parsing in a worker): {ratio:.3f} (target <= 1.3)"
    )
    figures = {
        "bench": "ingest",
        "rounds": ROUNDS,
        "entries": p_entries,
        "bare_feedparser_median_s": round(b_med, 4),
        "bare_entries_per_s": round(b_entries / b_med, 1),
        **{f"pipeline_{m}_median_s": round(v, 4) for m, v in medians.items()},
        **{f"ratio_{m}": round(v / b_med, 3) for m, v in medians.items()},
        "ratio": round(ratio, 3),
        "target_within_1_3x": ratio <= 1.3,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
