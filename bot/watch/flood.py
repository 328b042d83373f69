"""Flood control: how many of one poll's alerts a channel gets, and what stands for the rest.

A feed that dumps hundreds of items at once (a site migration, a re-published archive) would
otherwise queue one alert, and one role ping, per item per channel. Each channel gets at most
`cap` alerts per ingest batch, the newest ones; the rest are summed up in one message per
channel and source. Only alerts are capped: every entry is stored and reaches the digests.
Alerts keep their subscription's role ping, so a channel hears at most `cap` pings per poll;
the summary never pings (`WatchStore.pending` gives it no role).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

SUMMARY_KIND = "alert_summary"
DEFAULT_CAP = 5  # the default of the `watch.max_alerts_per_poll` config key


@dataclass(frozen=True)
class Planned:
    """An alert a subscription wants for a new entry, before the cap."""

    entry_id: int
    channel_id: str
    subscription_id: int
    paused: bool
    source_key: str
    source_name: str
    when: datetime  # the item's date, or the poll's moment when it has none


def split(
    planned: Sequence[Planned], cap: int
) -> tuple[list[Planned], dict[tuple[str, str], list[Planned]]]:
    """The alerts to queue (each channel's `cap` newest, in the given order) and the rest,
    grouped by (channel, source key) in the given order. Equal dates favour the earlier
    position: feeds list their newest first."""
    positions: dict[str, list[int]] = {}
    for position, alert in enumerate(planned):
        positions.setdefault(alert.channel_id, []).append(position)
    keep: set[int] = set()
    for channel_positions in positions.values():
        newest = sorted(channel_positions, key=lambda p: (planned[p].when, -p), reverse=True)
        keep.update(newest[:cap])
    alerted = [alert for position, alert in enumerate(planned) if position in keep]
    rest: dict[tuple[str, str], list[Planned]] = {}
    for position, alert in enumerate(planned):
        if position not in keep:
            rest.setdefault((alert.channel_id, alert.source_key), []).append(alert)
    return alerted, rest


def summary_key(rest: Sequence[Planned]) -> str:
    """The summary's outbox dedupe key: its channel, its source and the first entry it stands
    for, which is new in this batch, so the key is unique to this poll and stable on a retry."""
    first = rest[0]
    return f"alert-summary:{first.source_key}:{first.channel_id}:{first.entry_id}"
