"""The row moves behind curators' merges and splits. Each runs inside the change's unit of
work; what a move deletes the caller saves first (for undo), what it inserts the audit sees."""

from __future__ import annotations

from typing import Any

from bot.store.backends import AnyDatabase
from bot.store.curation import plain_row

# The claim tables whose rows carry the source record they came from (in `note`).
NOTED = ("model_claims", "license_claims", "scores")


class IdentityCurationStore:
    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def noted_rows(self, model_id: int, note: str) -> dict[str, list[dict[str, Any]]]:
        """The model's claims whose note names the source record `note`, with their rowids."""
        found = {}
        for table in NOTED:
            rows = await self.db.fetchall(
                f"SELECT rowid AS _rowid, * FROM {table} WHERE model_id = ? AND note = ?",
                (model_id, note),
            )
            found[table] = [plain_row(r) for r in rows]
        return found

    async def copy_rows(self, table: str, rows: list[dict[str, Any]], model_id: int) -> None:
        """Insert copies of `rows` under `model_id` (new rowids; a copy the model already
        holds is skipped)."""
        for row in rows:
            values = {k: v for k, v in row.items() if k not in ("_rowid", "id")}
            values["model_id"] = model_id
            columns = ", ".join(values)
            marks = ", ".join("?" * len(values))
            await self.db.execute(
                f"INSERT OR IGNORE INTO {table}({columns}) VALUES ({marks})", tuple(values.values())
            )

    async def children(self, model_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT id FROM models WHERE parent_id = ?", (model_id,))
        return [r[0] for r in rows]

    async def parent_of(self, model_id: int) -> int | None:
        row = await self.db.fetchone("SELECT parent_id FROM models WHERE id = ?", (model_id,))
        return None if row is None else row[0]

    async def set_parent(self, model_ids: list[int], parent_id: int | None) -> None:
        await self.db.executemany(
            "UPDATE models SET parent_id = ? WHERE id = ?", [(parent_id, i) for i in model_ids]
        )

    async def move_events(self, from_id: int, to_id: int) -> None:
        await self.db.execute("UPDATE events SET model_id = ? WHERE model_id = ?", (to_id, from_id))

    async def add_alias(self, model_id: int, norm: str, alias: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO model_aliases(norm, alias, model_id)"
            " SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM models WHERE norm = ?)",
            (norm, alias, model_id, norm),
        )
