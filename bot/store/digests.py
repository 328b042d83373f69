"""Digest schedules: the SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.store.backends import AnyDatabase


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    """A digest_schedules row, its filters column decoded from JSON."""

    id: int
    guild_id: str
    channel_id: str
    frequency: str  # daily | weekly
    weekday: int  # 0 = Monday
    at: str  # local wall-clock time, HH:MM
    zone: str  # IANA time zone
    filters: dict[str, Any]
    quiet: str  # line | skip
    next_run: str  # UTC ISO 8601
    last_period_end: str | None  # UTC; None before the first digest
    paused_reason: str | None  # None while active
    notify_channel_id: str | None  # where /digest set was run


def _schedule(row: aiosqlite.Row) -> ScheduleRecord:
    return ScheduleRecord(
        row["id"],
        row["guild_id"],
        row["channel_id"],
        row["frequency"],
        row["weekday"],
        row["at"],
        row["zone"],
        json.loads(row["filters"]),
        row["quiet"],
        row["next_run"],
        row["last_period_end"] or None,
        row["paused_reason"] or None,
        row["notify_channel_id"],
    )


class DigestStore:
    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def upsert(
        self,
        guild_id: str,
        channel_id: str,
        frequency: str,
        weekday: int,
        at: str,
        zone: str,
        filters: dict[str, Any],
        quiet: str,
        next_run: str,
        user_id: str,
        now: str,
        notify_channel_id: str | None = None,
    ) -> int | None:
        """Create or replace (and so resume) the guild's schedule for the channel, inside the
        caller's transaction; the last period end is kept on replace. None, changing nothing,
        when the channel's schedule belongs to another guild."""
        cursor = await self.db.execute(
            "INSERT INTO digest_schedules(guild_id, channel_id, frequency, weekday, at, zone,"
            " filters, quiet, next_run, created_by, created_at, notify_channel_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel_id) DO UPDATE SET"
            " frequency = excluded.frequency, weekday = excluded.weekday, at = excluded.at,"
            " zone = excluded.zone, filters = excluded.filters, quiet = excluded.quiet,"
            " next_run = excluded.next_run, notify_channel_id = excluded.notify_channel_id,"
            " paused_reason = NULL WHERE digest_schedules.guild_id = excluded.guild_id",
            (
                guild_id,
                channel_id,
                frequency,
                weekday,
                at,
                zone,
                json.dumps(filters, sort_keys=True),
                quiet,
                next_run,
                user_id,
                now,
                notify_channel_id,
            ),
        )
        if cursor.rowcount == 0:
            return None
        row = await self.db.fetchrow(
            "SELECT id FROM digest_schedules WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return int(row[0])

    async def release_held(self, guild_id: str, channel_id: str) -> int:
        """Queue again the digests held for the guild's schedule in the channel (inside the
        caller's transaction); returns how many. Another guild's channel matches no row."""
        cursor = await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = NULL WHERE channel_id = ?"
            " AND kind = 'digest' AND status = 'held' AND EXISTS (SELECT 1 FROM"
            " digest_schedules WHERE guild_id = ? AND channel_id = outbox.channel_id)",
            (channel_id, guild_id),
        )
        return cursor.rowcount

    async def for_guild(self, guild_id: str) -> list[ScheduleRecord]:
        """The guild's schedules, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM digest_schedules WHERE guild_id = ? ORDER BY id", (guild_id,)
        )
        return [_schedule(r) for r in rows]

    async def for_channel(self, guild_id: str, channel_id: str) -> ScheduleRecord | None:
        """The guild's schedule for the channel, if it has one."""
        row = await self.db.fetchone(
            "SELECT * FROM digest_schedules WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return None if row is None else _schedule(row)

    async def remove(self, guild_id: str, channel_id: str) -> bool:
        """Delete the guild's schedule for the channel and drop the digests held for it (inside
        the caller's transaction); False, changing nothing, if the guild has none there."""
        # Both statements name the guild: another guild's channel matches no row at all.
        await self.db.execute(
            "UPDATE outbox SET status = 'dropped' WHERE channel_id = ? AND kind = 'digest'"
            " AND status = 'held' AND EXISTS (SELECT 1 FROM digest_schedules"
            " WHERE guild_id = ? AND channel_id = outbox.channel_id)",
            (channel_id, guild_id),
        )
        cursor = await self.db.execute(
            "DELETE FROM digest_schedules WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
        return cursor.rowcount == 1

    async def pause_channel(self, channel_id: str, reason: str) -> list[ScheduleRecord]:
        """Pause the channel's active schedule (inside the caller's transaction); return what
        was newly paused."""
        rows = await self.db.fetchall(
            "SELECT * FROM digest_schedules WHERE channel_id = ? AND paused_reason IS NULL",
            (channel_id,),
        )
        await self.db.execute(
            "UPDATE digest_schedules SET paused_reason = ? WHERE channel_id = ?"
            " AND paused_reason IS NULL",
            (reason[:300], channel_id),
        )
        return [_schedule(r) for r in rows]

    async def due(self, now: str) -> list[ScheduleRecord]:
        """Active schedules whose next slot is at or before `now`, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM digest_schedules WHERE next_run <= ? AND paused_reason IS NULL"
            " ORDER BY next_run, id",
            (now,),
        )
        return [_schedule(r) for r in rows]

    async def advance(
        self, schedule_id: int, expected_next: str, next_run: str, period_end: str
    ) -> bool:
        """Move to the next slot; False if another round already did (the row changed)."""
        cursor = await self.db.execute(
            "UPDATE digest_schedules SET next_run = ?, last_period_end = ? WHERE id = ? AND next_run = ?",
            (next_run, period_end, schedule_id, expected_next),
        )
        return cursor.rowcount == 1
