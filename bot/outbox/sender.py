"""Draining the outbox: every queued post is sent once, in order per channel.

Before a row is posted it is marked attempted (committed), and every post carries its outbox id
(bot.render.outbox_marker). A row still marked attempted on its next turn has an unknown
outcome (a crash after the POST, a failed "sent" mark, a 5xx or a network error): the sender
first looks for its id among the bot's messages in the channel since that attempt and, if
found, records that message instead of posting again. The nonce (with `enforce_nonce`) covers
only the few minutes Discord remembers it. Only committed rows are read, and a row is marked
attempted only if it is unchanged since it was read (else it is skipped). Discord's answers are
classified: rate limits, 5xx and network errors are retried and hold the channel's later rows
back; a refusal of the row itself fails it for good; a refusal because of the channel goes to
the kind's handler (which pauses). Channels are spread over a few workers so one slow channel
does not hold the others back, while each channel's posts keep their order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock, iso
from bot.render.cards import Reply
from bot.render.outbox_marker import stamp
from bot.store.outbox import OutboxRecord, OutboxStore

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
# A rate limit only says "not yet": a lane waits it out and tries again this many times before
# the row goes back to the outbox with a backoff (which would leave it for a later drain).
RATE_LIMIT_RETRIES = 20
MAX_RATE_LIMIT_WAIT = 60.0


class ChannelUnavailable(Exception):
    """The channel is gone or the bot may not post there: retrying will not help."""


class PermanentPostError(Exception):
    """Discord refused this message itself (invalid form body, empty message): never retry."""


class TransientPostError(Exception):
    """Discord hiccup, network: try again later. `maybe_posted`: the message may exist anyway
    (a 5xx or a lost answer), so look for it before posting again."""

    def __init__(self, message: str, *, maybe_posted: bool = False) -> None:
        super().__init__(message)
        self.maybe_posted = maybe_posted


class RateLimited(TransientPostError):
    """Still rate limited after the client's own retries: wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited (retry after {retry_after:.2f} s)")
        self.retry_after = retry_after


class Poster(Protocol):
    async def post(
        self, channel_id: str, reply: Reply, *, nonce: str, role_id: str | None = None
    ) -> str:
        """Post and return the message id, or raise ChannelUnavailable, PermanentPostError or
        TransientPostError."""

    async def find_posted(self, channel_id: str, since: datetime) -> dict[int, str]:
        """Outbox ids carried by the bot's messages in the channel posted since `since`, with
        their message ids; raises like `post`."""


Renderer = Callable[[OutboxRecord], Awaitable[Reply | None]]
# What to do with a row (and its kind's later rows) when its channel is gone or closed to the
# bot: alerts pause their subscriptions, digests their schedules. Other kinds are dropped.
UnavailableHandler = Callable[[OutboxRecord, str], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        store: OutboxStore,
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
        self.after_post: Callable[[OutboxRecord], Awaitable[None]] | None = None

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

    async def _send_batch(self, rows: list[OutboxRecord]) -> int:
        lanes: dict[int, list[OutboxRecord]] = defaultdict(list)
        for row in rows:
            lanes[hash(row.channel_id) % self.workers].append(row)
        batch = _Batch()
        for row in rows:  # each channel is looked up once, from its earliest unknown outcome
            if row.attempted_at is not None:
                moment = datetime.fromisoformat(row.attempted_at)
                channel = row.channel_id
                batch.since[channel] = min(batch.since.get(channel, moment), moment)
        # A task group: if one lane fails, the others stop too, as they would if the process died.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._lane(lane, batch)) for lane in lanes.values()]
        return sum(task.result() for task in tasks)

    async def _lane(self, rows: list[OutboxRecord], batch: _Batch) -> int:
        sent = 0
        blocked: set[str] = set()
        for row in rows:
            if row.channel_id in blocked:
                continue
            outcome = await self._send(row, batch)
            if outcome == "sent":
                sent += 1
            elif outcome == "blocked":
                blocked.add(row.channel_id)
        return sent

    async def _send(self, row: OutboxRecord, batch: _Batch) -> str:
        key = (row.kind, row.entry_id if row.kind == "alert" else row.id)
        if key not in batch.replies:
            batch.replies[key] = await self.render(row)
        reply = batch.replies[key]
        if reply is None:
            await self.store.mark_dropped(row.id, "nothing to post (entry removed)")
            return "dropped"
        looking = row.attempted_at is not None
        try:
            message_id = await self._already_posted(row, batch) if looking else None
            if message_id is None:
                looking = False
                if not await self.store.mark_attempted(row, iso(self.clock())):
                    log.info("%s %s changed before it was posted: skipped", row.kind, row.id)
                    return "skipped"
                message_id = await self._post(row, stamp(reply, row.id))
                if self.after_post is not None:
                    await self.after_post(row)
        except ChannelUnavailable as exc:
            await self.store.mark_refused(row.id, str(exc), outcome_unknown=looking)
            await self._channel_unavailable(row, str(exc))
            return "blocked"
        except PermanentPostError as exc:
            await self.store.mark_failed(row.id, str(exc))
            log.warning("%s %s to channel %s failed: %s", row.kind, row.id, row.channel_id, exc)
            return "failed"
        except TransientPostError as exc:
            delay = min(timedelta(seconds=5 * 2 ** min(row.attempts, 10)), MAX_BACKOFF)
            await self.store.mark_retry(
                row.id,
                str(exc),
                iso(self.clock() + delay),
                outcome_unknown=looking or exc.maybe_posted,
            )
            return "blocked"
        await self.store.mark_sent(row.id, message_id, iso(self.clock()))
        return "sent"

    async def _already_posted(self, row: OutboxRecord, batch: _Batch) -> str | None:
        """The message an earlier attempt posted for this row, if the channel shows one."""
        channel = row.channel_id
        if channel not in batch.posted:
            batch.posted[channel] = await self.poster.find_posted(channel, batch.since[channel])
        message_id = batch.posted[channel].get(row.id)
        if message_id is not None:
            log.info("%s %s was posted before (message %s)", row.kind, row.id, message_id)
        return message_id

    async def _post(self, row: OutboxRecord, reply: Reply) -> str:
        """Post the row, waiting out rate limits; the nonce makes a repeated try post once."""
        waits = 0
        while True:
            try:
                return await self.poster.post(
                    row.channel_id, reply, nonce=f"rr{row.id}", role_id=row.role_id
                )
            except RateLimited as exc:
                waits += 1
                if waits > RATE_LIMIT_RETRIES:
                    raise
                await asyncio.sleep(min(exc.retry_after, MAX_RATE_LIMIT_WAIT))

    async def _channel_unavailable(self, row: OutboxRecord, reason: str) -> None:
        handler = self.on_unavailable.get(row.kind)
        if handler is not None:
            await handler(row, reason)
            return
        await self.store.mark_dropped(row.id, reason)
        log.warning("%s to channel %s dropped: %s", row.kind, row.channel_id, reason)


@dataclass
class _Batch:
    """What one round of sending shares: rendered replies (an alert renders once for all its
    channels) and each looked-up channel's marked posts."""

    replies: dict[tuple[str, int | None], Reply | None] = field(default_factory=dict)
    posted: dict[str, dict[int, str]] = field(default_factory=dict)
    since: dict[str, datetime] = field(default_factory=dict)
