"""Synthetic vendor feeds for the ingest and growth benches: realistic RSS 2.0 items (a title
naming an organisation, a model and often a version, an HTML summary, a guid, a link and a
date), the same bytes for the same arguments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

ORGS = [
    "Acme AI",
    "Northwind Labs",
    "Globex Research",
    "Initech",
    "Umbrella ML",
    "Hooli Brain",
    "Stark Compute",
    "Wayne Intelligence",
    "Tyrell Models",
    "Cyberdyne",
    "Soylent Neural",
    "Massive Dynamic",
    "Aperture Learning",
    "Black Mesa AI",
    "Oscorp Language",
]
NOUNS = [
    "Falcon",
    "Nimbus",
    "Orion",
    "Aurora",
    "Quasar",
    "Zephyr",
    "Sierra",
    "Vortex",
    "Helix",
    "Atlas",
    "Comet",
    "Nova",
    "Pulsar",
    "Lumen",
    "Cobalt",
    "Ember",
    "Tundra",
    "Mistral",
]
VERBS = ["releases", "introduces", "open-sources", "previews", "announces", "ships", "updates"]
TOPICS = [
    "a faster tokenizer",
    "long-context evaluation",
    "our safety framework",
    "agentic coding benchmarks",
    "multilingual speech",
    "on-device inference",
    "research grants",
    "a new inference API",
    "the quarterly roadmap",
    "fine-tuning tools",
]
WORDS = [
    "model",
    "weights",
    "context",
    "window",
    "benchmark",
    "latency",
    "throughput",
    "instruction",
    "tuned",
    "vision",
    "audio",
    "reasoning",
    "license",
    "open",
    "research",
    "partners",
    "developers",
    "release",
    "preview",
]


def item_title(rng: random.Random, n: int) -> str:
    org, noun = rng.choice(ORGS), rng.choice(NOUNS)
    if rng.random() < 0.6:
        size = rng.choice(["7B", "13B", "70B", "235B-A22B", "8x22B", "1.5B", "mini", "pro"])
        return (
            f"{org} {rng.choice(VERBS)} {noun}-{rng.randint(1, 9)}.{rng.randint(0, 9)} {size} ({n})"
        )
    return f"{org} {rng.choice(VERBS)} {rng.choice(TOPICS)}: {noun} notes #{n}"


def summary_html(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 70)))
    return f"<p>{words.capitalize()}.</p><p><a href='/more'>Read more</a> &amp; <b>details</b>.</p>"


def feed(source: int, items: int, newest: datetime, spacing: timedelta, seed: int = 0) -> bytes:
    """Source `source`'s RSS document: `items` posts, the newest at `newest`, each
    `spacing` before the next. Posts are numbered from the oldest, so the same source with
    one more item and `newest` one spacing later lists the same posts and one new one."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Vendor {source} blog</title><link>https://vendor{source}.example/blog</link>"
        "<description>News</description>"
    ]
    for i in range(items):
        when = newest - spacing * i
        n = source * 100_000 + items - 1 - i
        rng = random.Random(seed * 1_000_003 + n)
        link = f"https://vendor{source}.example/blog/post-{n}?utm_source=rss"
        parts.append(
            f"<item><title>{escape(item_title(rng, n))}</title><link>{escape(link)}</link>"
            f"<guid isPermaLink='false'>vendor{source}-{n}</guid>"
            f"<pubDate>{format_datetime(when.astimezone(UTC), usegmt=True)}</pubDate>"
            f"<description>{escape(summary_html(rng))}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()
