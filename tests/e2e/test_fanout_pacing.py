"""The outbox's pacing against the stand-in with Discord's limits: a token bucket under the
global limit, several requests in flight over a slow network, a global 429 pausing every
request, a channel's own bucket holding back only that channel, and nothing posted twice.

The module's bot runs with `discord.max_requests_per_second: 25` and `max_in_flight: 10`
(HARNESS_CONFIG), so the tests also show the config reaching the sender."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from bot.core.clock import iso, utc_now
from bot.outbox.sender import SLOWEST
from bot.watch.filters import Filters
from bot.watch.items import FeedItem
from tests.standin import StandIn
from tests.standin.common import Recorded

pytestmark = pytest.mark.asyncio(loop_scope="module")

RATE = 25.0
IN_FLIGHT = 10
HARNESS_CONFIG = {"discord": {"max_requests_per_second": RATE, "max_in_flight": IN_FLIGHT}}
_runs = itertools.count()


async def fan_out(harness, channels: list[str], items: int = 1) -> list[Recorded]:
    """Subscribe `channels` to a new keyword, queue `items` alerts to each and send them: the
    channel posts the stand-in saw meanwhile."""
    standin: StandIn = harness.standin
    watch = harness.services.watch
    keyword = f"pacing{next(_runs)}"
    filters = Filters(keywords=(keyword,)).to_json()
    async with watch.store.transaction():  # each in a guild of its own (25 per guild at most)
        for i, channel in enumerate(channels):
            await watch.store.add_subscription(
                f"{keyword}-{i}", channel, filters, None, None, "test", iso(utc_now())
            )
    start = len(standin.requests)
    stories = [
        FeedItem(
            f"{keyword} story {i}",
            f"https://p.example/{keyword}/{i}",
            "",
            None,
            f"{keyword}-{i}",
            "bench",
            "Bench",
        )
        for i in range(items)
    ]
    report = await watch.ingestor.ingest(stories)
    assert report.queued == len(channels) * items
    await watch.drain()
    return [
        r
        for r in standin.requests[start:]
        if r.method == "POST" and r.path.startswith("/channels/") and r.path.endswith("/messages")
    ]


def assert_each_posted_once(standin: StandIn, channels: list[str], items: int = 1) -> None:
    for channel in channels:
        titles = Counter(m["embeds"][0]["title"] for m in standin.messages[channel])
        assert len(titles) == items and set(titles.values()) == {1}, (channel, titles)


def most_in_flight(posts: list[Recorded], latency: float) -> int:
    """The most requests under way at one moment, from sending (half the latency before the
    stand-in saw it) to the answer's arrival (`answered_at`)."""
    events = sorted([(r.at - latency / 2, 1) for r in posts] + [(r.answered_at, -1) for r in posts])
    return max(itertools.accumulate(step for _, step in events))


def most_in(posts: list[Recorded], seconds: float) -> int:
    """The most requests that reached the stand-in within `seconds` of each other."""
    arrivals = sorted(r.at for r in posts)
    return max(
        sum(1 for t in arrivals[i:] if t - start < seconds) for i, start in enumerate(arrivals)
    )


async def test_over_a_slow_network_several_requests_are_in_flight(harness) -> None:
    """300 ms round trips at 25 requests/s need about 7.5 posts under way at once (a few
    sequential lanes would cap the rate at lanes / 0.3 s): none refused, never more than 25
    starting in a second (give or take the network's jitter), never more than `max_in_flight`
    at once."""
    standin = harness.standin
    standin.latency = 0.3
    standin.limit_rate(50)
    try:
        channels = standin.add_channels(40, prefix="slow")
        posts = await fan_out(harness, channels)
    finally:
        standin.latency = 0.0
        standin.rate_limit = None
    assert_each_posted_once(standin, channels)
    assert len(posts) == 40 and {r.status for r in posts} == {200}
    assert 6 <= most_in_flight(posts, 0.3) <= IN_FLIGHT
    assert most_in(posts, 2.0) <= 2 * RATE + 2  # the bucket's pace, give or take jitter
    took = max(r.at for r in posts) - min(r.at for r in posts)
    assert took < 40 * 0.3 / 2  # one at a time would take 12 s


