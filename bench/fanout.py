"""Benchmark: one release to 10,000 subscribed channels through the local Discord stand-in,
with Discord's global limit of 50 requests per second enforced by the stand-in.

The floor is channels / 50 seconds (200 s for 10,000). Prints the total time, its ratio to the
floor, and whether every channel got the alert exactly once; then one JSON line.
Target (issue 5): within 1.1x of the floor, nothing lost or duplicated.
Set FANOUT_CHANNELS for a shorter run (the floor scales with it).
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
from bot.config import Config, DiscordConfig, WatchConfig
from bot.core.clock import iso, utc_now
from bot.discordbot.client import point_discord_at
from bot.discordbot.poster import DiscordPoster
from bot.watch.items import FeedItem
from tests.standin import TOKEN, StandIn

CHANNELS = int(os.environ.get("FANOUT_CHANNELS", "10000"))
RATE = 50.0
REPO = Path(__file__).resolve().parents[1]
NO_FEEDS = REPO / "tests" / "data" / "no-feeds.yaml"


async def main() -> None:
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # 429s are expected here
    standin = StandIn()
    await standin.start()
    channel_ids = standin.add_channels(CHANNELS)
    point_discord_at(DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url))
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(database=Path(tmp) / "fanout.db", watch=WatchConfig(feeds_file=NO_FEEDS))
        async with open_services(config) as services:
            watch = services.watch
            watch.attach_poster(DiscordPoster(client))
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
            start = time.perf_counter()
            sent = await watch.drain()
            elapsed = time.perf_counter() - start
            counts = await watch.outbox.store.counts()
    await client.close()
    per_channel = Counter({c: len(standin.messages[c]) for c in channel_ids})
    lost = sum(1 for c in channel_ids if per_channel[c] == 0)
    duplicated = sum(1 for c in channel_ids if per_channel[c] > 1)
    limited = sum(1 for r in standin.requests if r.status == 429)
    await standin.stop()
    floor = CHANNELS / RATE
    ratio = elapsed / floor
    print(f"channels {CHANNELS}, sent {sent}, outbox {dict(counts)}")
    print(f"total {elapsed:.1f} s, floor {floor:.1f} s, ratio {ratio:.3f} (target <= 1.1)")
    print(f"lost {lost}, duplicated {duplicated}, 429 answers honoured {limited}")
    print(
        json.dumps(
            {
                "bench": "fanout",
                "channels": CHANNELS,
                "rate_limit_per_s": RATE,
                "total_s": round(elapsed, 2),
                "floor_s": floor,
                "ratio": round(ratio, 3),
                "lost": lost,
                "duplicated": duplicated,
                "rate_limited_responses": limited,
                "target_within_1_1x": ratio <= 1.1,
                "target_exactly_once": lost == 0 and duplicated == 0,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
