"""Leadership: one process at a time polls feeds, syncs the catalog, schedules digests and keeps
the store. It holds the lease row "leader" and renews it every `renew_seconds`; a process that
stops renewing (it died) loses it after `lease_seconds`, and another takes it over.

Never two leaders: a leader stops leading the moment a renewal fails or is refused, and steps
down by itself if no renewal has succeeded within `lease_seconds - renew_seconds` of the last
one (a store that hangs), well before its lease can run out and another take it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.clock import Clock, iso
from bot.store.leases import LEADER, LeaseStore

log = logging.getLogger(__name__)

OnChange = Callable[[bool], Awaitable[None]]


def default_process_name() -> str:
    """hostname-pid: unique among the processes sharing a store."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Leadership:
    def __init__(
        self,
        store: LeaseStore,
        process: str,
        clock: Clock,
        *,
        lease_seconds: float = 20.0,
        renew_seconds: float = 5.0,
    ) -> None:
        self.store = store
        self.process = process
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.renew_seconds = renew_seconds
        self.is_leader = False
        self.leading = asyncio.Event()  # set while this process leads
        self._listeners: list[OnChange] = []
        self._renewed_at = float("-inf")  # monotonic start of the last successful renewal

    def on_change(self, listener: OnChange) -> None:
        """Call `listener(True)` when this process gains leadership, `listener(False)` when
        it loses it (awaited before leadership is renewed again)."""
        self._listeners.append(listener)

    async def step(self) -> bool:
        """Try to take or renew the lease once; whether this process leads now."""
        started = time.monotonic()
        now = self.clock()
        until = iso(now + timedelta(seconds=self.lease_seconds))
        try:
            won = await asyncio.wait_for(
                self.store.acquire(LEADER, self.process, iso(now), until), self._patience(started)
            )
        except TimeoutError:
            log.warning("renewing the leader lease took too long: stepping down")
            won = False
        except Exception:
            log.exception("renewing the leader lease failed")
            won = False
        if won:
            self._renewed_at = started
        await self._become(won)
        return won

    def _patience(self, started: float) -> float:
        """How long a renewal may take: a leader must have stepped down by the time its lease
        could run out (less a renewal's margin); a follower just must not hang."""
        if not self.is_leader:
            return self.lease_seconds
        deadline = self._renewed_at + self.lease_seconds - self.renew_seconds
        return max(deadline - started, 0.0)

    async def _become(self, leader: bool) -> None:
        if leader == self.is_leader:
            return
        self.is_leader = leader
        if leader:
            self.leading.set()
            log.info("%s leads now (polling, syncs, digests, upkeep)", self.process)
        else:
            self.leading.clear()
            log.warning("%s no longer leads", self.process)
        for listener in self._listeners:
            try:
                await listener(leader)
            except Exception:
                log.exception("a leadership listener failed")

    async def run(self, stop: asyncio.Event) -> None:
        """Renew (or try to take) the lease every `renew_seconds` until `stop`; then give it up,
        so another process takes over at once."""
        try:
            while not stop.is_set():
                await self.step()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.renew_seconds)
        finally:
            await self.resign()

    async def resign(self) -> None:
        """Stop leading and release the lease (a clean shutdown)."""
        was = self.is_leader
        await self._become(False)
        if was:
            try:
                await self.store.release(LEADER, self.process)
            except Exception:
                log.exception("releasing the leader lease failed (it runs out by itself)")

    async def leader(self) -> str | None:
        """The process that leads now, as the store says (None: nobody)."""
        held = await self.store.holder(LEADER, iso(self.clock()))
        return None if held is None else held.holder
