"""The bot-wide request budget shared by every process (PostgreSQL): Discord's global limit is
per bot, not per process, so the processes take their requests from one budget per one-second
window of the database's clock, in small grants."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Store

GLOBAL = "discord-global"

# Take up to ?2 tokens of the current window's ?3 (one statement: the row lock orders the
# takers). A row of a later window than this statement's clock (another process's, a moment
# later) is counted in, so no window ever grants more than its budget. Returns the grant, the
# window it belongs to, the window's count with it (the grant is its last tokens: their places
# in the window) and the database's time now (to wait for the next window).
PG_GRANT = (
    "INSERT INTO rate_budget AS b (name, window_start, used, granted)"
    " VALUES (?1, floor(extract(epoch FROM clock_timestamp()))::bigint, LEAST(CAST(?2 AS BIGINT), CAST(?3 AS BIGINT)),"
    " LEAST(CAST(?2 AS BIGINT), CAST(?3 AS BIGINT)))"
    " ON CONFLICT (name) DO UPDATE SET"
    " used = CASE WHEN b.window_start >= EXCLUDED.window_start"
    "  THEN LEAST(b.used + CAST(?2 AS BIGINT), CAST(?3 AS BIGINT)) ELSE EXCLUDED.used END,"
    " granted = CASE WHEN b.window_start >= EXCLUDED.window_start"
    "  THEN LEAST(b.used + CAST(?2 AS BIGINT), CAST(?3 AS BIGINT)) - b.used ELSE EXCLUDED.used END,"
    " window_start = GREATEST(b.window_start, EXCLUDED.window_start)"
    " RETURNING granted, window_start, extract(epoch FROM clock_timestamp())::float8 AS now, used"
)


@dataclass(frozen=True, slots=True)
class Grant:
    tokens: int  # how many requests may start in `window` (0: it is spent)
    window: int  # the window's start, whole seconds of the database's clock
    now: float  # the database's clock when granted, seconds
    used: int  # the window's tokens taken so far, these included: they are its last `tokens`


class RateBudgetStore(Store):
    @property
    def shared(self) -> bool:
        """Whether several processes can share this store (PostgreSQL); on SQLite one process
        runs and its own pacing is the whole budget."""
        return self.db.dialect == "postgresql"

    async def grant(self, want: int, budget: int, name: str = GLOBAL) -> Grant:
        """Take up to `want` of the current window's `budget` requests."""
        async with self.db.transaction():
            row = await self.db.fetchone(PG_GRANT, (name, want, budget))
        assert row is not None  # an upsert with RETURNING always returns its row
        return Grant(int(row[0]), int(row[1]), float(row[2]), int(row[3]))
