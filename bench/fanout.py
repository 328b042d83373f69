"""Benchmark: one release to many subscribed channels through the local Discord stand-in, as
Discord would answer: 100 ms per request (FANOUT_LATENCY), the global limit of 50 requests per
second, each channel's message bucket of 5 per 5 s, X-RateLimit-* headers on every answer.
The sender runs with the default config (discord.max_requests_per_second / max_in_flight).

The floor is rows / 50 s, computed in the same run. Prints the total time, its ratio to the
floor, the 429 answers, and whether every channel got the alert exactly once (counted from the
stand-in's stored messages); then `SUMMARY` lines for `make bench` and one JSON line.
Targets (issue 14): within 1.1x of the floor, fewer than 1% of requests answered 429, nothing
lost or duplicated. FANOUT_CHANNELS sets the size: 4,000 by default (floor 80 s, about 2
minutes in all); the full size is 10,000 channels (floor 200 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import discord

from bot.app import open_services
from bot.config import Config, DiscordConfig, WatchConfig, parse_config
from bot.core.clock import iso, utc_now
from bot.discordbot.client import point_discord_at
from bot.discordbot.poster import DiscordPoster
from bot.outbox.sender import Pacing
from bot.watch.items import FeedItem
from tests.standin import TOKEN, StandIn
from tests.standin.common import DISCORD_MESSAGE_BUCKET, MESSAGE_ROUTE

CHANNELS = int(os.environ.get("FANOUT_CHANNELS", "4000"))
LATENCY = float(os.environ.get("FANOUT_LATENCY", "0.1"))
RATE = 50.0  # Discord's global limit: "All bots can make up to 50 requests per second"
REPO = Path(__file__).resolve().parents[1]
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"


async def main() -> None:
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # 429s are expected here
    standin = StandIn()
    standin.bucket_limits.insert(0, (MESSAGE_ROUTE, *DISCORD_MESSAGE_BUCKET))
    await standin.start()
    channel_ids = standin.add_channels(CHANNELS)
    point_discord_at(DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url))
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(database=Path(tmp) / "fanout.db", watch=WatchConfig(feeds_file=NO_FEEDS))
        async with open_services(config) as services:
            watch = services.watch
            defaults = parse_config({}).discord  # what the bot runs with unless configured
            pacing = Pacing(defaults.max_requests_per_second, defaults.max_in_flight)
            services.outbox.attach_poster(DiscordPoster(client), pacing)
            now = iso(utc_now())
            async with watch.store.transaction():
                for i, channel in enumerate(channel_ids):
                    await watch.store.add_subscription(
                        str(i), channel, {}, None, None, "bench", now
                    )
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
            assert report.queued == CHANNELS, report
            standin.limit_rate(RATE)
            standin.latency = LATENCY
            first_request = len(standin.requests)
            start = time.monotonic()  # the stand-in records times on this clock
            sent = await watch.drain()
            elapsed = time.monotonic() - start
            counts = await watch.outbox.store.counts()
    await client.close()
    per_channel = Counter({c: len(standin.messages[c]) for c in channel_ids})
    lost = sum(1 for c in channel_ids if per_channel[c] == 0)
    duplicated = sum(1 for c in channel_ids if per_channel[c] > 1)
    requests = standin.requests[first_request:]
    limited = sum(1 for r in requests if r.status == 429)
    first_after = requests[0].at - LATENCY / 2 - start if requests else 0.0
    await standin.stop()
    floor = CHANNELS / RATE
    ratio = elapsed / floor
    share = limited / max(1, len(requests))
    print(
        f"channels {CHANNELS}, latency {LATENCY * 1000:.0f} ms, sent {sent}, outbox {dict(counts)}"
    )
    print(
        f"sender: {pacing.requests_per_second:g} requests/s, up to {pacing.max_in_flight} in flight"
    )
    print(f"total {elapsed:.1f} s, floor {floor:.1f} s, ratio {ratio:.3f} (target <= 1.1)")
    print(f"of which {first_after:.1f} s before the first request (the catalog loads on first use)")
    print(f"requests {len(requests)}, answered 429: {limited} ({share:.2%}, target < 1%)")
    print(f"lost {lost}, duplicated {duplicated} (target 0)")
    print(
        f"SUMMARY figure=fanout_time_vs_floor target=1.1 measured={ratio:.3f} ratio={ratio / 1.1:.3f}"
    )
    print(
        f"SUMMARY figure=fanout_429_share target=0.01 measured={share:.4f} ratio={share / 0.01:.3f}"
    )
    print(
        f"SUMMARY figure=fanout_lost_or_duplicated target=0 measured={lost + duplicated}"
        f" ratio={'0.000' if lost + duplicated == 0 else 'inf'}"
    )
    print(
        json.dumps(
            {
                "bench": "fanout",
                "channels": CHANNELS,
                "latency_s": LATENCY,
                "rate_limit_per_s": RATE,
                "sender_rate_per_s": pacing.requests_per_second,
                "max_in_flight": pacing.max_in_flight,
                "total_s": round(elapsed, 2),
                "first_request_after_s": round(first_after, 2),
                "floor_s": floor,
                "ratio": round(ratio, 3),
                "requests": len(requests),
                "rate_limited_responses": limited,
                "lost": lost,
                "duplicated": duplicated,
                "target_within_1_1x": ratio <= 1.1,
                "target_429_under_1_percent": share < 0.01,
                "target_exactly_once": lost == 0 and duplicated == 0,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
