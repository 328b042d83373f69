"""The audit log and the row-level effects of curator changes (for history and undo)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.store.backends import AnyDatabase

# Parents before children: rows are re-created in this order and removed in the reverse.
TRACKED = (
    "sources", "organisations", "organisation_aliases", "licenses", "license_aliases",
    "benchmarks", "benchmark_aliases", "models", "model_aliases", "model_claims",
    "license_claims", "scores", "model_lineage", "events", "entries", "entry_identities",
    "entry_sources", "entry_models",
)  # fmt: skip
# Tables whose rowid IS their integer `id` on SQLite; on PostgreSQL their `rowid` column is
# generated from `id` (baseline 0025), so a restored row gets it from `id` and never directly.
ROWID_IS_ID = frozenset({
    "sources", "organisations", "benchmarks", "models", "model_claims", "license_claims",
    "scores", "model_lineage", "events", "entries",
})  # fmt: skip
# Rows that hang off a model, saved before the model is removed so that undo can restore them.
MODEL_CHILDREN = (
    "model_aliases", "model_claims", "license_claims", "scores", "model_lineage", "entry_models",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit_log entry, its JSON columns decoded."""

    id: int
    at: str  # ISO 8601 UTC
    user_id: str
    user_name: str
    action: str
    target: str
    summary: str
    model_ids: tuple[int, ...]
    effects: dict[str, Any]
    guild_id: str | None
    undo_of: int | None
    undone_by: int | None


def plain_row(row: Any) -> dict[str, Any]:
    """A row read with `SELECT rowid AS _rowid, *` as a dict, the same on both backends:
    PostgreSQL's `*` also holds its explicit `rowid` column, which `_rowid` already carries."""
    return {k: v for k, v in dict(row).items() if k != "rowid"}


