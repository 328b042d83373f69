"""Dedupe keys of outbox rows, written in one place: a key is queued at most once."""

from __future__ import annotations


def alert_key(entry_id: int, channel_id: str) -> str:
    """An entry's alert to one channel: once, however many subscriptions or polls match it."""
    return f"alert:{entry_id}:{channel_id}"


def notice_key(key: str, now: str) -> str:
    """A notice, once per key and moment."""
    return f"notice:{key}:{now}"
