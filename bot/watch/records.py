"""Typed records of the watch data that services hand to adapters (cogs, render)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.watch.filters import Filters


@dataclass(frozen=True)
class Subscription:
    """A server's release-alert subscription."""

    id: int
    channel_id: str
    filters: Filters
    role_id: str | None
    paused: bool
    pause_reason: str | None


@dataclass(frozen=True)
class FeedStatus:
    """A feed source and its polling health."""

    key: str
    name: str
    kind: str
    poll_minutes: int
    paused: bool
    consecutive_failures: int
    last_error: str | None
    last_success: str | None  # ISO 8601 UTC, None until the first good poll


def subscription_of(row: Any) -> Subscription:
    """A subscriptions row as a record (the filters column is JSON)."""
    return Subscription(
        row["id"],
        row["channel_id"],
        Filters.from_json(json.loads(row["filters"])),
        row["role_id"] or None,
        bool(row["paused"]),
        row["pause_reason"],
    )


def feed_status_of(row: Any) -> FeedStatus:
    """A feed_sources row as a record."""
    return FeedStatus(
        row["key"],
        row["name"],
        row["kind"],
        row["poll_minutes"],
        bool(row["paused"]),
        row["consecutive_failures"] or 0,
        row["last_error"],
        row["last_success"],
    )
