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
the kind's handler (which pauses).

Pacing, for Discord's limits: every request waits its turn in a token bucket just under the
global limit (`Pacing.requests_per_second`; Discord allows a bot 50 per second), and up to
`Pacing.max_in_flight` requests are under way at once, so the round trip does not cap the rate
(in flight settles at rate x round trip). The drain is one continuous pipeline: rows are read
ahead while earlier ones are in flight, each channel's rows go one at a time in order (its own
lane), and no channel waits for a batch to finish. A channel's own bucket (5 messages per 5 s)
is read from the X-RateLimit-* headers by discord.py, which holds that channel's next post
until the bucket resets: only that lane waits. A global 429 pauses the bucket for everyone,
and slows it a step for the rest of the drain (`TokenBucket.slow_down`): requests that left
evenly spaced reached Discord bunched up (a loaded machine, network jitter), and at 48 of 50
a second 20 ms of bunching over a second is enough to be refused again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bot.core.clock import Clock, iso
from bot.core.delivery import Delivery
from bot.core.shards import ShardScope
from bot.render.cards import Reply
from bot.render.outbox_marker import stamp
from bot.store.outbox import OutboxRecord, OutboxStore

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF = timedelta(minutes=10)
# A rate limit only says "not yet": a lane waits it out and tries again this many times before
# the row goes back to the outbox with a backoff (which would leave it for a later drain).
RATE_LIMIT_RETRIES = 20
MAX_RATE_LIMIT_WAIT = 60.0
READ_AT_LEAST = 500  # outbox rows per read
# After each global 429 the sender's rate drops by this share, down to SLOWEST of the
# configured rate (for the rest of the drain: the next drain starts at the configured rate).
SLOW_STEP = 0.01
SLOWEST = 0.95


class ChannelUnavailable(Exception):
    """The channel is gone or the bot may not post there: retrying will not help.
    `maybe_posted`: the message was posted, what follows it (its thread) was refused."""

    def __init__(self, message: str, *, maybe_posted: bool = False) -> None:
        super().__init__(message)
        self.maybe_posted = maybe_posted


class MessageGone(Exception):
    """The message an edit was for is gone (deleted: 10008) or was never posted: the edit is
    dropped, never posted as a new message."""


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

    def __init__(self, retry_after: float, *, is_global: bool = False) -> None:
        scope = "globally " if is_global else ""
        super().__init__(f"rate limited {scope}(retry after {retry_after:.2f} s)")
        self.retry_after = retry_after
        self.is_global = is_global


class Poster(Protocol):
    async def post(
        self, channel_id: str, reply: Reply, *, nonce: str, role_id: str | None = None
    ) -> str:
        """Post and return the message id, or raise ChannelUnavailable, PermanentPostError or
        TransientPostError. A poster for other targets than plain messages also takes
        `target=` (a Delivery): a forum post's id is its thread's."""

    async def find_posted(self, channel_id: str, since: datetime) -> dict[int, str]:
        """Outbox ids carried by the bot's messages in the channel posted since `since`, with
        their message ids; raises like `post`. With `target=` a forum's posts are read."""

    async def complete(
        self, channel_id: str, message_id: str, reply: Reply, target: Delivery
    ) -> None:
        """Do what follows a post on its target (its thread, its crosspost) if not done yet;
        called for a post found after an unknown outcome. Raises like `post`."""

    async def until_clear(self) -> bool:
        """Wait while Discord refuses every request (after a global 429); True if it waited."""

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        """Replace a message the bot posted with `reply` (mentions disabled); raises MessageGone
        for a deleted message, else like `post`."""

    async def shows(self, channel_id: str, message_id: str, reply: Reply) -> bool:
        """Whether the message already shows `reply` (an edit whose outcome is unknown);
        raises like `edit`."""


Renderer = Callable[[OutboxRecord], Awaitable[Reply | None]]
# What to do with a row (and its kind's later rows) when its channel is gone or closed to the
# bot: alerts pause their subscriptions, digests their schedules. Other kinds are dropped.
UnavailableHandler = Callable[[OutboxRecord, str], Awaitable[None]]
# How a row's channel takes it (None: a plain message), and the message ids of sent rows by
# dedupe key (a digest's later pages go into the forum post its first page made).
TargetOf = Callable[[OutboxRecord], Awaitable[Delivery | None]]
SentMessages = Callable[[str], Awaitable[tuple[str, str | None]]]


