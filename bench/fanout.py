"""Benchmark: one release to many subscribed channels through the local Discord stand-in, as
Discord would answer: 100 ms per request (FANOUT_LATENCY), the global limit of 50 requests per
second, each channel's message bucket of 5 per 5 s, X-RateLimit-* headers on every answer.
The stand-in runs in a process of its own (Discord's work is not the bot's: on 2 cores each
side gets one); the sender runs with the default config (discord.max_requests_per_second,
discord.max_in_flight).

The floor is rows / 50 s, computed in the same run. Prints the total time, its ratio to the
floor, the 429 answers, and whether every channel got the alert exactly once (counted from the
stand-in's stored messages); then `SUMMARY` lines for `make bench` and one JSON line.
Targets (issue 14): within 1.1x of the floor, fewer than 1% of requests answered 429, nothing
lost or duplicated. FANOUT_CHANNELS sets the size: 4,000 by default (floor 80 s, under 2
minutes in all); the full size is 10,000 channels (floor 200 s).
BENCH_BACKEND=postgresql (or sqlite,postgresql: both, one after the other) runs the store on
PostgreSQL (bench/_backend.py); those figures' names end in _postgresql.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import discord
from _backend import backends, fresh_database, on_postgresql, postgresql_server, suffix

from bot.app import open_services
from bot.config import Config, DiscordConfig, WatchConfig, parse_config
from bot.core.clock import iso, utc_now
from bot.discordbot.client import point_discord_at
from bot.discordbot.poster import DiscordPoster
from bot.outbox.sender import Pacing
from bot.watch.items import FeedItem
from bot.watch.service import WatchService
from tests.standin import TOKEN, StandIn
from tests.standin.common import DISCORD_MESSAGE_BUCKET, MESSAGE_ROUTE

CHANNELS = int(os.environ.get("FANOUT_CHANNELS", "4000"))
LATENCY = float(os.environ.get("FANOUT_LATENCY", "0.1"))
RATE = 50.0  # Discord's global limit: "All bots can make up to 50 requests per second"
REPO = Path(__file__).resolve().parents[1]
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"


# ---- Discord's side, in its own process ------------------------------------------------------


def serve_standin(conn: Connection, channels: int) -> None:
    asyncio.run(_serve(conn, channels))


async def _serve(conn: Connection, channels: int) -> None:
    """Answer as Discord would until asked for the report of the requests since a mark."""
    standin = StandIn()
    standin.bucket_limits.insert(0, (MESSAGE_ROUTE, *DISCORD_MESSAGE_BUCKET))
    await standin.start()
    ids = standin.add_channels(channels)
    standin.latency = LATENCY
    standin.limit_rate(RATE)
    conn.send((standin.api_base, standin.gateway_url, ids))
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "mark":
            conn.send(len(standin.requests))
        else:  # ("report", mark)
            conn.send(_report(standin, ids, command[1]))
            break
    await standin.stop()


def _report(standin: StandIn, ids: list[str], mark: int) -> dict[str, Any]:
    per_channel = Counter({c: len(standin.messages[c]) for c in ids})
    requests = standin.requests[mark:]
    first = requests[0].at if requests else 0.0
    slices = Counter(int((r.at - first) // 10) for r in requests)
    return {
        "per_second_by_10s": [slices[i] / 10 for i in range(max(slices, default=-1) + 1)],
        "requests": len(requests),
        "limited": sum(1 for r in requests if r.status == 429),
        "first_at": requests[0].at if requests else 0.0,
        "lost": sum(1 for c in ids if per_channel[c] == 0),
        "duplicated": sum(1 for c in ids if per_channel[c] > 1),
    }


# ---- the bot's side ------------------------------------------------------------------------


async def login(api_base: str, gateway_url: str) -> discord.Client:
    """A discord.py client logged in to the stand-in (REST only: the sender needs no gateway)."""
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # 429s are counted, not logged
    point_discord_at(DiscordConfig(api_base=api_base, gateway_url=gateway_url))
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    return client


def bench_config(tmp: str, dsn: str | None = None) -> Config:
    """The bot's config for the bench: no feeds; the store in `tmp`, or on PostgreSQL at `dsn`."""
    config = Config(database=Path(tmp) / "fanout.db", watch=WatchConfig(feeds_file=NO_FEEDS))
    return config if dsn is None else on_postgresql(config, dsn)


def default_pacing() -> Pacing:
    """What the sender runs with unless configured."""
    defaults = parse_config({}).discord
    return Pacing(defaults.max_requests_per_second, defaults.max_in_flight)


async def queue_release(
    watch: WatchService, ids: list[str], guild_of: Callable[[int], str] = str
) -> None:
    """One subscription per channel (channel `i` in guild `guild_of(i)`) and one release that
    matches them all, queued in the outbox for every channel."""
    now = iso(utc_now())
    async with watch.store.transaction():
        for i, channel in enumerate(ids):
            await watch.store.add_subscription(guild_of(i), channel, {}, None, None, "bench", now)
    item = FeedItem(
        "Fan-out release: Gemma 4 is here",
        "https://example.org/gemma-4",
        "",
        None,
        "fanout-1",
        "bench",
        "Bench",
    )
    report = await watch.ingestor.ingest([item])
    assert report.queued == len(ids), report


