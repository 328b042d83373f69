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


@dataclass(frozen=True)
class StoryCandidate:
    """An entry that may be the same story as a new item (`WatchStore.story_candidates`)."""

    item: int  # the index of the item it was found for
    id: int
    title_key: str
    title_numbers: str
    type: str
    moment: str  # its date, else when it was first seen (ISO 8601 UTC)
    models: frozenset[int]  # filled for candidates found by model


@dataclass(frozen=True)
class ReportedEntry:
    """An entry a source reported, as the re-guid check compares it."""

    id: int
    title_key: str
    summary: str | None
    published: str | None
    seen_at: str  # when the source first reported it


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
