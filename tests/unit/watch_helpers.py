"""A release watch on the test store with a clock the test moves, for the watch unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.services import Services
from bot.store.watch import WatchStore
from bot.watch.fetch import Fetcher
from bot.watch.service import WatchService, WatchSettings
from tests.conftest import NO_FEEDS


class Clock:
    """Stands still at 2026-11-22 12:00 UTC until the test advances it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@asynccontextmanager
async def clocked_watch(
    services: Services,
    releases_dir: Path,
    *,
    timeout: float,
    provisional: bool = False,
    **settings: Any,
) -> AsyncIterator[WatchService]:
    """A WatchService on `services`' store that may fetch from 127.0.0.1; its clock is
    `service.clock_control`. `provisional`: announced models the catalog lacks get records."""
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        service = WatchService(
            WatchStore(services.db),
            services.lookups,
            Fetcher(session, timeout=timeout, retries=0, allow_private=True),
            clock,
            WatchSettings(NO_FEEDS, releases_dir, **settings),
            catalog=services.catalog if provisional else None,
        )
        service.clock_control = clock  # the test moves time through it
        yield service
