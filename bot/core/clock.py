"""Time, injectable: the scheduler and the watch take a clock so tests never sleep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 text to the second: sorts correctly as text in SQLite."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def iso_end(moment: datetime) -> str:
    """`iso` rounded up to a whole second, for the open end of a window: what was stamped
    earlier in the same second (stamps drop their fraction) is still before it."""
    if moment.microsecond:
        moment += timedelta(seconds=1)
    return iso(moment)
