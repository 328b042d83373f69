"""Polling feed sources: fetch, parse, ingest, and keep each source's health.

Sources are polled concurrently and each poll is bounded in time, so one slow or broken
source never delays the others: each source is fetched, parsed and ingested on its own, in a
task of its own. A round starts the polls of the due sources not already being polled and
does not wait for them, so a source that is still parsing holds back neither the next round's
polls nor the outbox. The alerts a round has queued go out once the round settles (every poll
done, or `SETTLE` seconds after the first new entries), and a poll that ends later delivers its
own. After `threshold` failures in a row a source is paused (still polled, less often) and the
operators are told once; it resumes when it answers again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from bot.core.clock import Clock, iso
from bot.outbox.outbox import Outbox
from bot.store.errors import DATABASE_ERRORS
from bot.store.watch import UnchangedPoll, WatchStore
from bot.watch.bookkeeping import UnchangedWrites
from bot.watch.fetch import Fetcher, FetchError, FetchResult
from bot.watch.flood import RoundBudget
from bot.watch.ingest import Ingestor
from bot.watch.parse import ParseResult, parse_feed
from bot.watch.parser_pool import Parser, ParserDied, ThreadParser
from bot.watch.records import FeedSource

log = logging.getLogger(__name__)

MAX_INTERVAL = timedelta(hours=6)
# How long a round's new alerts wait for its other sources: one release reported by two
# sources in the same round is one alert naming both, and a slow source holds back the
# others' alerts this long at most (not up to the parse or fetch time limit).
SETTLE = 5.0


@dataclass(frozen=True)
class PollOutcome:
    key: str
    ok: bool
    new: int = 0
    error: str | None = None
    not_modified: bool = False
    unchanged: bool = False  # the body was the one last ingested: not parsed again
    paused: bool = False
    resumed: bool = False


class FeedPoller:
    def __init__(
        self,
        store: WatchStore,
        outbox: Outbox,
        fetcher: Fetcher,
        ingestor: Ingestor,
        clock: Clock,
        *,
        threshold: int = 5,
        concurrency: int = 8,
        ops_channel_id: str | None = None,
        parser: Parser | None = None,
        on_new: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.fetcher = fetcher
        self.ingestor = ingestor
        self.clock = clock
        self.threshold = threshold
        self.ops_channel_id = ops_channel_id
        self._slots = asyncio.Semaphore(concurrency)
        # Parses handed to the parser at once: a job's time limit runs from when it is handed
        # over, so a round of 200 sources must not queue 200 jobs behind two processes.
        self._parsing = asyncio.Semaphore(concurrency)
        # Parsing is CPU work; in a worker process it never stalls the event loop (and so
        # never delays autocomplete or an interaction's 3-second answer). Either way a parse
        # is bounded in time.
        self.parser = parser or ThreadParser()
        # Called once a round that stored new entries (and queued their alerts) settles.
        self.on_new = on_new
        self.settle = SETTLE
        self._lock = asyncio.Lock()  # held while a round picks its sources and starts them
        self._in_flight: dict[str, asyncio.Task[PollOutcome]] = {}
        self._rounds: set[asyncio.Task[None]] = set()
        self.unchanged_writes = UnchangedWrites(store)

    async def start_due(self) -> list[asyncio.Task[PollOutcome]]:
        """Start a poll of every due source not already being polled, each in a task of its
        own, and return them without waiting: a source is parsed as soon as its body is in
        and ingested as soon as its parse is done, whatever the other sources are doing. The
        polls started together are a round: they share one flood budget, and their new
        alerts are announced together when the round settles."""
        async with self._lock:
            due = await self.store.due_sources(iso(self.clock()))
            budget = RoundBudget(self.ingestor.max_alerts)  # the round's alert cap per channel
            polls = [self._start(row, budget) for row in due if row.key not in self._in_flight]
        if polls:
            watcher = asyncio.create_task(self._announce_when_settled(polls), name="poll-round")
            self._rounds.add(watcher)
            watcher.add_done_callback(self._rounds.discard)
        return polls

    async def poll_due(self) -> list[PollOutcome]:
        """Start a round (`start_due`) and wait for its outcomes (tests, the command line)."""
        polls = await self.start_due()
        try:
            return list(await asyncio.gather(*polls))
        except BaseException:  # cancelled: the polls stop with the round
            for poll in polls:
                poll.cancel()
            raise

    async def poll_key(self, key: str) -> PollOutcome:
        """Poll one source now, or wait for the poll of it already under way."""
        async with self._lock:
            poll = self._in_flight.get(key)
            if poll is None:
                row = await self.store.source(key)
                if row is None:
                    raise KeyError(key)
                poll = self._start(row, None)
        return await poll

    async def stop(self) -> None:
        """Cancel every poll under way (the bot stops): nothing waits for a slow source."""
        tasks = [*self._in_flight.values(), *self._rounds]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start(self, row: FeedSource, budget: RoundBudget | None) -> asyncio.Task[PollOutcome]:
        key = row.key
        poll = asyncio.create_task(self._poll(row, budget), name=f"poll-{key}")
        self._in_flight[key] = poll
        poll.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return poll

    async def _poll(self, row: FeedSource, budget: RoundBudget | None = None) -> PollOutcome:
        fetched = await self._fetch(row)
        if isinstance(fetched, PollOutcome):
            return fetched
        return await self._process(*fetched, budget)

    async def _announce_when_settled(self, polls: list[asyncio.Task[PollOutcome]]) -> None:
        """Call `on_new` when the round has new entries and every poll is done, or `settle`
        seconds after the first new entries, whichever comes first; after that, once more for
        each later poll with new entries. A poll that failed unexpectedly is logged here."""
        loop = asyncio.get_running_loop()
        # Each poll reports itself when done: waiting on the whole pending set again after
        # every poll (asyncio.wait) would cost a round of n polls n² callbacks.
        finished: asyncio.Queue[asyncio.Task[PollOutcome]] = asyncio.Queue()
        for poll in polls:
            poll.add_done_callback(finished.put_nowait)
        pending = len(polls)
        first_new: float | None = None
        announced = False
        while pending:
            wait = None
            if first_new is not None and not announced:
                wait = max(0.0, first_new + self.settle - loop.time())
            done = await _finished_within(finished, wait)
            pending -= len(done)
            new = any([_has_new(poll) for poll in done])  # each one: failures are logged
            if announced and new:  # a slow source's entries go out on their own
                self._announce()
            if first_new is None and new:
                first_new = loop.time()
            if first_new is not None and not announced and (not done or not pending):
                self._announce()  # every poll done, or settled with polls still running
                announced = True

    def _announce(self) -> None:
        if self.on_new is not None:
            self.on_new()

    async def _fetch(self, row: FeedSource) -> PollOutcome | tuple[FeedSource, FetchResult]:
        """The source's body, or the outcome of a failed fetch (already recorded)."""
        limit = self.fetcher.timeout * (self.fetcher.retries + 1) + self.fetcher.backoff * 8 + 10
        async with self._slots:
            try:
                result = await asyncio.wait_for(
                    self.fetcher.fetch(row.url, row.etag, row.last_modified), limit
                )
            except TimeoutError:
                return await self._failed(row, f"fetch took longer than {limit:g} s")
            except FetchError as exc:
                return await self._failed(row, str(exc))
        return row, result

    async def _process(
        self, row: FeedSource, result: FetchResult, budget: RoundBudget | None = None
    ) -> PollOutcome:
        key = row.key
        if result.not_modified:
            resumed = await self._nothing_new(row, result)
            return PollOutcome(key, True, not_modified=True, resumed=resumed)
        digest = await body_hash_off_loop(result.body or b"")
        if digest == row.body_hash and row.last_success:
            # The body last ingested, byte for byte (a server without ETag or Last-Modified,
            # or one that ignores them): parsing it again would find nothing new.
            resumed = await self._nothing_new(row, result)
            return PollOutcome(key, True, unchanged=True, resumed=resumed)
        parsed = await self._parse(result.body or b"", row, result.content_type)
        if parsed.problem:
            return await self._failed(row, parsed.problem)
        # The entries, their alerts and the source's health are written together.
        try:
            async with self.store.transaction():
                report = await self.ingestor.ingest(
                    parsed.items, baseline=not row.last_success, budget=budget
                )
                resumed = await self._succeeded(row, result, len(report.new), digest)
        except DATABASE_ERRORS as exc:  # rolled back: nothing of this poll is kept
            log.exception("feed %s: storing its entries failed", key)
            return await self._failed(row, f"storing its entries failed ({exc})")
        await self.ingestor.catalog_changed(report)  # its new records findable at once
        if parsed.warning:
            log.info("feed %s parsed with a warning: %s", key, parsed.warning)
        return PollOutcome(key, True, new=len(report.new), resumed=resumed)

    async def _parse(self, body: bytes, row: FeedSource, content_type: str | None) -> ParseResult:
        job = partial(
            parse_feed,
            body,
            url=row.url,
            content_type=content_type,
            source_key=row.key,
            source_name=row.name,
            org=row.org,
            now=self.clock(),
        )
        try:
            async with self._parsing:
                return await self.parser.run(job)
        except ParserDied as exc:
            return ParseResult(problem=str(exc))

    async def _nothing_new(self, row: FeedSource, result: FetchResult) -> bool:
        """Record a good poll that parsed nothing; True if it ends a pause. For a source that
        is not paused (most polls of most sources) one row of a batch written together with
        the other polls finishing meanwhile (`UnchangedWrites`), not a commit of its own."""
        now = self.clock()
        next_poll = iso(now + timedelta(minutes=row.poll_minutes))
        poll = UnchangedPoll(row.key, iso(now), next_poll, result.etag, result.last_modified)
        if not row.paused and await self.unchanged_writes.record(poll):
            return False
        async with self.store.transaction():  # paused: it resumes, and the operators are told
            return await self._succeeded(row, result, 0)

    async def _succeeded(
        self, row: FeedSource, result: FetchResult, new: int, parsed: str | None = None
    ) -> bool:
        """Record a good poll (`parsed`: the hash of the body it parsed and ingested, if it
        did), and tell the operators if it ends a pause (in the caller's transaction)."""
        now = self.clock()
        next_poll = iso(now + timedelta(minutes=row.poll_minutes))
        resumed = await self.store.record_success(
            row.key, iso(now), next_poll, result.etag, result.last_modified, new, parsed
        )
        if resumed:
            await self._notify(
                row, "resumed", "Feed **{}** answers again; polling resumed.", row.name
            )
        return resumed

    async def _failed(self, row: FeedSource, error: str) -> PollOutcome:
        now = self.clock()
        failures = row.consecutive_failures + 1
        interval = min(
            timedelta(minutes=row.poll_minutes) * 2 ** min(failures - 1, 6), MAX_INTERVAL
        )
        log.warning("feed %s failed (%d in a row): %s", row.key, failures, error)
        async with self.store.transaction():  # the pause and its notice, together
            paused = await self.store.record_failure(
                row.key, iso(now), iso(now + interval), error, self.threshold
            )
            if paused:
                await self._notify(
                    row,
                    "paused",
                    f"Feed **{{}}** failed {failures} times in a row and is paused: {{}}. It is"
                    " still tried now and then and resumes by itself when it answers.",
                    row.name,
                    error,
                )
        return PollOutcome(row.key, False, error=error, paused=paused)

    async def _notify(self, row: FeedSource, what: str, text: str, *parts: str) -> None:
        """Queue a notice to the operators' channel (in the caller's transaction); `parts`
        (a feed's name, an error) fill the `{}` in `text` and are escaped when rendered."""
        if not self.ops_channel_id:
            log.warning("no ops channel configured; %s", text.format(*parts))
            return
        await self.outbox.notice(
            f"feed-{what}:{row.key}",
            self.ops_channel_id,
            iso(self.clock()),
            f"Feed {what}",
            text,
            parts,
        )


