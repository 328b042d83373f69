"""Flood control: how many alerts a channel gets at once, and what stands for the rest.

A feed that dumps hundreds of items at once (a site migration, a re-published archive) would
otherwise queue one alert, and one role ping, per item per channel. Each channel gets at most
`cap` alerts per poll round (every source ingested in the same tick shares one `RoundBudget`),
the newest of each ingest while the budget lasts; the rest are summed up in one message per
channel and source. A paused channel's held alerts are capped again when it resumes
(`release_held`), so a long pause does not end in one burst. Only alerts are capped: every
entry is stored and reaches the digests. Alerts keep their subscription's role ping, so a
channel hears at most `cap` pings per round; the summary never pings (`WatchStore.pending`
gives it no role, see `OutboxStore.pending`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.outbox.outbox import Outbox
from bot.store.watch import WatchStore

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


class RoundBudget:
    """How many more alerts each channel may get in one poll round. The poller hands one to
    every ingest of a round; a lone ingest gets its own. An ingest that is rolled back keeps
    what it spent: its entries were not stored either and alert at a later poll."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._spent: dict[str, int] = {}

    def left(self, channel_id: str) -> int:
        return max(0, self.cap - self._spent.get(channel_id, 0))

    def spend(self, channel_id: str, count: int) -> None:
        self._spent[channel_id] = self._spent.get(channel_id, 0) + count


def split(
    planned: Sequence[Planned], budget: RoundBudget
) -> tuple[list[Planned], dict[tuple[str, str], list[Planned]]]:
    """The alerts to queue (each channel's newest, as many as its budget has left, in the given
    order; spent from the budget) and the rest, grouped by (channel, source key) in the given
    order. Equal dates favour the earlier position: feeds list their newest first."""
    positions: dict[str, list[int]] = {}
    for position, alert in enumerate(planned):
        positions.setdefault(alert.channel_id, []).append(position)
    keep: set[int] = set()
    for channel_id, channel_positions in positions.items():
        newest = sorted(channel_positions, key=lambda p: (planned[p].when, -p), reverse=True)
        kept = newest[: budget.left(channel_id)]
        budget.spend(channel_id, len(kept))
        keep.update(kept)
    alerted = [alert for position, alert in enumerate(planned) if position in keep]
    rest: dict[tuple[str, str], list[Planned]] = {}
    for position, alert in enumerate(planned):
        if position not in keep:
            rest.setdefault((alert.channel_id, alert.source_key), []).append(alert)
    return alerted, rest


@dataclass(frozen=True)
class HeldSummary:
    """A held "and N more" message: its outbox row, and the channel and source it counts for."""

    outbox_id: int
    channel_id: str
    source_key: str
    source_name: str
    count: int


@dataclass
class Summary:
    """One "and N more from SOURCE" message to queue in place of the held rows it replaces."""

    channel_id: str
    source_key: str
    source_name: str
    count: int = 0
    replaces: list[int] = field(default_factory=list)  # outbox ids, alerts and summaries

    @property
    def key(self) -> str:
        """Its outbox dedupe key: unique, since each replaced row is replaced only once."""
        return f"alert-summary:{self.source_key}:{self.channel_id}:resumed:{min(self.replaces)}"


def release_held(
    alerts: Sequence[tuple[int, Planned]], summaries: Sequence[HeldSummary], cap: int
) -> list[Summary]:
    """Flood control for held rows released at once (outbox ids with their alerts, and held
    summaries): each channel keeps its `cap` newest alerts; the others, with the held summaries
    of their source, are replaced by one summary per channel and source. A held summary with
    nothing to merge stays as it is."""
    ids = {(alert.entry_id, alert.channel_id): outbox_id for outbox_id, alert in alerts}
    _, rest = split([alert for _, alert in alerts], RoundBudget(cap))
    merged: dict[tuple[str, str], Summary] = {}
    for (channel_id, source_key), held_back in rest.items():
        summary = merged[channel_id, source_key] = Summary(
            channel_id, source_key, held_back[0].source_name
        )
        summary.count = len(held_back)
        summary.replaces = [ids[a.entry_id, a.channel_id] for a in held_back]
    for held in summaries:
        summary = merged.setdefault(
            (held.channel_id, held.source_key),
            Summary(held.channel_id, held.source_key, held.source_name),
        )
        summary.count += held.count
        summary.replaces.append(held.outbox_id)
    alert_ids = set(ids.values())
    return [s for s in merged.values() if len(s.replaces) > 1 or s.replaces[0] in alert_ids]


def summary_key(rest: Sequence[Planned]) -> str:
    """The summary's outbox dedupe key: its channel, its source and the first entry it stands
    for, which is new in this batch, so the key is unique to this poll and stable on a retry."""
    first = rest[0]
    return f"alert-summary:{first.source_key}:{first.channel_id}:{first.entry_id}"


async def feed_urls(store: WatchStore, source_keys: Iterable[str]) -> dict[str, str | None]:
    """Each source's feed URL (what a summary links to), looked up once per source."""
    urls: dict[str, str | None] = {}
    for key in set(source_keys):
        source = await store.source(key)
        urls[key] = source.url if source is not None else None
    return urls


async def queue_summary(
    outbox: Outbox,
    feed_url: str | None,
    key: str,
    channel_id: str,
    source_key: str,
    source_name: str,
    count: int,
    subscription_id: int,
    now: str,
    *,
    held: bool = False,
) -> bool:
    """Queue one "…and `count` more from SOURCE" message linking the source's feed (inside the
    caller's transaction); False if `key` is already queued."""
    return await outbox.enqueue(
        key,
        SUMMARY_KIND,
        channel_id,
        now,
        subscription_id=subscription_id,
        payload={
            "source": source_name,
            "count": count,
            "url": feed_url,
        },
        held=held,
    )
