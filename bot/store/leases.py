"""Leases: a named role (the lease "leader") held by one process until it stops renewing.
Each statement is a compare-and-set on holder and expiry, so two processes never both hold one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.db import Store

LEADER = "leader"

# Acquire or renew in one statement: insert, or take over a row that is ours or has expired.
# The same text runs on SQLite (UPSERT) and PostgreSQL (ON CONFLICT ... WHERE).
ACQUIRE = (
    "INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, ?)"
    " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
    " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?"
)


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    holder: str
    expires_at: str


class LeaseStore(Store):
    async def acquire(self, name: str, holder: str, now: str, until: str) -> bool:
        """Take or renew the lease for `holder` until `until` (ISO times, UTC); True if it is
        `holder`'s now. Refused, changing nothing, while another holder's lease runs."""
        cursor = await self.db.execute(ACQUIRE, (name, holder, until, now))
        return cursor.rowcount == 1

    async def release(self, name: str, holder: str) -> bool:
        """Give the lease up (a clean shutdown), if `holder` still holds it."""
        cursor = await self.db.execute(
            "DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)
        )
        return cursor.rowcount == 1

    async def holder(self, name: str, now: str) -> LeaseHolder | None:
        """Who holds the lease now (None: nobody, or its lease ran out)."""
        row = await self.db.fetchone(
            "SELECT holder, expires_at FROM leases WHERE name = ? AND expires_at > ?", (name, now)
        )
        return None if row is None else LeaseHolder(row[0], row[1])
