"""Digest schedules and firing them: each due slot becomes outbox rows in the same transaction
that moves the schedule on, so a digest is posted once however the process stops."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.clock import Clock, iso
from bot.core.delivery import Delivery
from bot.core.errors import UserError, channel_ref
from bot.core.periodic import run_periodically
from bot.digest.builder import DigestView, build_digest
from bot.digest.records import DigestSchedule, digest_schedule_of, schedule_of
from bot.digest.schedule import Schedule
from bot.outbox.outbox import Outbox
from bot.render.cards import Reply
from bot.render.digest import card_from_payload, card_to_payload, render_digest
from bot.render.threads import thread_title
from bot.store.digests import DigestStore, ScheduleRecord
from bot.store.outbox import OutboxRecord
from bot.watch.filters import Filters
from bot.watch.service import WatchService

log = logging.getLogger(__name__)

QUIET_CHOICES = ("line", "skip")
ROUND_SECONDS = 30.0  # how often due schedules are looked for


@dataclass(frozen=True)
class ScheduleSet:
    schedule_id: int
    next_run: datetime
    released: int  # digests held while the schedule was paused, now on their way


class DigestService:
    def __init__(
        self,
        store: DigestStore,
        watch: WatchService,
        clock: Clock,
        outbox: Outbox | None = None,
    ) -> None:
        self.store = store
        self.watch = watch
        self.clock = clock
        self.outbox = outbox or watch.outbox  # the one outbox the watch service posts through
        self.outbox.register("digest", _render_digest_row, self.channel_unavailable, "digest")

    async def set(
        self,
        guild_id: str,
        channel_id: str,
        schedule: Schedule,
        filters: Filters,
        quiet: str,
        user_id: str,
        notify_channel_id: str | None = None,
        target: Delivery | None = None,
    ) -> ScheduleSet:
        """Create or replace the channel's schedule. Replacing a paused one resumes it, and
        the digests held while it was paused are posted. `target`: how the channel takes
        digests (a forum post each, published in an announcement channel ...)."""
        if quiet not in QUIET_CHOICES:
            raise UserError("Quiet periods: 'line' (post a short line) or 'skip' (post nothing).")
        now = self.clock()
        next_run = schedule.next_after(now)
        async with self.store.db.transaction():  # one unit of work: schedule and outbox
            schedule_id = await self.store.upsert(
                guild_id,
                channel_id,
                schedule.frequency,
                schedule.weekday,
                schedule.at.strftime("%H:%M"),
                schedule.zone,
                filters.to_json(),
                quiet,
                iso(next_run),
                user_id,
                iso(now),
                notify_channel_id,
            )
            if schedule_id is None:
                raise UserError(channel_ref(channel_id) + " belongs to another server.")
            if target is not None:
                await self.outbox.targets.save(
                    replace(target, channel_id=channel_id, guild_id=guild_id, purpose="digest"),
                    iso(now),
                )
            released = await self.store.release_held(guild_id, channel_id)
        if released:
            self.outbox.wake()
        return ScheduleSet(schedule_id, next_run, released)

    async def off(self, guild_id: str, channel_id: str) -> None:
        """Stop the channel's digests; any held while it was paused are dropped."""
        async with self.store.db.transaction():
            if not await self.store.remove(guild_id, channel_id):
                raise UserError(channel_ref(channel_id) + " has no digest.")

    async def channel_unavailable(self, row: OutboxRecord, reason: str) -> None:
        """A digest found its channel gone or closed to the bot: pause the schedule, hold its
        digests (this one too) and tell the admins where the digest was set up."""
        channel = row.channel_id
        async with self.store.db.transaction():
            paused = await self.store.pause_channel(channel, reason)
            await self.outbox.hold(channel, "digest")
            for schedule in paused:
                await self.watch.tell_admins(
                    schedule.notify_channel_id,
                    channel,
                    f"digest-paused:{schedule.id}",
                    "Digests paused",
                    f"Digests to <#{channel}> are paused: {{}}. Nothing is lost: once the "
                    "channel works again, run `/digest set` for it again and the held digests "
                    "follow.",
                    reason,
                )
        log.warning("digests to channel %s paused: %s", channel, reason)

    async def _row(self, guild_id: str, channel_id: str) -> ScheduleRecord:
        row = await self.store.for_channel(guild_id, channel_id)
        if row is None:
            raise UserError(channel_ref(channel_id) + " has no digest. Set one with `/digest set`.")
        return row

    async def _render(
        self, row: ScheduleRecord, since: datetime, until: datetime, quiet: str
    ) -> Reply | None:
        view = await self._build(since, until, Filters.from_json(row.filters))
        return render_digest(view, row.zone, quiet=quiet)

    def _since(self, row: ScheduleRecord, until: datetime) -> datetime:
        """Since the previous digest; the first one covers the last period."""
        if row.last_period_end:
            return datetime.fromisoformat(row.last_period_end)
        return until - schedule_of(row).period

    async def preview(self, guild_id: str, channel_id: str) -> Reply:
        row = await self._row(guild_id, channel_id)
        now = self.clock()
        reply = await self._render(row, self._since(row, now), now, "line")
        assert reply is not None
        reply.ephemeral = True
        return reply

    async def post_now(self, guild_id: str, channel_id: str, request_id: str) -> int:
        """Queue a digest of everything since the last one, leaving the schedule as it is."""
        row = await self._row(guild_id, channel_id)
        now = self.clock()
        reply = await self._render(row, self._since(row, now), now, "line")
        async with self.store.db.transaction():
            queued = await self._enqueue(row, f"digest-now:{row.id}:{request_id}", reply, now)
        self.outbox.wake()
        return queued

    async def _build(self, since: datetime, until: datetime, filters: Filters) -> DigestView:
        watch = self.watch
        return await build_digest(
            watch.store, watch.entry_facts, watch.lookups, since, until, filters
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due schedules every `ROUND_SECONDS` until `stop` is set."""
        await run_periodically(self.run_due, ROUND_SECONDS, stop, label="digest round")

    async def run_due(self) -> int:
        """Fire every schedule whose slot has come; after downtime, one catch-up per channel."""
        now = self.clock()
        fired = 0
        for row in await self.store.due(iso(now)):
            reply = await self._render(row, self._since(row, now), now, row.quiet)
            next_run = schedule_of(row).next_after(now)
            async with self.store.db.transaction():
                # Compare-and-set on next_run: a concurrent round cannot fire the same slot.
                if not await self.store.advance(row.id, row.next_run, iso(next_run), iso(now)):
                    continue
                await self._enqueue(row, f"digest:{row.id}:{row.next_run}", reply, now)
            fired += 1
        if fired:
            self.outbox.wake()
        return fired

    async def _enqueue(
        self, row: ScheduleRecord, key: str, reply: Reply | None, now: datetime
    ) -> int:
        if reply is None:
            return 0
        queued = 0
        # In a forum the digest is one post: its first page opens it (titled with the
        # digest's heading and day), the later pages go into it.
        title = thread_title(
            f"{reply.pages[0].title} · {now.astimezone(ZoneInfo(row.zone)):%Y-%m-%d}"
        )
        for number, card in enumerate(reply.pages):
            payload = card_to_payload(card)
            payload["post_title"] = title
            if number:
                payload["in_post_of"] = f"{key}:0"
            queued += await self.outbox.enqueue(
                f"{key}:{number}",
                "digest",
                row.channel_id,
                iso(now),
                payload=payload,
                guild_id=row.guild_id,
            )
        return queued

    async def targets(self, guild_id: str) -> dict[str, Delivery]:
        """How the server's channels take digests (forums, announcement ...), by channel id."""
        return await self.outbox.targets.of_guild(guild_id, "digest")

    async def schedules(self, guild_id: str) -> list[DigestSchedule]:
        """The server's digest schedules, oldest first."""
        return [digest_schedule_of(row) for row in await self.store.for_guild(guild_id)]

    async def window(self, since: datetime, until: datetime, filters: Filters, zone: str) -> Reply:
        """A digest for any window, for the offline command line."""
        view = await self._build(since, until, filters)
        reply = render_digest(view, zone, now=self.clock())
        assert reply is not None
        return reply


async def _render_digest_row(row: OutboxRecord) -> Reply | None:
    """A queued digest page: its card, as it was rendered when the digest fired."""
    return Reply(
        [card_from_payload(row.payload)],
        post_title=row.payload.get("post_title"),
        labels=("digest",),
    )