async def fan_out(
    conn: Connection, api_base: str, gateway_url: str, ids: list[str], dsn: str | None = None
) -> None:
    """The release fanned out to every channel; on SQLite, or on PostgreSQL at `dsn`."""
    client = await login(api_base, gateway_url)
    with tempfile.TemporaryDirectory() as tmp:
        async with open_services(bench_config(tmp, dsn)) as services:
            watch = services.watch
            pacing = default_pacing()
            services.outbox.attach_poster(DiscordPoster(client), pacing)
            await queue_release(watch, ids)
            conn.send("mark")
            mark = conn.recv()
            start = time.monotonic()  # system-wide: the stand-in's times are on this clock
            sent = await watch.drain()
            elapsed = time.monotonic() - start
            counts = await watch.outbox.store.counts()
    await client.close()
    conn.send(("report", mark))
    seen = conn.recv()
    print_results(
        sent, dict(counts), pacing, elapsed, seen, start, "sqlite" if dsn is None else "postgresql"
    )


def print_results(
    sent: int,
    counts: dict[str, int],
    pacing: Pacing,
    elapsed: float,
    seen: dict[str, Any],
    start: float,
    backend: str = "sqlite",
    bench: str = "fanout",
) -> None:
    """The figures of one drain (`bench`: the figures' names begin with it)."""
    floor = CHANNELS / RATE
    ratio = elapsed / floor
    requests, limited, lost, duplicated = (
        seen["requests"],
        seen["limited"],
        seen["lost"],
        seen["duplicated"],
    )
    share = limited / max(1, requests)
    first_after = max(0.0, seen["first_at"] - LATENCY / 2 - start)
    end = suffix(backend)
    print(
        f"store {backend}, channels {CHANNELS}, latency {LATENCY * 1000:.0f} ms, sent {sent}, outbox {counts}"
    )
    print(
        f"sender: {pacing.requests_per_second:g} requests/s, up to {pacing.max_in_flight} in flight"
    )
    print(f"total {elapsed:.1f} s, floor {floor:.1f} s, ratio {ratio:.3f} (target <= 1.1)")
    print(f"of which {first_after:.1f} s before the first request (reading and rendering)")
    print(f"requests {requests}, answered 429: {limited} ({share:.2%}, target < 1%)")
    print(f"requests per second, each 10 s: {seen['per_second_by_10s']}")
    print(f"lost {lost}, duplicated {duplicated} (target 0)")
    print(
        f"SUMMARY figure={bench}_time_vs_floor{end} target=1.1 measured={ratio:.3f} ratio={ratio / 1.1:.3f}"
    )
    print(
        f"SUMMARY figure={bench}_429_share{end} target=0.01 measured={share:.4f} ratio={share / 0.01:.3f}"
    )
    print(
        f"SUMMARY figure={bench}_lost_or_duplicated{end} target=0 measured={lost + duplicated}"
        f" ratio={'0.000' if lost + duplicated == 0 else 'inf'}"
    )
    print(
        json.dumps(
            {
                "bench": bench,
                "backend": backend,
                "channels": CHANNELS,
                "latency_s": LATENCY,
                "rate_limit_per_s": RATE,
                "sender_rate_per_s": pacing.requests_per_second,
                "max_in_flight": pacing.max_in_flight,
                "total_s": round(elapsed, 2),
                "first_request_after_s": round(first_after, 2),
                "floor_s": floor,
                "ratio": round(ratio, 3),
                "requests": requests,
                "rate_limited_responses": limited,
                "lost": lost,
                "duplicated": duplicated,
                "target_within_1_1x": ratio <= 1.1,
                "target_429_under_1_percent": share < 0.01,
                "target_exactly_once": lost == 0 and duplicated == 0,
            }
        )
    )


def main() -> None:
    for backend in backends():
        if backend == "sqlite":
            run_once()
            continue
        with postgresql_server() as server:

            async def on_fresh_database() -> None:
                async with fresh_database(server, f"rr_fanout_{os.getpid()}") as dsn:
                    await asyncio.to_thread(run_once, dsn)

            asyncio.run(on_fresh_database())


def run_once(dsn: str | None = None) -> None:
    """One fan-out: the stand-in in its own process, the bot here (its store at `dsn`)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    discord_side = context.Process(target=serve_standin, args=(theirs, CHANNELS), daemon=True)
    discord_side.start()
    try:
        api_base, gateway_url, ids = ours.recv()
        asyncio.run(fan_out(ours, api_base, gateway_url, ids, dsn))
    finally:
        discord_side.join(timeout=30)
        if discord_side.is_alive():
            discord_side.kill()


if __name__ == "__main__":
    main()
