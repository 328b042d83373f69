"""The release-watch service: start-up sync, the poll/send loop, and subscription management."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.core.clock import Clock, iso
from bot.core.delivery import Delivery
from bot.core.errors import UserError, channel_ref
from bot.core.index import NameIndex
from bot.core.lookups import Lookups
from bot.core.periodic import run_periodically
from bot.outbox.keys import alert_key
from bot.outbox.outbox import Outbox
from bot.outbox.sender import Poster
from bot.render.alerts import render_alert, render_alert_summary, render_notice
from bot.render.cards import Reply
from bot.store.catalog import CatalogStore
from bot.store.outbox import HeldRecord, OutboxRecord, OutboxStore
from bot.store.watch import SourceDef, WatchStore
from bot.watch.addresses import NOT_ALLOWED, url_refusal
from bot.watch.alerts import build_alert
from bot.watch.edits import EDIT_KIND
from bot.watch.fetch import Fetcher
from bot.watch.filters import EntryFacts, Filters, matches
from bot.watch.flood import (
    DEFAULT_CAP,
    SUMMARY_KIND,
    HeldSummary,
    Planned,
    feed_urls,
    queue_summary,
    release_held,
)
from bot.watch.ingest import Ingestor, IngestReport, entry_facts
from bot.watch.parser_pool import Parser
from bot.watch.poller import FeedPoller
from bot.watch.provisional import ProvisionalRecords
from bot.watch.records import FeedStatus, Subscription, feed_status_of
from bot.watch.sources import load_curated, load_feed_sources

log = logging.getLogger(__name__)

MAX_BACKLOG = 10
MAX_SUBSCRIPTIONS_PER_GUILD = 25


@dataclass(frozen=True)
class WatchSettings:
    feeds_file: Path
    releases_dir: Path
    tick_seconds: float = 30.0
    failure_threshold: int = 5
    ops_channel_id: str | None = None
    allow_private_feed_hosts: bool = False
    max_alerts_per_poll: int = DEFAULT_CAP
    edit_updated_alerts: bool = True  # an item its source updates edits its posted alerts


class WatchService:
    def __init__(
        self,
        store: WatchStore,
        lookups: Lookups,
        fetcher: Fetcher,
        clock: Clock,
        settings: WatchSettings,
        parser: Parser | None = None,
        outbox: Outbox | None = None,
        catalog: CatalogStore | None = None,
    ) -> None:
        """`catalog`, when given, takes the provisional records of announced models."""
        self.store = store
        # The composition root hands in the one outbox; a service built alone gets its own.
        self.outbox = outbox or Outbox(OutboxStore(store.db), clock)
        self.lookups = lookups
        self.clock = clock
        self.settings = settings
        models: Callable[[], NameIndex] = lambda: lookups.models  # noqa: E731 - always the fresh index
        self.ingestor = Ingestor(
            store,
            self.outbox,
            models,
            clock,
            max_alerts=settings.max_alerts_per_poll,
            edit_alerts=settings.edit_updated_alerts,
            provisional=ProvisionalRecords(catalog, models) if catalog is not None else None,
            on_catalog_change=lookups.refresh,
        )
        self.poller = FeedPoller(
            store,
            self.outbox,
            fetcher,
            self.ingestor,
            clock,
            threshold=settings.failure_threshold,
            ops_channel_id=settings.ops_channel_id,
            parser=parser,
            on_new=self.outbox.deliver_soon,
        )
        self.outbox.register("alert", self._render_alert, self._alerts_unavailable, "alert")
        self.outbox.register(SUMMARY_KIND, _render_summary, self._alerts_unavailable, "alert")
        self.outbox.register(
            EDIT_KIND, self._render_alert_edit, self._alerts_unavailable, "alert", edits=True
        )

    def attach_poster(self, poster: Poster) -> None:
        """Give the outbox a way to post (the Discord adapter); without one nothing is sent."""
        self.outbox.attach_poster(poster)

    async def _alerts_unavailable(self, row: OutboxRecord, reason: str) -> None:
        """Pause the channel's subscriptions (their alerts are held) and tell the admins where
        each subscription was made."""
        channel = row.channel_id
        async with self.store.transaction():
            for sub in await self.store.pause_subscriptions_of_channel(channel, reason):
                await self.tell_admins(
                    sub.notify_channel_id,
                    channel,
                    f"paused:{sub.id}:{row.id}",  # ids of removed subscriptions are reused
                    "Release alerts paused",
                    f"Release alerts to <#{channel}> are paused: {{}}. Nothing is lost: once "
                    f"the channel works again, run `/watch resume id:{sub.id}` and the held "
                    "alerts follow.",
                    reason,
                )
        log.warning("alerts to channel %s paused: %s", channel, reason)

    async def tell_admins(
        self, target: str | None, about: str, key: str, title: str, text: str, *parts: str
    ) -> None:
        """Queue a notice to `target`, the channel where the admins set something up for
        channel `about` (inside the caller's transaction); `parts` fill the `{}` in `text`
        and are escaped when it is rendered. Nothing when there is no such channel, or it is
        the troubled channel itself."""
        if target and target != about:
            await self.outbox.notice(key, target, iso(self.clock()), title, text, parts)

    async def start_up(self) -> IngestReport:
        """Sync the bundled sources and ingest the curated entries (idempotent)."""
        if self.settings.feeds_file.exists():
            await self.store.sync_bundled_sources(load_feed_sources(self.settings.feeds_file))
        curated = load_curated(sorted(self.settings.releases_dir.glob("*.yaml")))
        return await self.ingestor.ingest([c.as_item() for c in curated])

    async def run(self, stop: asyncio.Event) -> None:
        """Poll due sources and drain the outbox until `stop` is set; the polls still under
        way are cancelled then."""
        try:
            await run_periodically(
                self.tick,
                self.settings.tick_seconds,
                stop,
                wake=self.outbox.woken,
                label="release watch round",
            )
        finally:
            await self.poller.stop()

    def wake(self) -> None:
        """Run a round now (after a curator adds a release, for example)."""
        self.outbox.wake()

    async def tick(self) -> None:
        """Start the polls of the due sources and drain the outbox, without waiting for the
        polls: each delivers its alerts itself (`_deliver_soon`) as its round settles."""
        await self.poller.start_due()
        await self.drain()

    async def drain(self) -> int:
        return await self.outbox.drain()

    async def _render_alert(self, row: OutboxRecord) -> Reply | None:
        if row.entry_id is None:
            return None
        alert = await build_alert(self.store, self.lookups, row.entry_id)
        return None if alert is None else render_alert(alert, await self.labels(row.entry_id))

    async def labels(self, entry_id: int) -> tuple[str, ...]:
        """What an entry's forum tags are chosen from: its organisation(s), the openness of
        its models, and its type."""
        entry = await self.store.entry(entry_id)
        facts = await self.entry_facts(entry_id)
        if entry is None or facts is None:
            return ()
        orgs = [entry.org] if entry.org else []
        return (*orgs, *sorted(facts.orgs), *sorted(facts.openness), entry.type)

    async def _render_alert_edit(self, row: OutboxRecord) -> Reply | None:
        """A posted alert as its entry reads now, with the "updated" note."""
        if row.entry_id is None:
            return None
        alert = await build_alert(self.store, self.lookups, row.entry_id)
        return None if alert is None else render_alert(alert, edited=True)

    # ---- subscriptions ----------------------------------------------------------------------

    async def subscribe(
        self,
        guild_id: str,
        channel_id: str,
        filters: Filters,
        *,
        role_id: str | None,
        notify_channel_id: str | None,
        user_id: str,
        backlog: int = 0,
        target: Delivery | None = None,
    ) -> tuple[int, int]:
        """Create a subscription; queue the last `backlog` matching entries. (id, queued).
        `target`: how the channel takes alerts (a forum, a thread per alert ...); it becomes
        the channel's for all its subscriptions."""
        if not 0 <= backlog <= MAX_BACKLOG:
            raise UserError("The backlog must be between 0 and {}.", MAX_BACKLOG)
        existing = await self.store.subscriptions(guild_id)
        if len(existing) >= MAX_SUBSCRIPTIONS_PER_GUILD:
            raise UserError(
                "This server already has {} subscriptions; remove one first.",
                MAX_SUBSCRIPTIONS_PER_GUILD,
            )
        orgs = tuple([await self.store.canonical_org(o) for o in filters.orgs])
        filters = replace(filters, orgs=orgs)
        for sub in existing:
            if sub.channel_id == channel_id and sub.filters == filters:
                raise UserError(
                    channel_ref(channel_id) + " already has this subscription (id {}).", sub.id
                )
        now = iso(self.clock())
        queued = 0
        async with self.store.transaction():
            sub_id = await self.store.add_subscription(
                guild_id, channel_id, filters.to_json(), role_id, notify_channel_id, user_id, now
            )
            if target is not None:
                await self.outbox.targets.save(
                    replace(target, channel_id=channel_id, guild_id=guild_id, purpose="alert"), now
                )
            if backlog:
                queued = await self._queue_backlog(sub_id, channel_id, filters, backlog, now)
        self.wake()
        return sub_id, queued

    async def unsubscribe(self, guild_id: str, subscription_id: int) -> None:
        """Remove the guild's subscription and drop its queued and held alerts, in one
        transaction; a UserError, changing nothing, if the guild has no such subscription."""
        async with self.store.transaction():
            if not await self.store.remove_subscription(guild_id, subscription_id):
                raise _no_subscription(subscription_id)

    async def resume(self, guild_id: str, subscription_id: int) -> int:
        """Resume the guild's paused subscription; its held alerts follow, flood control applied
        to them all at once: each channel's newest `max_alerts_per_poll`, and one summary per
        source for the rest (their entries stay for the digests). How many posts follow."""
        async with self.store.transaction():
            held = await self.outbox.store.held_of_subscription(guild_id, subscription_id)
            summaries = release_held(
                [(r.id, _planned(r)) for r in held if r.kind == "alert" and r.moment],
                [_held_summary(r) for r in held if r.kind == SUMMARY_KIND],
                self.settings.max_alerts_per_poll,
            )
            replaced = [outbox_id for s in summaries for outbox_id in s.replaces]
            released = await self.store.resume_subscription(
                guild_id, subscription_id, replaced, "flood control: summed up on resume"
            )
            if released is None:
                raise _no_subscription(subscription_id)
            now = iso(self.clock())
            urls = await feed_urls(self.store, (s.source_key for s in summaries))
            for s in summaries:
                released += await queue_summary(
                    self.outbox,
                    urls[s.source_key],
                    s.key,
                    s.channel_id,
                    s.source_key,
                    s.source_name,
                    s.count,
                    subscription_id,
                    now,
                )
        self.wake()
        return released

    async def _queue_backlog(
        self, sub_id: int, channel_id: str, filters: Filters, count: int, now: str
    ) -> int:
        queued = 0
        for entry_id in await self.store.latest_entries(200):
            if queued >= count:
                break
            facts = await self.entry_facts(entry_id)
            if facts is not None and matches(filters, facts):
                queued += await self.outbox.enqueue(
                    alert_key(entry_id, channel_id),
                    "alert",
                    channel_id,
                    now,
                    entry_id=entry_id,
                    subscription_id=sub_id,
                )
        return queued

    async def entry_facts(self, entry_id: int) -> EntryFacts | None:
        entry = await self.store.entry(entry_id)
        if entry is None:
            return None
        model_ids = await self.store.entry_model_ids(entry_id)
        return await entry_facts(
            self.store,
            entry.org,
            entry.type,
            entry.title,
            entry.summary or "",
            model_ids,
            bool(await self.store.entry_news(entry_id)),
        )

    async def sample_alert(self) -> Reply:
        """The newest entry as an alert, for `/watch test`."""
        latest = await self.store.latest_entries(1)
        alert = await build_alert(self.store, self.lookups, latest[0]) if latest else None
        if alert is None:
            return render_notice("Release Radar test", "Alerts will look like this; no entry yet.")
        return render_alert(alert)

    async def add_source(self, source: SourceDef, user_id: str) -> None:
        """Add a curator's feed source; one on a host feeds may not be fetched from is refused."""
        refusal = url_refusal(source.url, allow_private=self.settings.allow_private_feed_hosts)
        if refusal == NOT_ALLOWED:
            raise UserError(
                "That feed URL is refused: address not allowed. Feeds must be on a public host."
            )
        if refusal is not None:
            raise UserError("That feed URL is refused: it {}.", refusal)
        if not await self.store.add_source(source, user_id):
            raise UserError("A source with the key '{}' already exists.", source.key)
        self.wake()

    async def subscriptions(self, guild_id: str) -> list[Subscription]:
        """The server's release-alert subscriptions, oldest first."""
        return await self.store.subscriptions(guild_id)

    async def targets(self, guild_id: str) -> dict[str, Delivery]:
        """How the server's channels take alerts (forums, threads ...), by channel id."""
        return await self.outbox.targets.of_guild(guild_id, "alert")

    async def feed_statuses(self) -> list[FeedStatus]:
        """Every feed source with its polling health, by name."""
        return [feed_status_of(row) for row in await self.store.sources()]

    async def remove_source(self, key: str) -> bool:
        """Remove a feed source (its entries stay); False if no source has that key."""
        return await self.store.remove_source(key)


async def _render_summary(row: OutboxRecord) -> Reply | None:
    data = row.payload
    return render_alert_summary(data["source"], data["count"], data.get("url"))


def _planned(row: HeldRecord) -> Planned:
    """A held alert as flood control sees it."""
    assert row.entry_id is not None and row.moment is not None  # alerts have entries
    return Planned(
        row.entry_id,
        row.channel_id,
        row.subscription_id,
        False,
        row.source_key or "",
        row.source_name or "",
        datetime.fromisoformat(row.moment),
    )


def _held_summary(row: HeldRecord) -> HeldSummary:
    """A held summary; its source key is in its dedupe key (`flood.summary_key`)."""
    data = row.payload
    source_key = row.dedupe_key.split(":")[1]
    return HeldSummary(row.id, row.channel_id, source_key, data["source"], data["count"])


def _no_subscription(subscription_id: int) -> UserError:
    return UserError("This server has no subscription {}. See `/watch list`.", subscription_id)
