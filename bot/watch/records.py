"""Typed records of the watch data that services hand to adapters (cogs, render)."""

from __future__ import annotations

from dataclasses import dataclass

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
    guild_id: str = ""
    notify_channel_id: str | None = None  # where its admins are told of trouble
    created_at: str = ""  # ISO 8601 UTC


@dataclass(frozen=True)
class FeedSource:
    """A feed source as polling sees it: where it is, its conditional-GET state and health."""

    key: str
    name: str
    url: str
    kind: str
    org: str | None
    poll_minutes: int
    added_by: str | None
    etag: str | None
    last_modified: str | None
    last_success: str | None  # ISO 8601 UTC, None until the first good poll
    consecutive_failures: int
    last_error: str | None
    paused: bool
    body_hash: str | None  # of the body last parsed and ingested
    last_parsed: str | None
    next_poll: str | None
    entries_seen: int
    reguids_since: str | None  # flagged as re-issuing its items under new guids since then


@dataclass(frozen=True)
class StoredEntry:
    """A release-watch entry as stored."""

    id: int
    title: str
    link: str | None
    summary: str | None
    published: str | None  # ISO 8601 UTC, None when unknown
    type: str
    org: str | None
    first_seen: str
    backlog: bool
    updated_at: str | None = None  # when a feed last changed its text (None: never)


@dataclass(frozen=True)
class EntryText:
    """Where an entry's text came from and its hash as compared (bot/watch/edits.py); the
    hash is None for an entry stored before hashes were kept."""

    source_key: str | None
    text_hash: str | None


@dataclass(frozen=True)
class EntryUpdate:
    """An entry's new text, as its own source changed it."""

    entry_id: int
    title: str
    title_key: str
    title_numbers: str
    summary: str
    text_hash: str


@dataclass(frozen=True)
class EntrySource:
    """A source that reported an entry."""

    source_key: str
    source_name: str
    link: str | None


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


def feed_status_of(source: FeedSource) -> FeedStatus:
    """A feed source's polling health."""
    return FeedStatus(
        source.key,
        source.name,
        source.kind,
        source.poll_minutes,
        source.paused,
        source.consecutive_failures,
        source.last_error,
        source.last_success,
    )
