"""A request budget shared with other processes, under the sender's own pacing: each request
also takes a token of the bot-wide budget of the current second (bot/store/rate_budget.py),
fetched a few at a time; when the second's budget is spent it waits for the next second.

A token is the n-th of its window, and starts n/budget into the window (a token whose place
is more than one place past is not used: a process that starts or resumes mid-window does not
spend the part of the second already gone), so the processes' requests together are spread
evenly over the second and no second, however it falls, holds more than the budget and one.
Without that each process
spent its grants at its own pace, so the window's budget went out in its first part, and a
window that ended busy and the next that began busy put up to twice the budget into one second
(Discord counts any second, not the database's: bench/fanout_shared.py measured 12% of requests
answered 429).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque

from bot.store.backends import AnyDatabase
from bot.store.rate_budget import RateBudgetStore

log = logging.getLogger(__name__)

GRANT_SIZE = 5  # tokens taken per statement: few enough that one process cannot hoard a window
# Waiting for the next window, wake this much after it starts (the two clocks are read apart).
WINDOW_SLACK = 0.005


class SharedBudget:
    """`per_second` requests a second for all processes together."""

    def __init__(self, store: RateBudgetStore, per_second: int, grant_size: int = GRANT_SIZE):
        self.store = store
        self.per_second = per_second
        self.grant_size = max(1, min(grant_size, per_second))
        self._interval = 1.0 / self.per_second
        self._starts: deque[float] = deque()  # when each token held may start (monotonic)
        self._valid_until = 0.0  # monotonic end of the window the tokens belong to
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for one request's token of the shared budget, and for its place in the window."""
        async with self._lock:
            while True:
                now = time.monotonic()
                if self._starts and now < self._valid_until:
                    due = self._starts.popleft()
                    if due + self._interval < now:
                        continue  # its place is past: spent now, it would crowd the next second
                    if due > now:
                        await asyncio.sleep(due - now)
                    return
                self._starts.clear()
                granted = await self.store.grant(self.grant_size, self.per_second)
                now = time.monotonic()
                left = granted.window + 1 - granted.now  # of the grant's window, seconds
                if granted.tokens > 0:
                    opened = now - (granted.now - granted.window)  # the window's start, here
                    first = granted.used - granted.tokens
                    self._starts.extend(
                        opened + n / self.per_second for n in range(first, granted.used)
                    )
                    self._valid_until = now + left
                    continue
                await asyncio.sleep(max(left, 0.0) + WINDOW_SLACK)


def shared_budget(db: AnyDatabase, per_second: float) -> SharedBudget | None:
    """The budget shared with the other processes on the store, or None when this process is
    alone on it (SQLite): its own pacing is the budget then."""
    store = RateBudgetStore(db)
    if not store.shared:
        return None
    return SharedBudget(store, max(1, math.floor(per_second)))
