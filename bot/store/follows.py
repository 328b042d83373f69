"""Personal watchlists: follows, the changes found for them, each user's DM state, and the
cursors over the release watch's entries and the curators' audit log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.store.db import Store, chunks


@dataclass(frozen=True, slots=True)
class FollowRecord:
    id: int
    user_id: str
    kind: str  # model, org, license, benchmark
    target_key: str
    target_name: str
    what: tuple[str, ...]
    created_at: str


@dataclass(frozen=True, slots=True)
class FollowUser:
    user_id: str
    paused: bool
    pause_reason: str | None
    last_dm_at: str | None
    batches: int


@dataclass(frozen=True, slots=True)
class EntryFact:
    """A release watch entry, with the models it names and their organisations."""

    id: int
    title: str
    link: str | None
    type: str
    at: str
    orgs: tuple[str, ...]  # the entry's own and its models'
    model_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AuditFact:
    """A curator change: its action, the models it touched, the benchmarks of scores it added."""

    id: int
    at: str
    action: str
    summary: str
    model_ids: tuple[int, ...]
    benchmark_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    id: int
    follow_id: int
    target_name: str
    what: str
    title: str
    link: str | None
    at: str


def _follow(row: aiosqlite.Row) -> FollowRecord:
    return FollowRecord(
        row["id"],
        row["user_id"],
        row["kind"],
        row["target_key"],
        row["target_name"],
        tuple(w for w in row["what"].split(",") if w),
        row["created_at"],
    )


class FollowStore(Store):
    # ---- follows ----------------------------------------------------------------------------

    async def follows_of(self, user_id: str) -> list[FollowRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM follows WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_follow(r) for r in rows]

    async def follow(self, user_id: str, follow_id: int) -> FollowRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM follows WHERE id = ? AND user_id = ?", (follow_id, user_id)
        )
        return None if row is None else _follow(row)

    async def upsert(
        self,
        user_id: str,
        kind: str,
        key: str,
        name: str,
        what: Sequence[str],
        now: str,
    ) -> tuple[int, bool]:
        """Follow a target (or change what is followed of it): its id and whether it is new."""
        row = await self.db.fetchone(
            "SELECT id FROM follows WHERE user_id = ? AND kind = ? AND target_key = ?",
            (user_id, kind, key),
        )
        if row is not None:
            await self.db.execute(
                "UPDATE follows SET what = ?, target_name = ? WHERE id = ?",
                (",".join(what), name, row["id"]),
            )
            return int(row["id"]), False
        follow_id = await self.db.insert(
            "INSERT INTO follows(user_id, kind, target_key, target_name, what, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, kind, key, name, ",".join(what), now),
        )
        await self.db.execute("INSERT OR IGNORE INTO follow_users(user_id) VALUES (?)", (user_id,))
        return follow_id, True

    async def remove(self, user_id: str, follow_id: int) -> bool:
        """Remove one of the user's follows (its changes go with it); an id of another user's
        follow removes nothing."""
        cursor = await self.db.execute(
            "DELETE FROM follows WHERE id = ? AND user_id = ?", (follow_id, user_id)
        )
        return cursor.rowcount == 1

    async def remove_all(self, user_id: str, channel_id: str) -> int:
        """Delete everything kept about the user's watchlist: follows, changes, DM state and
        every queued or sent DM of it (`channel_id`). How many follows went."""
        cursor = await self.db.execute("DELETE FROM follows WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM follow_changes WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM follow_users WHERE user_id = ?", (user_id,))
        await self.db.execute(
            "DELETE FROM outbox WHERE channel_id = ? AND kind = 'follow_dm'", (channel_id,)
        )
        return cursor.rowcount

    async def matching(self, pairs: set[tuple[str, str]]) -> list[FollowRecord]:
        """Every follow of any (kind, target_key) in `pairs`."""
        found: list[FollowRecord] = []
        for chunk in chunks(sorted(pairs), 400):
            where = " OR ".join("(kind = ? AND target_key = ?)" for _ in chunk)
            params = [v for pair in chunk for v in pair]
            rows = await self.db.fetchall(f"SELECT * FROM follows WHERE {where}", params)
            found += [_follow(r) for r in rows]
        return found

    # ---- users ------------------------------------------------------------------------------

    async def user(self, user_id: str) -> FollowUser | None:
        row = await self.db.fetchone("SELECT * FROM follow_users WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return FollowUser(
            row["user_id"],
            bool(row["paused"]),
            row["pause_reason"],
            row["last_dm_at"],
            row["batches"],
        )

    async def pause(self, user_id: str, reason: str) -> None:
        await self.db.execute(
            "UPDATE follow_users SET paused = 1, pause_reason = ? WHERE user_id = ?",
            (reason[:300], user_id),
        )

    async def resume(self, user_id: str, channel_id: str, now: str) -> int:
        """Unpause the user's DMs; their held DMs go back to the queue (and count as sent
        `now` for the batch window, so what changed since waits for the next). How many."""
        await self.db.execute(
            "UPDATE follow_users SET paused = 0, pause_reason = NULL WHERE user_id = ?",
            (user_id,),
        )
        cursor = await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = NULL"
            " WHERE channel_id = ? AND kind = 'follow_dm' AND status = 'held'",
            (channel_id,),
        )
        if cursor.rowcount:
            await self.db.execute(
                "UPDATE follow_users SET last_dm_at = ? WHERE user_id = ?", (now, user_id)
            )
        return cursor.rowcount

    async def due_users(self, sent_before: str) -> list[str]:
        """Users, not paused, with changes not sent yet and no DM queued since `sent_before`."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT c.user_id FROM follow_changes c"
            " JOIN follow_users u ON u.user_id = c.user_id"
            " WHERE c.batch IS NULL AND u.paused = 0"
            " AND (u.last_dm_at IS NULL OR u.last_dm_at <= ?) ORDER BY c.user_id",
            (sent_before,),
        )
        return [r[0] for r in rows]

    async def unsent(self, user_id: str) -> list[ChangeRecord]:
        rows = await self.db.fetchall(
            "SELECT c.*, f.target_name FROM follow_changes c JOIN follows f ON f.id = c.follow_id"
            " WHERE c.user_id = ? AND c.batch IS NULL ORDER BY c.id",
            (user_id,),
        )
        return [
            ChangeRecord(
                r["id"], r["follow_id"], r["target_name"], r["what"], r["title"], r["link"], r["at"]
            )
            for r in rows
        ]

    async def pending_count(self, user_id: str) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM follow_changes WHERE user_id = ? AND batch IS NULL", (user_id,)
        )
        return int(row[0]) if row else 0

    async def mark_batched(self, user_id: str, change_ids: Sequence[int], now: str) -> int:
        """Give the changes the user's next batch number and note the DM's moment; the number."""
        await self.db.execute(
            "UPDATE follow_users SET batches = batches + 1, last_dm_at = ? WHERE user_id = ?",
            (now, user_id),
        )
        row = await self.db.fetchone(
            "SELECT batches FROM follow_users WHERE user_id = ?", (user_id,)
        )
        batch = int(row[0]) if row else 1
        for chunk in chunks(list(change_ids)):
            await self.db.execute(
                f"UPDATE follow_changes SET batch = ? WHERE id IN ({','.join('?' * len(chunk))})",
                (batch, *chunk),
            )
        return batch

    async def add_change(
        self,
        follow: FollowRecord,
        origin: str,
        what: str,
        title: str,
        link: str | None,
        at: str,
    ) -> bool:
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO follow_changes(follow_id, user_id, origin, what, title, link, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (follow.id, follow.user_id, origin, what, title[:300], link, at),
        )
        return cursor.rowcount == 1

    async def prune_sent(self, before: str) -> int:
        """Forget changes sent in a DM whose moment is before `before` (the DM stays in the
        outbox for its own retention). How many went."""
        cursor = await self.db.execute(
            "DELETE FROM follow_changes WHERE batch IS NOT NULL AND at < ?", (before,)
        )
        return cursor.rowcount

    # ---- what happened: entries and curator changes after a cursor -------------------------

    async def cursor(self, name: str) -> int:
        row = await self.db.fetchone("SELECT last_id FROM follow_cursors WHERE name = ?", (name,))
        return int(row[0]) if row else 0

    async def set_cursor(self, name: str, last_id: int) -> None:
        await self.db.execute(
            "INSERT INTO follow_cursors(name, last_id) VALUES (?, ?)"
            " ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id",
            (name, last_id),
        )

    async def entries_after(self, last_id: int, limit: int = 500) -> list[EntryFact]:
        rows = await self.db.fetchall(
            "SELECT e.id, e.title, e.link, e.type, COALESCE(e.published, e.first_seen) AS at,"
            " e.org, (SELECT json_group_array(em.model_id) FROM entry_models em"
            "  WHERE em.entry_id = e.id) AS model_ids,"
            " (SELECT json_group_array(o.name) FROM entry_models em JOIN models m"
            "  ON m.id = em.model_id JOIN organisations o ON o.id = m.org_id"
            "  WHERE em.entry_id = e.id) AS orgs"
            " FROM entries e WHERE e.id > ? ORDER BY e.id LIMIT ?",
            (last_id, limit),
        )
        return [
            EntryFact(
                r["id"],
                r["title"],
                r["link"],
                r["type"],
                r["at"],
                tuple(o for o in [r["org"], *json.loads(r["orgs"])] if o),
                tuple(json.loads(r["model_ids"])),
            )
            for r in rows
        ]

    async def audit_after(self, last_id: int, limit: int = 500) -> list[AuditFact]:
        rows = await self.db.fetchall(
            "SELECT id, at, action, summary, model_ids, effects FROM audit_log"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        facts = []
        for r in rows:
            inserted = (json.loads(r["effects"]) or {}).get("inserted") or {}
            benchmarks = await self._benchmarks_of_scores(inserted.get("scores") or [])
            facts.append(
                AuditFact(
                    r["id"],
                    r["at"],
                    r["action"],
                    r["summary"],
                    tuple(json.loads(r["model_ids"])),
                    benchmarks,
                )
            )
        return facts

    async def _benchmarks_of_scores(self, rowids: list[int]) -> tuple[int, ...]:
        found: set[int] = set()
        for chunk in chunks(rowids):
            rows = await self.db.fetchall(
                "SELECT DISTINCT benchmark_id FROM scores"
                f" WHERE rowid IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found |= {r[0] for r in rows}
        return tuple(sorted(found))

    async def model_orgs(self, model_ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in chunks(list(model_ids)):
            rows = await self.db.fetchall(
                "SELECT m.id, o.name FROM models m JOIN organisations o ON o.id = m.org_id"
                f" WHERE m.id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found |= {r[0]: r[1] for r in rows}
        return found

    async def model_licenses(self, model_ids: Sequence[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        for chunk in chunks(list(model_ids)):
            rows = await self.db.fetchall(
                "SELECT DISTINCT model_id, license_id FROM license_claims"
                f" WHERE license_id IS NOT NULL AND model_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                found.setdefault(r[0], set()).add(r[1])
        return found

    async def model_names(self, model_ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in chunks(list(model_ids)):
            rows = await self.db.fetchall(
                f"SELECT id, name FROM models WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            found |= {r[0]: r[1] for r in rows}
        return found