async def test_a_global_429_pauses_every_channel_and_nothing_is_posted_twice(harness) -> None:
    """Discord answers one channel's post with a global 429 five times (discord.py's own
    retries): the sender waits out `Retry-After` for every channel, then posts it once."""
    standin = harness.standin
    standin.latency = 0.1
    channels = standin.add_channels(60, prefix="global")
    first = channels[0]
    standin.fail(rf"POST /channels/{first}/messages", 429, times=5, retry_after=0.2, scope="global")
    try:
        posts = await fan_out(harness, channels)
    finally:
        standin.latency = 0.0
    assert_each_posted_once(standin, channels)
    refused = [r for r in posts if r.status == 429]
    assert len(refused) == 5 and all(r.path == f"/channels/{first}/messages" for r in refused)
    last = max(r.answered_at for r in refused)
    # discord.py sleeps retry_after once more and gives up; the sender then holds every
    # request for Retry-After (1 s, Discord's whole seconds): after the posts that were
    # already waiting inside discord.py, nobody posts meanwhile.
    quiet = [r for r in posts if last + 0.5 < r.at < last + 1.1]
    assert quiet == [], [(round(r.at - last, 2), r.path) for r in quiet]
    success = [r for r in posts if r.path == f"/channels/{first}/messages" and r.status == 200]
    assert len(success) == 1 and success[0].at >= last + 1.1
    nonces = Counter(r.body["nonce"] for r in posts if r.status == 200)
    assert set(nonces.values()) == {1}


async def test_a_channels_own_bucket_holds_back_only_that_channel(harness) -> None:
    """A channel's bucket (here 3 per 2 s; Discord's is 5 per 5 s) is read from its headers:
    its fourth post waits for the reset without a 429, and the other channels go meanwhile."""
    standin = harness.standin
    standin.bucket_limits.insert(0, (r"POST /channels/\d+/messages", 3, 2.0))
    try:
        channels = standin.add_channels(8, prefix="bucket")
        posts = await fan_out(harness, channels, items=4)
    finally:
        standin.bucket_limits.pop(0)
    assert_each_posted_once(standin, channels, items=4)
    assert {r.status for r in posts} == {200}  # no 429: the headers were respected
    for channel in channels:
        arrivals = sorted(r.at for r in posts if r.path == f"/channels/{channel}/messages")
        assert arrivals[3] - arrivals[0] >= 1.9  # the fourth waited for the bucket
    # the channels' third posts all went before any channel's fourth (no one waits in line)
    thirds = [
        sorted(r.at for r in posts if r.path == f"/channels/{c}/messages")[2] for c in channels
    ]
    fourths = [
        sorted(r.at for r in posts if r.path == f"/channels/{c}/messages")[3] for c in channels
    ]
    assert max(thirds) < min(fourths)


async def test_the_config_reaches_the_sender(harness) -> None:
    pacing = harness.services.outbox.sender.pacing
    assert (pacing.requests_per_second, pacing.max_in_flight) == (RATE, IN_FLIGHT)


async def test_after_a_global_429_the_sender_paces_slower_for_the_rest_of_the_drain(
    harness,
) -> None:
    """A global 429 means requests reach Discord closer together than they left (jitter on
    the way): the sender starts the rest a step further apart, so it does not run into the
    limit again and again; the next drain starts at the configured rate again."""
    standin = harness.standin
    sender = harness.services.outbox.sender
    channels = standin.add_channels(12, prefix="slower")
    first = channels[0]
    standin.fail(rf"POST /channels/{first}/messages", 429, times=1, retry_after=0.3, scope="global")
    posts = await fan_out(harness, channels)
    assert_each_posted_once(standin, channels)
    assert [r.status for r in posts].count(429) == 1
    assert RATE * SLOWEST <= sender.rate < RATE  # slowed, but not below the floor
    calm = standin.add_channels(3, prefix="calm")
    posts = await fan_out(harness, calm)
    assert {r.status for r in posts} == {200} and sender.rate == RATE
