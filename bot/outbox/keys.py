"""Dedupe keys of outbox rows, written in one place: a key is queued at most once."""

from __future__ import annotations


def alert_key(entry_id: int, channel_id: str) -> str:
    """An entry's alert to one channel: once, however many subscriptions or polls match it."""
    return f"alert:{entry_id}:{channel_id}"


def notice_key(key: str, now: str) -> str:
    """A notice, once per key and moment."""
    return f"notice:{key}:{now}"


def edit_key(outbox_id: int, updated_at: str) -> str:
    """The edit of the message posted by outbox row `outbox_id` to an entry's text of
    `updated_at`: once per message and text (`edit_prefix` finds a message's edits)."""
    return f"{edit_prefix(outbox_id)}{updated_at}"


def edit_prefix(outbox_id: int) -> str:
    return f"edit:{outbox_id}:"
