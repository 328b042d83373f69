"""`Services`: what a front end (the Discord client, its cogs, the console) is handed.

The composition root (bot/app.py) builds it; front ends import it from here, so nothing
they import leads back to the root.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.core.fitting import FitService
from bot.core.leadership import Leadership
from bot.core.lookups import Lookups
from bot.core.upkeep import StoreUpkeep
from bot.curation.service import CurationService
from bot.digest.service import DigestService
from bot.follow.service import FollowService
from bot.outbox.outbox import Outbox
from bot.render.charts import ChartRenderer
from bot.store import CatalogStore
from bot.store.backends import AnyDatabase
from bot.sync.engine import SyncEngine
from bot.watch.service import WatchService


@dataclass
class Services:
    """Everything a front end needs, built once per process."""

    config: Config
    db: AnyDatabase
    catalog: CatalogStore
    lookups: Lookups
    watch: WatchService
    digests: DigestService
    curation: CurationService
    outbox: Outbox
    upkeep: StoreUpkeep  # retention and tidying of the store, a background loop
    follow: FollowService  # personal watchlists, by DM
    sync: SyncEngine  # the live catalog: maintained sources kept current, a background loop
    fit: FitService  # /fit: memory estimates from the catalog and data/fit/
    charts: ChartRenderer  # PNG charts beside /compare and /leaderboard, off the event loop
    # Which process leads (polls, syncs, schedules, keeps the store) when several share it.
    leadership: Leadership | None = None
