"""Recording a curator change: the rows its work inserted, what it says it removed or renamed,
and the audit entry that makes it listable and undoable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.curation.forms import Actor
from bot.store.curation import CurationStore

# A change's work: it writes to the catalog and returns the effects it must record itself
# (deleted rows, a rename); the rows it inserts are found without its help.
Work = Callable[[], Awaitable[dict[str, Any] | None]]


@dataclass
class Change:
    id: int
    summary: str


@dataclass(frozen=True)
class ChangeNote:
    """What the audit entry says of a change."""

    action: str
    target: str
    summary: str
    model_ids: list[int]
    undo_of: int | None = None


async def record_change(
    audit: CurationStore, actor: Actor, at: str, note: ChangeNote, work: Work
) -> Change:
    """Run `work` and write its audit entry (both inside the caller's transaction)."""
    before = await audit.high_water()
    extra = await work() or {}
    inserted = await audit.inserted_since(before)
    effects = {"inserted": inserted, **extra}
    touched = sorted(set(note.model_ids) | set(inserted.get("models", [])))
    change_id = await audit.record(
        at,
        actor.id,
        actor.name,
        note.action,
        note.target,
        note.summary,
        touched,
        effects,
        actor.guild_id,
        note.undo_of,
    )
    return Change(change_id, note.summary)
