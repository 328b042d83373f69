"""A request budget shared with other processes, under the sender's own pacing: each request
also takes a token of the bot-wide budget of the current second (bot/store/rate_budget.py),
fetched a few at a time; when the second's budget is spent it waits for the next second."""

from __future__ import annotations

import asyncio
import logging
import math
import time

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
        self._tokens = 0
        self._valid_until = 0.0  # monotonic end of the window the tokens belong to
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for one request's token of the shared budget."""
        async with self._lock:
            while True:
                if self._tokens > 0 and time.monotonic() < self._valid_until:
                    self._tokens -= 1
                    return
                granted = await self.store.grant(self.grant_size, self.per_second)
                left = granted.window + 1 - granted.now  # of the grant's window, seconds
                if granted.tokens > 0:
                    self._tokens = granted.tokens - 1
                    self._valid_until = time.monotonic() + left
                    return
                await asyncio.sleep(max(left, 0.0) + WINDOW_SLACK)


def shared_budget(db: AnyDatabase, per_second: float) -> SharedBudget | None:
    """The budget shared with the other processes on the store, or None when this process is
    alone on it (SQLite): its own pacing is the budget then."""
    store = RateBudgetStore(db)
    if not store.shared:
        return None
    return SharedBudget(store, max(1, math.floor(per_second)))