def body_hash(body: bytes) -> str:
    """What tells an unchanged body from a changed one."""
    return hashlib.sha256(body).hexdigest()


# Below this a thread hop costs more than hashing on the loop.
HASH_IN_THREAD = 64 * 1024


async def body_hash_off_loop(body: bytes) -> str:
    """`body_hash` of a large body in a thread: hashlib lets go of the GIL while it hashes,
    so a round of large bodies is hashed on the other core, not on the event loop."""
    if len(body) < HASH_IN_THREAD:
        return body_hash(body)
    return await asyncio.to_thread(body_hash, body)


async def _finished_within(
    finished: asyncio.Queue[asyncio.Task[PollOutcome]], wait: float | None
) -> list[asyncio.Task[PollOutcome]]:
    """The polls done by now, waiting up to `wait` seconds (None: until one is) for the
    first; an empty list if none was done in time."""
    try:
        async with asyncio.timeout(wait):
            done = [await finished.get()]
    except TimeoutError:
        return []
    while not finished.empty():
        done.append(finished.get_nowait())
    return done


def _has_new(poll: asyncio.Task[PollOutcome]) -> bool:
    if poll.cancelled():
        return False
    if poll.exception() is not None:
        log.error("polling %s failed", poll.get_name(), exc_info=poll.exception())
        return False
    return poll.result().new > 0
