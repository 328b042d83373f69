"""The composition root: config -> store -> core -> front ends (Discord or the console)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config import Config
from bot.core.lookups import Lookups
from bot.importers.bundled import load_bundled_if_empty
from bot.store import CatalogStore, Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a front end needs, built once per process."""

    config: Config
    db: Database
    store: CatalogStore
    lookups: Lookups


@asynccontextmanager
async def open_services(config: Config, *, load_bundled: bool = True) -> AsyncIterator[Services]:
    """Open the store (importing the bundled data into an empty one) and build the core."""
    db = await Database.open(config.database)
    try:
        store = CatalogStore(db)
        if load_bundled:
            await load_bundled_if_empty(store)
        lookups = Lookups(store)
        await lookups.refresh()
        yield Services(config, db, store, lookups)
    finally:
        await db.close()


async def run_discord(config: Config) -> None:
    """Connect to Discord (or the endpoint the config points at) and serve until stopped."""
    from bot.discordbot.client import ReleaseRadarBot, point_discord_at

    point_discord_at(config.discord)
    async with open_services(config) as services:
        bot = ReleaseRadarBot(services)
        async with bot:
            await bot.start(config.token or "")
