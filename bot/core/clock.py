"""Time, injectable: the scheduler and the watch take a clock so tests never sleep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 text to the second: sorts correctly as text in SQLite."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()