@dataclass(frozen=True)
class Pacing:
    """How fast the sender talks to Discord: requests per second (all of its requests) and
    how many may be under way at once (it must exceed rate x the round trip, in seconds)."""

    requests_per_second: float = 48.0
    max_in_flight: int = 50


@dataclass(frozen=True)
class Claims:
    """Which rows a sender sends when several processes share the outbox: those it claims as
    `process`, of the guilds on its shards (`scope`); a claim lasts `seconds` unless renewed
    (each read of a drain renews it), so a dead process's rows go to another after that."""

    process: str
    scope: ShardScope = field(default_factory=ShardScope.everything)
    seconds: float = 60.0


class SharedLimiter(Protocol):
    async def take(self) -> None:
        """Wait for one request's share of a budget other processes take from too."""


class TokenBucket:
    """Requests started at most `rate` a second, spaced 1/rate apart and in turn. No turn is
    booked ahead: a turn is taken when it comes, so requests held up together (an event loop
    stall, a pause) do not all go at once when they are free; and never more than `rate` start
    in any one second. `pause` holds every request not yet started."""

    def __init__(self, rate: float, shared: SharedLimiter | None = None) -> None:
        self.shared = shared  # the budget shared with other processes, if any
        self.configured = rate
        self.rate = rate
        self.interval = 1.0 / rate
        self._slowed_at = float("-inf")
        self._starts: deque[float] = deque()
        self._due = 0.0  # when the next request may start
        self._paused_until = 0.0
        self._turn = asyncio.Lock()

    async def take(self) -> None:
        async with self._turn:  # one waiter at a time, first come first served
            while (wait := self._wait(time.monotonic())) > 0:
                await asyncio.sleep(wait)
            if self.shared is not None:  # this process's turn, then the bot-wide budget's
                await self.shared.take()
            now = time.monotonic()
            self._starts.append(now)
            # A start that woke a little late lets the next one catch up, so oversleeping
            # does not slow the rate; after a long hold-up only one may follow at once.
            self._due = max(self._due, now - self.interval) + self.interval

    def _wait(self, now: float) -> float:
        while self._starts and self._starts[0] <= now - 1.0:
            self._starts.popleft()
        wait = max(self._paused_until, self._due) - now
        if len(self._starts) >= self.rate:
            wait = max(wait, self._starts[0] + 1.0 - now)
        return wait

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def restore(self) -> None:
        """Back to the configured rate (a new drain: conditions may have changed)."""
        self.rate = self.configured
        self.interval = 1.0 / self.rate

    def slow_down(self) -> bool:
        """After a global 429: requests reach Discord closer together than they start here
        (a loaded machine, a jittery network, so 50 arrive within a second although no more
        than `rate` started in one). Start them `SLOW_STEP` further apart from now on, down
        to `SLOWEST` of the configured rate; the lanes that all saw the same 429 slow it
        once (one step a second at most). True if the rate went down."""
        now = time.monotonic()
        slowest = self.configured * SLOWEST
        if now - self._slowed_at < 1.0 or self.rate <= slowest:
            return False
        self._slowed_at = now
        self.rate = max(slowest, self.rate * (1 - SLOW_STEP))
        self.interval = 1.0 / self.rate
        log.info("global rate limit hit: pacing requests at %.1f a second", self.rate)
        return True


