"""Draining the outbox: every queued post is sent once, in order per channel.

A row is marked sent only after Discord answered; a crash between the two re-sends on restart
with the same nonce (and `enforce_nonce`), which Discord answers with the first message instead
of posting again. Channels are spread over a few workers so one slow channel does not hold the
others back, while each channel's posts keep their order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from bot.core.clock import Clock, iso
from bot.render.cards import Reply
from bot.store.watch import WatchStore

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
# A rate limit only says "not yet": a lane waits it out and tries again this many times before
# the row goes back to the outbox with a backoff (which would leave it for a later drain).
RATE_LIMIT_RETRIES = 20
MAX_RATE_LIMIT_WAIT = 60.0


class ChannelUnavailable(Exception):
    """The channel is gone or the bot may not post there: retrying will not help."""


class TransientPostError(Exception):
    """Discord hiccup, network: try again later."""


class RateLimited(TransientPostError):
    """Still rate limited after the client's own retries: wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited (retry after {retry_after:.2f} s)")
        self.retry_after = retry_after


class Poster(Protocol):
    async def post(
        self, channel_id: str, reply: Reply, *, nonce: str, role_id: str | None = None
    ) -> str:
        """Post and return the message id, or raise ChannelUnavailable / TransientPostError."""


Renderer = Callable[[Any], Awaitable[Reply | None]]
# What to do with a row (and its kind's later rows) when its channel is gone or closed to the
# bot: alerts pause their subscriptions, digests their schedules. Other kinds are dropped.
UnavailableHandler = Callable[[Any, str], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        store: WatchStore,
        poster: Poster,
        render: Renderer,
        clock: Clock,
        workers: int = 4,
        on_unavailable: Mapping[str, UnavailableHandler] | None = None,
    ) -> None:
        self.store = store
        self.on_unavailable = on_unavailable or {}
        self.poster = poster
        self.render = render
        self.clock = clock
        self.workers = workers
        self._lock = asyncio.Lock()
        # Called after a row is posted and before it is recorded; tests use it to simulate a crash.
        self.after_post: Callable[[Any], Awaitable[None]] | None = None

    async def drain(self) -> int:
        """Send every due row; returns how many were sent. Never runs twice at once."""
        async with self._lock:
            sent = 0
            while True:
                rows = await self.store.pending(iso(self.clock()))
                if not rows:
                    return sent
                before = sent
                sent += await self._send_batch(rows)
                if sent == before:  # everything left is waiting for a retry
                    return sent

    async def _send_batch(self, rows: list[Any]) -> int:
        lanes: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            lanes[hash(row["channel_id"]) % self.workers].append(row)
        cache: dict[tuple[str, int | None], Reply | None] = {}
        # A task group: if one lane fails, the others stop too, as they would if the process died.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._lane(lane, cache)) for lane in lanes.values()]
        return sum(task.result() for task in tasks)

    async def _lane(self, rows: list[Any], cache: dict) -> int:
        sent = 0
        blocked: set[str] = set()
        for row in rows:
            if row["channel_id"] in blocked:
                continue
            outcome = await self._send(row, cache)
            if outcome == "sent":
                sent += 1
            elif outcome == "blocked":
                blocked.add(row["channel_id"])
        return sent

    async def _send(self, row: Any, cache: dict) -> str:
        key = (row["kind"], row["entry_id"] if row["kind"] == "alert" else row["id"])
        if key not in cache:
            cache[key] = await self.render(row)
        reply = cache[key]
        if reply is None:
            await self.store.mark_dropped(row["id"], "nothing to post (entry removed)")
            return "dropped"
        try:
            message_id = await self._post(row, reply)
        except ChannelUnavailable as exc:
            await self._channel_unavailable(row, str(exc))
            return "blocked"
        except TransientPostError as exc:
            delay = min(timedelta(seconds=5 * 2 ** min(row["attempts"], 10)), MAX_BACKOFF)
            await self.store.mark_retry(row["id"], str(exc), iso(self.clock() + delay))
            return "blocked"
        if self.after_post is not None:
            await self.after_post(row)
        await self.store.mark_sent(row["id"], message_id, iso(self.clock()))
        return "sent"

    async def _post(self, row: Any, reply: Reply) -> str:
        """Post the row, waiting out rate limits; the nonce makes a repeated try post once."""
        waits = 0
        while True:
            try:
                return await self.poster.post(
                    row["channel_id"], reply, nonce=f"rr{row['id']}", role_id=row["role_id"]
                )
            except RateLimited as exc:
                waits += 1
                if waits > RATE_LIMIT_RETRIES:
                    raise
                await asyncio.sleep(min(exc.retry_after, MAX_RATE_LIMIT_WAIT))

    async def _channel_unavailable(self, row: Any, reason: str) -> None:
        handler = self.on_unavailable.get(row["kind"])
        if handler is not None:
            await handler(row, reason)
            return
        await self.store.mark_dropped(row["id"], reason)
        log.warning("%s to channel %s dropped: %s", row["kind"], row["channel_id"], reason)


def notice_payload(row: Any) -> tuple[str, str]:
    data = json.loads(row["payload"] or "{}")
    return data.get("title", "Notice"), data.get("text", "")
