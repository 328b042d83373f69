"""The sender's token bucket: requests spaced 1/rate apart, never more than `rate` in a second,
no burst after the event loop was held up, and a pause holding every later request."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.outbox.sender import SLOW_STEP, SLOWEST, TokenBucket


async def starts(bucket: TokenBucket, count: int, *, stall_after: int | None = None) -> list[float]:
    """Take `count` turns from as many tasks at once; optionally block the loop for 0.5 s
    (a stall) once `stall_after` have started."""
    times: list[float] = []

    async def one() -> None:
        await bucket.take()
        times.append(time.monotonic())
        if stall_after is not None and len(times) == stall_after:
            time.sleep(0.5)  # the whole event loop is held up

    await asyncio.gather(*(one() for _ in range(count)))
    return times


def most_within(times: list[float], seconds: float) -> int:
    return max(sum(1 for t in times[i:] if t - start < seconds) for i, start in enumerate(times))


async def test_requests_are_spaced_and_never_more_than_the_rate_in_a_second() -> None:
    times = await starts(TokenBucket(20.0), 30)
    assert most_within(times, 1.0) <= 20
    assert times[-1] - times[0] >= 29 / 20 - 0.05  # paced, not all at once


async def test_a_stall_does_not_release_a_burst() -> None:
    """Turns are not booked ahead: after the loop was held up, the waiting requests still go
    one interval apart (at most two together), not all at once."""
    times = await starts(TokenBucket(20.0), 25, stall_after=5)
    after = [t for t in times if t > times[4] + 0.4]
    assert len(after) == 20
    assert most_within(after, 0.05 - 0.001) <= 2  # an interval is 0.05 s
    assert most_within(times, 1.0) <= 20


async def test_a_pause_holds_every_request_not_yet_started() -> None:
    bucket = TokenBucket(100.0)
    await bucket.take()
    bucket.pause(0.3)
    paused_at = time.monotonic()
    times = await starts(bucket, 3)
    assert min(times) - paused_at >= 0.29


async def test_a_global_429_slows_the_pace_a_step_once_a_second_never_below_the_floor() -> None:
    """Every lane that saw the same 429 asks to slow down: the rate drops one step for all of
    them, and never below SLOWEST of the configured rate however many 429s come."""
    bucket = TokenBucket(50.0)
    assert bucket.slow_down() and bucket.rate == pytest.approx(50.0 * (1 - SLOW_STEP))
    assert not any(bucket.slow_down() for _ in range(10))  # the same 429, seen by 10 lanes
    assert bucket.rate == pytest.approx(50.0 * (1 - SLOW_STEP))
    for _ in range(20):  # a 429 every second for 20 s (no waiting: the clock is moved back)
        bucket._slowed_at -= 1.0
        bucket.slow_down()
    assert bucket.rate == pytest.approx(50.0 * SLOWEST)
    assert bucket.interval == pytest.approx(1 / (50.0 * SLOWEST))
    times = await starts(bucket, 20)
    assert most_within(times, 1.0) <= 50.0 * SLOWEST
    bucket.restore()
    assert bucket.rate == 50.0 and bucket.interval == pytest.approx(0.02)
