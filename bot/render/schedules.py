"""Cards of the /digest commands that list schedules, from the digest service's records."""

from __future__ import annotations

from collections.abc import Sequence

from bot.digest.records import DigestSchedule
from bot.render.cards import CardBuilder, Reply


def digest_list(schedules: Sequence[DigestSchedule]) -> Reply:
    """`/digest list`: one line per channel's digest, its schedule, filters and state."""
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
            f"<#{digest.channel_id}> · {digest.schedule.describe()}"
            f" · {digest.filters.describe()} · {state}"
        )
    return card.build(ephemeral=True)
