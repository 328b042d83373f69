"""The store's own bookkeeping rows (upkeep marks, schema version), read and written the same
way on either backend: both database classes delegate here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class _Queries(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


async def last_done(db: _Queries, task: str) -> str | None:
    """When the store upkeep last did `task` (ISO 8601 UTC), None if never."""
    row = await db.fetchone("SELECT at FROM store_upkeep WHERE task = ?", (task,))
    return None if row is None else str(row[0])


async def note_done(db: _Queries, task: str, at: str) -> None:
    """Record that the store upkeep did `task` at `at`."""
    await db.execute(
        "INSERT INTO store_upkeep(task, at) VALUES (?, ?)"
        " ON CONFLICT(task) DO UPDATE SET at = excluded.at",
        (task, at),
    )


async def schema_version(db: _Queries) -> int:
    """The newest migration applied."""
    row = await db.fetchone("SELECT MAX(version) FROM schema_migrations")
    return int(row[0] or 0) if row is not None else 0
