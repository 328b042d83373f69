"""Typed records of digest schedules that services hand to adapters (cogs, render)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from bot.digest.schedule import Schedule
from bot.watch.filters import Filters


@dataclass(frozen=True)
class DigestSchedule:
    """A channel's digest schedule."""

    channel_id: str
    schedule: Schedule
    filters: Filters
    next_run: datetime
    paused_reason: str | None


def schedule_of(row: Any) -> Schedule:
    """The schedule of a digest_schedules row."""
    hours, minutes = (int(p) for p in row["at"].split(":"))
    return Schedule(row["frequency"], time(hours, minutes), row["zone"], row["weekday"])


def digest_schedule_of(row: Any) -> DigestSchedule:
    """A digest_schedules row as a record (the filters column is JSON)."""
    return DigestSchedule(
        row["channel_id"],
        schedule_of(row),
        Filters.from_json(json.loads(row["filters"])),
        datetime.fromisoformat(row["next_run"]),
        row["paused_reason"] or None,
    )
