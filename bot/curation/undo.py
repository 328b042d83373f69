"""The audit trail of curator changes: history entries, whether a change may be undone, and
reverting its recorded row-level effects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserError
from bot.core.names import normalize
from bot.store.catalog import CatalogStore
from bot.store.curation import TRACKED, AuditRecord, CurationStore


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change, as `/admin history` lists it."""

    id: int
    at: str  # ISO 8601 UTC
    user_name: str
    action: str
    summary: str
    added: int  # rows the change inserted
    removed: int  # rows it deleted
    undone_by: int | None


def history_entry(record: AuditRecord) -> HistoryEntry:
    """An audit record as a history entry (with counts of the rows it added and removed)."""
    effects = record.effects
    return HistoryEntry(
        record.id,
        record.at,
        record.user_name,
        record.action,
        record.summary,
        sum(len(v) for v in effects.get("inserted", {}).values()),
        sum(len(v) for v in effects.get("deleted", {}).values()),
        record.undone_by,
    )


async def undoable(audit: CurationStore, guild_id: str | None, change_id: int) -> AuditRecord:
    """The audit record of a change made in `guild_id` that may be undone now, or a UserError
    saying why not."""
    record = await audit.change(guild_id or "", change_id)
    if record is None:
        raise UserError("This server has no change {}. See `/admin history`.", change_id)
    if record.undone_by:
        raise UserError("Change {} was already undone (by change {}).", change_id, record.undone_by)
    if record.undo_of:
        raise UserError("Change {} is itself an undo; make the change again instead.", change_id)
    touched = set(record.model_ids)
    # A later change to the same model builds on this one: undoing this first would pull
    # the ground from under it (a removed model's new scores, a renamed model's aliases).
    blockers = [
        later for later in await audit.later_active(change_id) if touched & set(later.model_ids)
    ]
    if blockers:
        listed = ", ".join(
            str(b.id) if b.guild_id == guild_id else f"{b.id} (another server)"
            for b in blockers[:10]
        )
        raise UserError(
            "Later changes depend on change {}: {}. Undo those first.", change_id, listed
        )
    return record


async def revert(catalog: CatalogStore, audit: CurationStore, effects: dict[str, Any]) -> None:
    """Undo a change's recorded effects (inside the undo's transaction): its rename, the rows
    it inserted, the rows it deleted, the values it set."""
    renamed = effects.get("renamed")
    if renamed:
        await catalog.drop_alias(renamed["id"], normalize(renamed["old"]))
        await audit.update_value("models", renamed["id"], "name", renamed["old"])
        await catalog.set_model_norm(renamed["id"], normalize(renamed["old"]))
    inserted = effects.get("inserted", {})
    for table in reversed(TRACKED):
        if inserted.get(table):
            await audit.delete_rows(table, inserted[table])
    deleted = effects.get("deleted", {})
    for table in TRACKED:
        if deleted.get(table):
            await audit.restore_rows(table, deleted[table])
    for update in effects.get("updated", []):  # values a change set, back as they were
        await audit.update_value(update["table"], update["rowid"], update["column"], update["old"])
