"""Typed records of digest schedules that services hand to adapters (cogs, render)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.digest.schedule import Schedule
from bot.store.digests import ScheduleRecord
from bot.watch.filters import Filters


@dataclass(frozen=True)
class DigestSchedule:
    """A channel's digest schedule."""

    channel_id: str
    schedule: Schedule
    filters: Filters
    next_run: datetime
    paused_reason: str | None


def schedule_of(record: ScheduleRecord) -> Schedule:
    """The schedule of a stored digest schedule."""
    hours, minutes = (int(p) for p in record.at.split(":"))
    return Schedule(record.frequency, time(hours, minutes), record.zone, record.weekday)


def digest_schedule_of(record: ScheduleRecord) -> DigestSchedule:
    """A stored digest schedule as adapters see it."""
    return DigestSchedule(
        record.channel_id,
        schedule_of(record),
        Filters.from_json(record.filters),
        datetime.fromisoformat(record.next_run),
        record.paused_reason,
    )
