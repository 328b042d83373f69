"""When a digest is due: local wall-clock slots in the channel's time zone, stored in UTC.

Slots are computed from local dates, so a daylight-saving change neither skips nor doubles a
digest: each local day (or week) has exactly one slot. A slot at a time that does not exist that
day (the spring-forward gap) moves forward by the gap; at an ambiguous time (fall back) the first
occurrence is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import UserError

FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    frequency: str  # daily | weekly
    at: time  # local wall-clock time
    zone: str  # IANA name
    weekday: int = 0  # 0 = Monday; weekly only

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def period(self) -> timedelta:
        return timedelta(days=7 if self.frequency == "weekly" else 1)

    def slot_on(self, day: date) -> datetime:
        """The UTC instant of the slot on local `day`. With fold=0 an ambiguous time is its
        first occurrence, and a time inside a spring-forward gap is read with the offset before
        the gap, which lands just after it: the forward move we want."""
        return datetime.combine(day, self.at, tzinfo=self.tz).astimezone(UTC)

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment` (UTC)."""
        local_day = moment.astimezone(self.tz).date()
        for offset in range(0, 9):
            day = local_day + timedelta(days=offset)
            if self.frequency == "weekly" and day.weekday() != self.weekday:
                continue
            slot = self.slot_on(day)
            if slot > moment:
                return slot
        raise AssertionError("no slot within nine days")  # unreachable for daily/weekly

    def describe(self) -> str:
        when = (
            f"every {WEEKDAYS[self.weekday].title()}" if self.frequency == "weekly" else "every day"
        )
        return f"{when} at {self.at.strftime('%H:%M')} ({self.zone})"


def parse_schedule(frequency: str, at: str, zone: str, day: str | None = None) -> Schedule:
    """Validate user input into a Schedule; every problem is a clear message."""
    frequency = (frequency or "").strip().lower()
    if frequency not in FREQUENCIES:
        raise UserError("Frequency must be daily or weekly.")
    try:
        hours, minutes = (int(part) for part in at.strip().split(":"))
        wall = time(hours, minutes)
    except (ValueError, AttributeError):
        raise UserError("Time '{}' is not a 24-hour time like 09:00.", str(at)[:20]) from None
    zone = (zone or "").strip()
    if zone not in available_zones():
        raise UserError(
            "'{}' is not an IANA time zone name (for example Europe/Berlin).", zone[:60]
        )
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("Time zone '{}' is not available on this system.", zone[:60]) from None
    weekday = 0
    if frequency == "weekly":
        name = (day or "monday").strip().lower()
        matches = (
            [i for i, w in enumerate(WEEKDAYS) if w.startswith(name[:3])] if len(name) >= 3 else []
        )
        if not matches:
            raise UserError("'{}' is not a weekday (Monday ... Sunday).", str(day)[:20])
        weekday = matches[0]
    return Schedule(frequency, wall, zone, weekday)


@lru_cache(maxsize=1)
def available_zones() -> frozenset[str]:
    """The IANA zone names this system knows (read once)."""
    return frozenset(available_timezones())
