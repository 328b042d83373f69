"""The sync engine's state per source, and the catalog writes that make a snapshot supersede
its source's older one. Health follows the feeds' rules (bot/watch/poller.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.store.db import Store


@dataclass(frozen=True)
class SyncState:
    """What the engine knows of one source."""

    key: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    size: int | None = None
    as_of: str | None = None
    models: int = 0
    last_attempt: str | None = None
    last_success: str | None = None
    next_sync: str | None = None
    failures: int = 0
    last_error: str | None = None
    paused: bool = False


@dataclass(frozen=True)
class Snapshot:
    """A snapshot applied: where it came from and what it said (its fact map)."""

    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str
    size: int
    as_of: str
    models: int
    facts: dict[str, str]


_COLUMNS = (
    "key, url, etag, last_modified, body_hash, size, as_of, models, last_attempt,"
    " last_success, next_sync, failures, last_error, paused"
)


def _state(row: Any) -> SyncState:
    names = [c.strip() for c in _COLUMNS.split(",")]
    values = {name: row[name] for name in names if name != "paused"}
    return SyncState(**values, paused=bool(row["paused"]))


class SyncStore(Store):
    async def state(self, key: str) -> SyncState | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM sync_state WHERE key = ?", (key,))
        return _state(row) if row is not None else None

    async def states(self) -> list[SyncState]:
        rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM sync_state ORDER BY key")
        return [_state(r) for r in rows]

    async def facts(self, key: str) -> dict[str, str]:
        """The fact map of the source's last snapshot ({} before its first)."""
        row = await self.db.fetchone("SELECT facts FROM sync_state WHERE key = ?", (key,))
        return dict(json.loads(row[0])) if row is not None else {}

    async def record_snapshot(self, key: str, snap: Snapshot, at: str, next_sync: str) -> bool:
        """Record a snapshot applied (inside the caller's unit of work); True if it ends a pause."""
        was_paused = await self._paused(key)
        await self.db.execute(
            "INSERT INTO sync_state(key, url, etag, last_modified, body_hash, size, as_of, models,"
            " last_attempt, last_success, next_sync, failures, last_error, paused,"
            " pause_notified, facts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, 0, 0, ?)"
            " ON CONFLICT(key) DO UPDATE SET url = excluded.url, etag = excluded.etag,"
            " last_modified = excluded.last_modified, body_hash = excluded.body_hash,"
            " size = excluded.size, as_of = excluded.as_of, models = excluded.models,"
            " last_attempt = excluded.last_attempt, last_success = excluded.last_success,"
            " next_sync = excluded.next_sync, failures = 0, last_error = NULL, paused = 0,"
            " pause_notified = 0, facts = excluded.facts",
            (
                key,
                snap.url,
                snap.etag,
                snap.last_modified,
                snap.body_hash,
                snap.size,
                snap.as_of,
                snap.models,
                at,
                at,
                next_sync,
                json.dumps(snap.facts, sort_keys=True, separators=(",", ":")),
            ),
        )
        return was_paused

    async def record_unchanged(
        self, key: str, at: str, next_sync: str, etag: str | None, last_modified: str | None
    ) -> bool:
        """A good sync that found the last snapshot again (304 or the same bytes): costs one
        statement. True if it ends a pause."""
        was_paused = await self._paused(key)
        await self.db.execute(
            "UPDATE sync_state SET last_attempt = ?, last_success = ?, next_sync = ?,"
            " etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),"
            " failures = 0, last_error = NULL, paused = 0, pause_notified = 0 WHERE key = ?",
            (at, at, next_sync, etag, last_modified, key),
        )
        return was_paused

    async def record_failure(
        self, key: str, url: str, at: str, next_sync: str, error: str, threshold: int
    ) -> tuple[int, bool]:
        """Count a failed sync; returns the failures in a row and whether the operators must
        be told now (the source just reached `threshold` and was paused: told once)."""
        await self.db.execute(
            "INSERT INTO sync_state(key, url, last_attempt, next_sync, failures, last_error)"
            " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET"
            " last_attempt = excluded.last_attempt, next_sync = excluded.next_sync,"
            " failures = sync_state.failures + 1, last_error = excluded.last_error",
            (key, url, at, next_sync, error[:300]),
        )
        row = await self.db.fetchone(
            "SELECT failures, pause_notified FROM sync_state WHERE key = ?", (key,)
        )
        assert row is not None
        tell = row["failures"] >= threshold and not row["pause_notified"]
        if row["failures"] >= threshold:
            await self.db.execute(
                "UPDATE sync_state SET paused = 1, pause_notified = 1 WHERE key = ?", (key,)
            )
        return row["failures"], tell

    async def _paused(self, key: str) -> bool:
        row = await self.db.fetchone("SELECT paused FROM sync_state WHERE key = ?", (key,))
        return bool(row and row[0])

    async def clear_source_claims(self, source_key: str) -> int:
        """Delete what the catalog holds from `source_key` (facts, license claims, scores,
        lineage links), so the snapshot about to be applied replaces it (inside the caller's
        unit of work). Prices keep their history (their own supersede rules)."""
        row = await self.db.fetchone("SELECT id FROM sources WHERE key = ?", (source_key,))
        if row is None:
            return 0
        removed = 0
        for table in ("model_claims", "license_claims", "scores", "model_lineage"):
            cursor = await self.db.execute(f"DELETE FROM {table} WHERE source_id = ?", (row[0],))
            removed += cursor.rowcount
        return removed
