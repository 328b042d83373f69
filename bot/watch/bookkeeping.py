"""Writing the health of unchanged polls together (group commit).

Most polls of most sources find the body they last ingested (or a 304): all they leave is
a line of bookkeeping (last success, next poll). Written one statement each, a round of 200
such sources is 200 commits and 200 trips to the database thread. Here a poll's row joins
the batch being gathered while the previous batch is written, so a round costs a few
commits whatever its size, and a lone poll is written at once (no timer, no added wait).
"""

from __future__ import annotations

import asyncio
import logging

from bot.store.watch import UnchangedPoll, WatchStore

log = logging.getLogger(__name__)


class UnchangedWrites:
    """`record(poll)` returns once the poll's row is committed: True if it was written,
    False if the source is paused (then nothing is written: resuming is the caller's)."""

    def __init__(self, store: WatchStore) -> None:
        self.store = store
        self._waiting: list[tuple[UnchangedPoll, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # statements of health written, for tests and benchmarks

    async def record(self, poll: UnchangedPoll) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((poll, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="unchanged-polls")
        return await done

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._write_batch(batch)
        finally:
            self._writer = None

    async def _write_batch(self, batch: list[tuple[UnchangedPoll, asyncio.Future[bool]]]) -> None:
        try:
            written = await self.store.record_unchanged_many([poll for poll, _ in batch])
        except Exception as exc:  # each waiting poll gets the error
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        except BaseException:  # cancelled (the bot stops): the polls stop too
            for _, done in batch:
                done.cancel()
            raise
        self.batches += 1
        for poll, done in batch:
            if not done.done():  # its poll may have been cancelled meanwhile
                done.set_result(poll.key in written)
