"""Cards of the live catalog sync: a sync's outcome, and every source's status."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.results import SyncSummary
from bot.render.cards import CardBuilder, Reply
from bot.render.safe import safe_text
from bot.sync.outcomes import SyncOutcome, SyncStatus


def render_sync_outcomes(outcomes: Sequence[SyncOutcome]) -> Reply:
    """What `/admin sync now` did, source by source: the change set, or why nothing was
    applied."""
    failed = [o.key for o in outcomes if not o.ok]
    card = CardBuilder("Sync" + (f" failed: {', '.join(failed)}" if failed else " done"))
    for outcome in outcomes:
        for line in outcome.describe().splitlines():
            card.line(safe_text(line.strip()))
    return card.build(ephemeral=True)


def render_sync_status(statuses: Sequence[SyncStatus]) -> Reply:
    """`/admin sync status`: each source, where it is fetched from, and its health."""
    card = CardBuilder("Live catalog sources")
    for s in statuses:
        state = s.state
        head = f"**{safe_text(s.name)}** (`{s.key}`) — {'enabled' if s.enabled else 'not enabled'}"
        if state is None or not state.last_success:
            health = "never synced; the bundled snapshot (if any) answers"
        else:
            health = f"last synced {state.last_success} · snapshot of {state.as_of}"
            health += f" · {state.models:,} models · {size_text(state.size)}"
        if state is not None and state.failures:
            health += f" · {state.failures} failures in a row"
            health += " (paused)" if state.paused else ""
            health += f": {safe_text(state.last_error or '')}"
        if state is not None and state.next_sync:
            health += f" · next {state.next_sync}"
        card.line(head)
        card.line(f"{health} · {safe_text(s.url)}")
    return card.build(ephemeral=True)


def sync_lines(syncs: Sequence[SyncSummary]) -> list[str]:
    """/about's lines: each live source with its last sync and size."""
    lines = []
    for s in syncs:
        if s.last_success:
            when = (
                f"last synced {s.last_success[:16].replace('T', ' ')} UTC (snapshot of {s.as_of})"
            )
            when += f" · {s.models:,} models · {size_text(s.size)}"
        else:
            when = "not synced yet"
        state = "" if s.enabled else " (not enabled)"
        paused = " · paused after failures" if s.paused else ""
        lines.append(f"**{safe_text(s.name)}**{state} — {when}{paused}")
    return lines


def size_text(size: int | None) -> str:
    if not size:
        return "size unknown"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size / 1024 / 1024:.1f} MB"
