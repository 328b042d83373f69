"""The composition root: config -> store -> core -> front ends (Discord or the console)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.config import Config, ConfigError
from bot.core.clock import Clock, utc_now
from bot.core.fitting import FitService
from bot.core.leadership import Leadership, default_process_name
from bot.core.lookups import Lookups
from bot.core.upkeep import StoreUpkeep
from bot.curation.service import CurationService
from bot.digest.service import DigestService
from bot.follow.service import FollowService
from bot.importers.bundled import DATA_DIR, load_bundled_if_empty
from bot.outbox.outbox import Outbox
from bot.render.charts import ChartRenderer
from bot.services import Services
from bot.store import CatalogStore
from bot.store.backends import AnyDatabase, open_database
from bot.store.curation import CurationStore
from bot.store.digests import DigestStore
from bot.store.follows import FollowStore
from bot.store.leases import LeaseStore
from bot.store.outbox import OutboxStore
from bot.store.sync import SyncStore
from bot.store.watch import WatchStore
from bot.sync.engine import SyncEngine
from bot.sync.hub_run import configured_adapters
from bot.watch.fetch import Fetcher, feed_session
from bot.watch.parser_pool import Parser, make_parser
from bot.watch.service import WatchService, WatchSettings

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_services(
    config: Config, *, load_bundled: bool = True, clock: Clock = utc_now
) -> AsyncIterator[Services]:
    """Open the store (importing the bundled data into an empty one) and build the core."""
    db = await open_database(config)
    session = feed_session(allow_private=config.watch.allow_private_feed_hosts)
    sync_session = feed_session(allow_private=config.sync.allow_private_hosts)
    parser = make_parser(config.watch.parse_workers, config.watch.parse_timeout)
    try:
        store = CatalogStore(db)
        if load_bundled:
            await load_bundled_if_empty(store)
        lookups = Lookups(store)
        await lookups.refresh()
        outbox = Outbox(OutboxStore(db), clock)
        watch = _watch_service(config, db, lookups, session, clock, parser, outbox, store)
        if config.watch.enabled:
            await watch.start_up()
        digests = DigestService(DigestStore(db), watch, clock, outbox)
        curation = CurationService(store, CurationStore(db), lookups, watch, clock)
        upkeep = StoreUpkeep(db, config.retention, clock)
        follow = FollowService(FollowStore(db), lookups, outbox, clock, config.follow)
        sync = _sync_engine(config, db, store, lookups, watch, sync_session, clock)
        charts = ChartRenderer(
            config.charts.enabled, config.charts.cache_entries, config.charts.max_bytes
        )
        yield Services(
            config,
            db,
            store,
            lookups,
            watch,
            digests,
            curation,
            outbox,
            upkeep,
            follow,
            sync,
            FitService(lookups),
            charts,
            _leadership(config, db, clock),
        )
    finally:
        parser.shutdown()
        await sync_session.close()
        await session.close()
        await db.close()


def _leadership(config: Config, db: AnyDatabase, clock: Clock) -> Leadership | None:
    """The leader lease of this process, when several share the store (`scale.enabled`;
    None: this process is the only one and does everything)."""
    scale = config.scale
    if not scale.enabled:
        return None
    return Leadership(
        LeaseStore(db),
        scale.process_name or default_process_name(),
        clock,
        lease_seconds=scale.lease_seconds,
        renew_seconds=scale.lease_renew_seconds,
    )


def _watch_service(
    config: Config,
    db: AnyDatabase,
    lookups: Lookups,
    session: aiohttp.ClientSession,
    clock: Clock,
    parser: Parser,
    outbox: Outbox,
    catalog: CatalogStore,
) -> WatchService:
    settings = config.watch
    fetcher = Fetcher(
        session,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_feed_bytes,
        allow_private=settings.allow_private_feed_hosts,
    )
    return WatchService(
        WatchStore(db),
        lookups,
        fetcher,
        clock,
        WatchSettings(
            feeds_file=settings.feeds_file or DATA_DIR / "feeds.yaml",
            releases_dir=settings.releases_dir or DATA_DIR / "releases",
            tick_seconds=settings.tick_seconds,
            failure_threshold=settings.failure_threshold,
            ops_channel_id=str(settings.ops_channel_id) if settings.ops_channel_id else None,
            allow_private_feed_hosts=settings.allow_private_feed_hosts,
            max_alerts_per_poll=settings.max_alerts_per_poll,
            edit_updated_alerts=settings.edit_updated_alerts,
        ),
        parser,
        outbox,
        catalog if settings.provisional_records else None,
    )


def _sync_engine(
    config: Config,
    db: AnyDatabase,
    catalog: CatalogStore,
    lookups: Lookups,
    watch: WatchService,
    session: aiohttp.ClientSession,
    clock: Clock,
) -> SyncEngine:
    """The live catalog's engine: its changes enter the watch through the watch's ingest."""
    settings = config.sync
    fetcher = Fetcher(
        session,
        timeout=settings.fetch_timeout,
        max_bytes=settings.max_bytes,
        allow_private=settings.allow_private_hosts,
    )
    ops = config.watch.ops_channel_id
    return SyncEngine(
        configured_adapters(config),
        SyncStore(db),
        catalog,
        lookups,
        watch.ingestor,
        watch.outbox,
        fetcher,
        clock,
        settings,
        CurationStore(db),
        str(ops) if ops else None,
    )


async def run_discord(config: Config) -> None:
    """Connect to Discord (or the endpoint the config points at) and serve until stopped."""
    import discord

    from bot.discordbot.client import ReleaseRadarBot, point_discord_at

    point_discord_at(config.discord)
    async with open_services(config) as services:
        bot = ReleaseRadarBot(services)
        # SIGTERM (docker stop, systemd) closes the bot cleanly: its loops stop and the leader
        # lease is given up, so another process takes over at once instead of after it runs out.
        closing: set[asyncio.Task[None]] = set()
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: closing.add(asyncio.create_task(bot.close()))
        )
        async with bot:
            try:
                await bot.start(config.token or "")
            except discord.LoginFailure as exc:
                raise ConfigError(f"DISCORD_TOKEN was refused by Discord: {exc}") from exc
            except discord.ConnectionClosed as exc:
                refusal = shard_refusal(exc.code, bot.shard_count)
                if refusal is None:
                    raise
                raise ConfigError(refusal) from exc


def shard_refusal(code: int | None, shard_count: int | None) -> str | None:
    """What an operator must change when Discord closes a shard for its sharding (else None)."""
    if code == 4011:
        return (
            f"key 'discord.shard_count': Discord closed the connection (4011 Sharding required):"
            f" a shard holds at most 2,500 guilds; {shard_count} shard(s) are too few. Raise"
            " discord.shard_count, or leave it unset to take the count Discord recommends"
        )
    if code == 4010:
        return (
            f"key 'discord.shard_count': Discord closed the connection (4010 Invalid shard):"
            f" shard_count {shard_count} is not the count the bot's other processes use, or a"
            " shard id is not below it; give every process the same discord.shard_count"
        )
    return None
