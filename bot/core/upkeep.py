"""Store upkeep on a schedule: retention (what piles up over the years is pruned) and tidying
(PRAGMA optimize always, VACUUM when enough of the file is free pages).

One round is one unit of work for the pruning, so a failed round leaves the store as it was;
VACUUM runs after it, outside any transaction (it holds off writes while it runs).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import RetentionConfig
from bot.core.clock import Clock, iso
from bot.core.periodic import run_periodically
from bot.store.backends import AnyDatabase
from bot.store.outbox import OutboxStore
from bot.store.watch import WatchStore

log = logging.getLogger(__name__)

# VACUUM rewrites the whole file: only worth it once this share of it is free pages (pruning
# frees pages that new rows reuse, so a store in its steady state rarely gets there).
VACUUM_FREE_SHARE = 0.25


@dataclass(frozen=True)
class UpkeepReport:
    outbox_rows: int = 0  # sent, given up, or notices, deleted
    bodies_trimmed: int = 0
    identities_forgotten: int = 0
    vacuumed: bool = False


class StoreUpkeep:
    def __init__(self, db: AnyDatabase, settings: RetentionConfig, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._watch = WatchStore(db)
        self._outbox = OutboxStore(db)

    async def run(self, stop: asyncio.Event) -> None:
        """A round now, then every `upkeep_hours`, until `stop` is set."""
        await run_periodically(
            self.once, self.settings.upkeep_hours * 3600, stop, label="store upkeep round"
        )

    async def once(self) -> UpkeepReport:
        """Prune what is past its retention, PRAGMA optimize, and VACUUM if worth it."""
        now, keep = self.clock(), self.settings
        async with self.db.transaction():
            outbox_rows = await self._outbox.prune(
                iso(now - timedelta(days=keep.sent_outbox_days)),
                iso(now - timedelta(days=keep.notice_days)),
            )
            trimmed = await self._watch.trim_bodies(iso(now - timedelta(days=keep.entry_body_days)))
            forgotten = await self._watch.forget_identities(
                iso(now - timedelta(days=keep.identity_days))
            )
        await self.db.optimize()
        vacuumed = await self._vacuum_due(now)
        if vacuumed:
            await self.db.vacuum()
            await self.db.note_done("vacuum", iso(now))
        report = UpkeepReport(outbox_rows, trimmed, forgotten, vacuumed)
        if outbox_rows or trimmed or forgotten or vacuumed:
            log.info("store upkeep: %s", report)
        return report

    async def _vacuum_due(self, now: datetime) -> bool:
        """Every `vacuum_days` (trimmed rows leave room inside pages that only VACUUM gives
        back), or sooner once a quarter of the file is free pages. The first round of a new
        store only starts the count."""
        if await self.db.free_share() >= VACUUM_FREE_SHARE:
            return True
        last = await self.db.last_done("vacuum")
        if last is None:
            await self.db.note_done("vacuum", iso(now))
            return False
        return now - datetime.fromisoformat(last) >= timedelta(days=self.settings.vacuum_days)
