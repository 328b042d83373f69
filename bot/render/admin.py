"""Cards of the /admin commands, from the curation service's results."""

from __future__ import annotations

from collections.abc import Sequence

from bot.curation.import_plan import ImportPlan
from bot.curation.undo import HistoryEntry
from bot.render.cards import CardBuilder, Reply, clip
from bot.render.safe import safe_text


def note(title: str, text: str) -> Reply:
    """A one-line card (the answers of the confirm buttons)."""
    card = CardBuilder(title)
    card.line(text)
    return card.build()


def confirm_remove(model: str) -> Reply:
    """The question `/admin model remove` asks before it removes."""
    card = CardBuilder(f"Remove {safe_text(model)}?")
    card.line(
        "The model, its aliases and every claim about it (from all sources) go. This can be undone."
    )
    return card.build()


def confirm_import(filename: str, plan: ImportPlan) -> Reply:
    """The question `/admin import` asks: what the file would add, clash with or lose."""
    card = CardBuilder(f"Import {safe_text(clip(filename, 80))}?")
    for line in plan.describe().splitlines():
        card.line(safe_text(line))  # it quotes the file
    return card.build()


def history(model: str | None, entries: Sequence[HistoryEntry]) -> Reply:
    """`/admin history`: the server's changes, newest first."""
    card = CardBuilder(f"Changes to {safe_text(model)}" if model else "Recent changes")
    if not entries:
        card.line("No changes yet.")
    for e in entries:
        state = f" · undone by {e.undone_by}" if e.undone_by else ""
        card.line(
            f"**{e.id}** · {e.at[:16].replace('T', ' ')} · {safe_text(clip(e.user_name, 40))} · "
            f"{e.action}: {safe_text(clip(e.summary, 160))} (+{e.added} −{e.removed} rows){state}"
        )
    return card.build(ephemeral=True)