def restore_statements(
    table: str, row: dict[str, Any], dialect: str
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that put a saved row (from `plain_row`) back under its old rowid.

    SQLite's INSERT OR REPLACE first deletes a row holding that rowid, firing its delete
    triggers (recursive_triggers=ON), so the search index and benchmark counts stay right.
    PostgreSQL does the same in two statements. (A row conflicting on another unique key is
    replaced on SQLite; PostgreSQL refuses it, and the unit of work changes nothing.)"""
    columns = [c for c in row if c != "_rowid"]
    values = tuple(row[c] for c in columns)
    if dialect != "postgresql":
        marks = ", ".join("?" * (len(columns) + 1))
        sql = f"INSERT OR REPLACE INTO {table}(rowid, {', '.join(columns)}) VALUES ({marks})"
        return [(sql, (row["_rowid"], *values))]
    if table not in ROWID_IS_ID:
        columns, values = ["rowid", *columns], (row["_rowid"], *values)
    marks = ", ".join("?" * len(columns))
    return [
        (f"DELETE FROM {table} WHERE rowid = ?", (row["_rowid"],)),
        (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", values),
    ]


def _audit_record(row: aiosqlite.Row) -> AuditRecord:
    return AuditRecord(
        row["id"],
        row["at"],
        row["user_id"],
        row["user_name"],
        row["action"],
        row["target"],
        row["summary"],
        tuple(json.loads(row["model_ids"])),
        json.loads(row["effects"]),
        row["guild_id"],
        row["undo_of"],
        row["undone_by"] or None,
    )


class CurationStore:
    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def high_water(self) -> dict[str, int]:
        """The largest rowid of every tracked table (inside the change's transaction)."""
        parts = " UNION ALL ".join(
            f"SELECT '{t}', COALESCE(MAX(rowid), 0) FROM {t}" for t in TRACKED
        )
        return {r[0]: r[1] for r in await self.db.fetchall(parts)}

    async def inserted_since(self, before: dict[str, int]) -> dict[str, list[int]]:
        inserted = {}
        for table in TRACKED:
            rows = await self.db.fetchall(
                f"SELECT rowid FROM {table} WHERE rowid > ?", (before[table],)
            )
            if rows:
                inserted[table] = [r[0] for r in rows]
        return inserted

    async def rows_of_model(self, model_id: int) -> dict[str, list[dict[str, Any]]]:
        """The model and everything hanging off it, as plain rows with their rowids."""
        saved = {"models": await self._rows("models", "rowid = ?", (model_id,))}
        for table in MODEL_CHILDREN:
            saved[table] = await self._rows(table, "model_id = ?", (model_id,))
        saved["events"] = await self._rows("events", "model_id = ?", (model_id,))
        return saved

    async def alias_rows(self, model_id: int, norm: str) -> list[dict[str, Any]]:
        """The model's alias rows with the normalised name `norm`, as plain rows with rowids."""
        return await self._rows("model_aliases", "norm = ? AND model_id = ?", (norm, model_id))

    async def _rows(self, table: str, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            f"SELECT rowid AS _rowid, * FROM {table} WHERE {where}", params
        )
        return [plain_row(r) for r in rows]

    async def delete_rows(self, table: str, rowids: list[int]) -> None:
        await self.db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(r,) for r in rowids])

    async def restore_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for sql, params in restore_statements(table, row, self.db.dialect):
                await self.db.execute(sql, params)

    async def update_value(self, table: str, rowid: int, column: str, value: Any) -> None:
        if column not in ("org_id", "name", "family", "family_norm", "parent_id"):
            raise ValueError(f"column {column} is not editable")
        await self.db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))

    async def record(
        self,
        at: str,
        user_id: str,
        user_name: str,
        action: str,
        target: str,
        summary: str,
        model_ids: list[int],
        effects: dict[str, Any],
        guild_id: str | None,
        undo_of: int | None = None,
    ) -> int:
        """Write an audit entry for a change made in `guild_id` (inside its transaction)."""
        return await self.db.insert(
            "INSERT INTO audit_log(at, user_id, user_name, action, target, summary, model_ids,"
            " effects, guild_id, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                user_id,
                user_name,
                action,
                target,
                summary,
                json.dumps(model_ids),
                json.dumps(effects),
                guild_id,
                undo_of,
            ),
        )

    async def change(self, guild_id: str, change_id: int) -> AuditRecord | None:
        """The change `change_id` if it was made in `guild_id`, else None."""
        row = await self.db.fetchone(
            "SELECT * FROM audit_log WHERE id = ? AND guild_id = ?", (change_id, guild_id)
        )
        return None if row is None else _audit_record(row)

    async def later_active(self, change_id: int) -> list[AuditRecord]:
        """Changes after `change_id` (in any server) that are neither undone nor undos."""
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE id > ? AND undone_by IS NULL AND undo_of IS NULL ORDER BY id",
            (change_id,),
        )
        return [_audit_record(r) for r in rows]

    async def mark_undone(self, guild_id: str, change_id: int, undo_id: int) -> bool:
        """Mark the guild's change as undone by `undo_id` (inside the undo's transaction);
        False if it is not the guild's or was already undone."""
        cursor = await self.db.execute(
            "UPDATE audit_log SET undone_by = ? WHERE id = ? AND guild_id = ? AND undone_by IS NULL",
            (undo_id, change_id, guild_id),
        )
        return cursor.rowcount == 1

    async def history(
        self, guild_id: str, model_id: int | None, limit: int = 200
    ) -> list[AuditRecord]:
        """The guild's changes, newest first (those touching `model_id`, if given)."""
        if model_id is None:
            rows = await self.db.fetchall(
                "SELECT * FROM audit_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
                (guild_id, limit),
            )
        else:
            rows = await self.db.fetchall(
                "SELECT a.* FROM audit_log a, json_each(a.model_ids) j WHERE a.guild_id = ?"
                " AND j.value = ? ORDER BY a.id DESC LIMIT ?",
                (guild_id, model_id, limit),
            )
        return [_audit_record(r) for r in rows]