class OutboxSender:
    def __init__(
        self,
        store: OutboxStore,
        poster: Poster,
        render: Renderer,
        clock: Clock,
        pacing: Pacing | None = None,
        on_unavailable: Mapping[str, UnavailableHandler] | None = None,
        edit_kinds: AbstractSet[str] = frozenset(),
        target_of: TargetOf | None = None,
        sent_message: SentMessages | None = None,
        claims: Claims | None = None,
        shared: SharedLimiter | None = None,
    ) -> None:
        self.store = store
        self.claims = claims  # None: the only sender, every row is its own
        # Rows of these kinds edit the message their `edit_of` row posted (see `_edit`).
        self.edit_kinds = edit_kinds
        self.target_of = target_of
        self.sent_message = sent_message
        self.on_unavailable = on_unavailable or {}
        self.poster = poster
        self.render = render
        self.clock = clock
        self.pacing = pacing or Pacing()
        self._bucket = TokenBucket(self.pacing.requests_per_second, shared)
        self._in_flight = asyncio.Semaphore(self.pacing.max_in_flight)
        self._lock = asyncio.Lock()
        # Called after a row is posted and before it is recorded; tests use it to simulate a crash.
        self.after_post: Callable[[OutboxRecord], Awaitable[None]] | None = None

    @property
    def rate(self) -> float:
        """The requests per second it paces at now: the configured rate, or less after a
        global 429 in this drain (`TokenBucket.slow_down`)."""
        return self._bucket.rate

    async def drain(self) -> int:
        """Send every due row; returns how many were sent. Never runs twice at once."""
        async with self._lock:
            run = _Run(read_ahead=2 * self.pacing.max_in_flight)
            self._bucket.restore()
            started = time.monotonic()
            # A task group: if one lane fails, the others stop too, as they would if the
            # process died.
            async with asyncio.TaskGroup() as group:
                while await self._read_more(run, group):
                    pass
            if run.sent:
                took = time.monotonic() - started
                log.info("sent %d posts in %.1f s (%.1f/s)", run.sent, took, run.sent / took)
            return run.sent

    async def _read_more(self, run: _Run, group: asyncio.TaskGroup) -> bool:
        """Queue the due rows not seen yet in this drain; False when there is nothing left."""
        # Rows still in flight or waiting are read again (they are pending until marked):
        # the read is long enough to hold them and as many again that are new.
        limit = max(READ_AT_LEAST, 2 * (self.pacing.max_in_flight + run.read_ahead))
        rows = await self._due(limit)
        fresh = [row for row in rows if row.id not in run.seen]
        for row in fresh:
            run.seen.add(row.id)
            channel = row.channel_id
            if channel in run.blocked:
                continue
            if row.attempted_at is not None:  # looked up from its earliest unknown outcome
                moment = datetime.fromisoformat(row.attempted_at)
                run.since[channel] = min(run.since.get(channel, moment), moment)
            run.queues[channel].append(row)
            run.waiting += 1
            if channel not in run.lanes:
                run.lanes[channel] = group.create_task(self._lane(channel, run))
        if not run.lanes:
            return False
        # Read on once the queue runs low; with nothing new, once every lane is done (rows
        # that came due meanwhile are read then).
        await run.until(lambda: not run.lanes if not fresh else run.waiting < run.read_ahead)
        return True

    async def _due(self, limit: int) -> list[OutboxRecord]:
        """The due rows this sender sends: all, or (sharing the outbox) those it claims now."""
        now = self.clock()
        if self.claims is None:
            return await self.store.pending(iso(now), limit)
        claims = self.claims
        shards = None
        if not claims.scope.is_everything:
            shards = (claims.scope.shard_count, claims.scope.shard_ids)
        until = iso(now + timedelta(seconds=claims.seconds))
        await self.store.claim(claims.process, iso(now), until, limit, shards)
        return await self.store.pending(iso(now), limit, claimed_by=claims.process)

    async def _lane(self, channel: str, run: _Run) -> None:
        """Send one channel's rows in order, one at a time."""
        queue = run.queues[channel]
        while queue:
            row = queue.popleft()
            if channel in run.blocked:
                run.started()
                continue
            outcome = await self._send(row, run)
            if outcome == "sent":
                run.sent += 1
            elif outcome == "blocked":
                run.blocked.add(channel)
        del run.lanes[channel]
        del run.queues[channel]
        run.changed()

    async def _send(self, row: OutboxRecord, run: _Run) -> str:
        per_entry = row.kind == "alert" or row.kind in self.edit_kinds
        key = (row.kind, row.entry_id if per_entry else row.id)
        if key not in run.replies:  # rendered once: the alert's other channels wait for it
            run.replies[key] = asyncio.ensure_future(self.render(row))
        reply = await run.replies[key]
        if reply is None:
            run.started()
            await self.store.mark_dropped(row.id, "nothing to post (entry removed)")
            return "dropped"
        # The row holds one of the `max_in_flight` places from its attempted mark to its
        # outcome's, so only rows about to be posted are marked and the store's writes stay
        # few at a time (the next rows are read meanwhile).
        async with self._in_flight:
            run.started()
            return await self._deliver(row, reply, run)

    async def _deliver(self, row: OutboxRecord, reply: Reply, run: _Run) -> str:
        attempt = _Attempt(looking=row.attempted_at is not None)
        try:
            if row.kind in self.edit_kinds:
                message_id = await self._edit(row, reply, attempt)
            else:
                message_id = await self._post_once(row, reply, run, attempt)
            if message_id is None:
                log.info("%s %s changed before it was posted: skipped", row.kind, row.id)
                return "skipped"
        except MessageGone as exc:
            await self.store.mark_dropped(row.id, str(exc))
            log.info("%s %s to channel %s dropped: %s", row.kind, row.id, row.channel_id, exc)
            return "dropped"
        except ChannelUnavailable as exc:
            await self.store.mark_refused(
                row.id, str(exc), outcome_unknown=attempt.looking or exc.maybe_posted
            )
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
                outcome_unknown=attempt.looking or exc.maybe_posted,
            )
            return "blocked"
        await self.store.mark_sent(row.id, message_id, iso(self.clock()))
        return "sent"

    async def _post_once(
        self, row: OutboxRecord, reply: Reply, run: _Run, attempt: _Attempt
    ) -> str | None:
        """Post the row unless an earlier attempt did; its message id (None: the row changed
        since it was read, and is not posted)."""
        channel, target = await self._where(row, run)
        if attempt.looking:
            message_id = await self._already_posted(row, run, channel, target)
            if message_id is not None:
                if target is not None:  # found after a crash: what follows it may not be
                    found, how = message_id, target
                    await self._paced(lambda: self.poster.complete(channel, found, reply, how))
                return message_id
        attempt.looking = False
        if not await self.store.mark_attempted(row, iso(self.clock())):
            return None
        extra = {"target": target} if target is not None else {}
        message_id = await self._retrying(
            lambda: self.poster.post(
                channel, stamp(reply, row.id), nonce=f"rr{row.id}", role_id=row.role_id, **extra
            )
        )
        if self.after_post is not None:
            await self.after_post(row)
        return message_id

    async def _edit(self, row: OutboxRecord, reply: Reply, attempt: _Attempt) -> str | None:
        """Edit the message the row's `edit_of` row posted (keeping that row's marker, so
        the message is still found as its post); the message id (None: the row changed since
        it was read). An earlier attempt whose outcome is unknown is looked at first: a
        message that shows the edit already is not edited again."""
        target = int((row.payload or {}).get("edit_of", 0))
        message_id = await self.store.posted_message(target) if target else None
        if message_id is None:
            raise MessageGone("the alert it edits was never posted")
        edited = stamp(reply, target)
        delivery = await self.target_of(row) if self.target_of is not None else None
        # A forum post's id is its thread's, where its first message (of the same id) lives.
        channel = (
            message_id if delivery is not None and delivery.kind == "forum" else row.channel_id
        )
        if attempt.looking and await self._paced(
            lambda: self.poster.shows(channel, message_id, edited)
        ):
            log.info("%s %s was applied before (message %s)", row.kind, row.id, message_id)
            return message_id
        attempt.looking = False
        if not await self.store.mark_attempted(row, iso(self.clock())):
            return None
        await self._retrying(lambda: self.poster.edit(channel, message_id, edited))
        if self.after_post is not None:
            await self.after_post(row)
        return message_id

    async def _where(self, row: OutboxRecord, run: _Run) -> tuple[str, Delivery | None]:
        """The channel the row is posted in, and how (None: a plain message). A later page
        of a digest in a forum goes into the post its first page made."""
        if self.target_of is None:
            return row.channel_id, None
        key = (row.channel_id, row.kind)
        if key not in run.targets:  # one look-up per channel and kind in a drain
            run.targets[key] = asyncio.ensure_future(self.target_of(row))
        target = await run.targets[key]
        first = row.payload.get("in_post_of") if isinstance(row.payload, dict) else None
        if target is None or target.kind != "forum" or not first:
            return row.channel_id, None if target is None or target.plain else target
        status, thread = await self.sent_message(first) if self.sent_message else ("", None)
        if thread is None and status in ("pending", "held"):
            raise TransientPostError("its forum post is not made yet")
        if thread is None:  # the first page failed or was dropped: this one cannot follow
            raise PermanentPostError(f"its forum post was never made ({status or 'unknown'})")
        return thread, None

    async def _already_posted(
        self, row: OutboxRecord, run: _Run, channel: str, target: Delivery | None
    ) -> str | None:
        """The message an earlier attempt posted for this row, if the channel shows one."""
        since = run.since[row.channel_id]
        looked = run.posted.get(channel)
        if looked is None or looked[0] > since:  # not looked at, or not back far enough
            extra = {"target": target} if target is not None else {}
            found = await self._paced(lambda: self.poster.find_posted(channel, since, **extra))
            looked = run.posted[channel] = (since, found)
        message_id = looked[1].get(row.id)
        if message_id is not None:
            log.info("%s %s was posted before (message %s)", row.kind, row.id, message_id)
        return message_id

    async def _retrying(self, request: Callable[[], Awaitable[T]]) -> T:
        """Make a request, waiting out rate limits (a post's nonce makes a repeated try post
        once; an edit is the same edit again)."""
        waits = 0
        while True:
            try:
                return await self._paced(request)
            except RateLimited as exc:
                waits += 1
                if waits > RATE_LIMIT_RETRIES:
                    raise
                wait = min(exc.retry_after, MAX_RATE_LIMIT_WAIT)
                if exc.is_global:  # every request is refused until then, not just this one
                    self._bucket.pause(wait)
                    self._bucket.slow_down()
                await asyncio.sleep(wait)

    async def _paced(self, request: Callable[[], Awaitable[T]]) -> T:
        """Make one request to Discord in its turn (the caller holds an in-flight place)."""
        await self._bucket.take()
        # A turn taken before a global 429 is stale once the pause ends: every request held
        # by it would go at once (and be refused again). Wait, then take a new turn.
        while await self.poster.until_clear():  # discord.py met a global 429 meanwhile
            self._bucket.slow_down()
            await self._bucket.take()
        return await request()

    async def _channel_unavailable(self, row: OutboxRecord, reason: str) -> None:
        handler = self.on_unavailable.get(row.kind)
        if handler is not None:
            await handler(row, reason)
            return
        await self.store.mark_dropped(row.id, reason)
        log.warning("%s to channel %s dropped: %s", row.kind, row.channel_id, reason)


@dataclass
class _Attempt:
    """One row's delivery: `looking` while an earlier attempt's outcome is still unknown."""

    looking: bool


@dataclass
class _Run:
    """What one drain shares: rendered replies (an alert renders once for all its channels),
    each looked-up channel's marked posts (and since when), the rows read so far, and each
    channel's queue and lane."""

    read_ahead: int
    replies: dict[tuple[str, int | None], asyncio.Future[Reply | None]] = field(
        default_factory=dict
    )
    posted: dict[str, tuple[datetime, dict[int, str]]] = field(default_factory=dict)
    targets: dict[tuple[str, str], asyncio.Future[Delivery | None]] = field(default_factory=dict)
    since: dict[str, datetime] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)
    queues: dict[str, deque[OutboxRecord]] = field(default_factory=lambda: defaultdict(deque))
    lanes: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    waiting: int = 0  # rows queued and not yet started (not holding an in-flight place)
    sent: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def started(self) -> None:
        self.waiting -= 1
        self.changed()

    def changed(self) -> None:
        self._changed.set()

    async def until(self, done: Callable[[], bool]) -> None:
        while not done():
            self._changed.clear()
            await self._changed.wait()
