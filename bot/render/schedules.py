"""Cards of the /digest commands, from the digest service's results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.delivery import Delivery
from bot.digest.records import DigestSchedule
from bot.digest.schedule import Schedule
from bot.render.cards import CardBuilder, Reply
from bot.render.watch import target_label
from bot.watch.filters import Filters


def digest_list(
    schedules: Sequence[DigestSchedule], targets: Mapping[str, Delivery] | None = None
) -> Reply:
    """`/digest list`: one line per channel's digest, its target, schedule, filters and state."""
    targets = targets or {}
    card = CardBuilder("Digests")
    if not schedules:
        card.line("None yet. Set one with `/digest set`.")
    for digest in schedules:
        when = int(digest.next_run.timestamp())
        state = (
            f"⏸ paused: {digest.paused_reason} (run `/digest set` again to resume)"
            if digest.paused_reason
            else f"next <t:{when}:R>"
        )
        card.line(
            f"{target_label(digest.channel_id, targets.get(digest.channel_id))}"
            f" · {digest.schedule.describe()}"
            f" · {digest.filters.describe()} · {state}"
        )
    return card.build(ephemeral=True)


def digest_scheduled(
    channel_id: int, filters: Filters, schedule: Schedule, next_run: datetime, released: int
) -> Reply:
    """`/digest set`: what the channel gets and when; held digests that now follow."""
    card = CardBuilder("Digest scheduled")
    card.line(f"<#{channel_id}> gets {filters.describe()} {schedule.describe()}.")
    card.line(f"Next: <t:{int(next_run.timestamp())}:F>.")
    if released:
        card.line(f"Resumed: {released} held digest(s) follow now.")
    return card.build(ephemeral=True)


def digest_posted(pages: int, channel_id: int) -> Reply:
    """`/digest now`: how many messages went to the channel."""
    card = CardBuilder("Digest posted")
    card.line(f"{pages} message(s) in <#{channel_id}>.")
    return card.build(ephemeral=True)


def digest_off(channel_id: int) -> Reply:
    """`/digest off`: the channel gets no more digests."""
    card = CardBuilder("Digest off")
    card.line(f"<#{channel_id}> gets no more digests.")
    return card.build(ephemeral=True)
