"""The outbox's storage: every queued post (alerts, flood summaries, digests, notices) and its
delivery state. The sender (bot/outbox/sender.py) reads and marks rows through this store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import aiosqlite

from bot.store.db import Store, chunks

# A subscription id from a user, kept only if it is the guild's: (subscription id, guild id).
_GUILDS_SUBSCRIPTION = "(SELECT id FROM subscriptions WHERE id = ? AND guild_id = ?)"

# A queued row's guild when its caller does not name it: its subscription's, else the guild of
# a digest schedule or subscription in its channel; none for a DM (guild, subscription, channel
# twice).
_ROW_GUILD = (
    "COALESCE(?, (SELECT guild_id FROM subscriptions WHERE id = ?),"
    " (SELECT guild_id FROM digest_schedules WHERE channel_id = ?),"
    " (SELECT guild_id FROM subscriptions WHERE channel_id = ? LIMIT 1))"
)

# The shard a row's guild is on (Discord: (guild_id >> 22) % shard_count; no guild: shard 0),
# the same text on SQLite and PostgreSQL; followed by "IN (shard ids)".
ROW_SHARD = "(COALESCE(CAST(o.guild_id AS BIGINT) >> 22, 0) % ?)"

# The rows a process may claim: due, in its shards, and in a channel no other process holds a
# running claim on (a channel's rows go to one claimer at a time, so its order holds across
# processes). Parameters: now, [shard count, shard ids], claimer, now, limit.
CLAIMABLE = (
    "SELECT o.id FROM outbox o WHERE o.status = 'pending'"
    " AND (o.not_before IS NULL OR o.not_before <= ?){scope}"
    " AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.channel_id = o.channel_id"
    "  AND c.status = 'pending' AND c.claimed_by != ? AND c.claimed_until > ?)"
    " ORDER BY o.id LIMIT ?"
)
CLAIM = "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ({claimable})"
# PostgreSQL: claims are taken one process at a time (a transaction-level advisory lock, as
# SQLite's single writer does), so a claimer sees every claim committed before its own; the
# claiming SELECT skips rows another transaction has locked (one being marked sent) instead of
# waiting for them.
PG_CLAIM_LOCK = "SELECT pg_advisory_xact_lock(?)"
PG_CLAIM_LOCK_KEY = 0x72720001  # "rr" + 1: the outbox claim
PG_CLAIMABLE = CLAIMABLE + " FOR UPDATE OF o SKIP LOCKED"


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A queued post, as the sender reads it (its payload column decoded from JSON)."""

    id: int
    dedupe_key: str
    kind: str
    channel_id: str
    entry_id: int | None
    subscription_id: int | None
    payload: Any  # None when the kind renders from elsewhere (an alert, from its entry)
    attempts: int
    attempted_at: str | None  # set while the outcome of a post is unknown
    role_id: str | None = None  # the role an alert pings (its subscription's)


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """A held alert or summary of a subscription, with its entry's moment and first source."""

    id: int
    dedupe_key: str
    kind: str
    channel_id: str
    entry_id: int | None
    subscription_id: int
    payload: Any
    moment: str | None  # the entry's published (else first seen) time
    source_key: str | None
    source_name: str | None


@dataclass(frozen=True, slots=True)
class PostedAlert:
    """An alert of an entry that was posted (or may have been: its outcome is unknown)."""

    id: int
    channel_id: str
    subscription_id: int | None
    held: bool  # its subscription is paused: an edit of it waits with the channel's alerts


def _payload(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _outbox_record(row: aiosqlite.Row) -> OutboxRecord:
    return OutboxRecord(
        row["id"],
        row["dedupe_key"],
        row["kind"],
        row["channel_id"],
        row["entry_id"],
        row["subscription_id"],
        _payload(row["payload"]),
        row["attempts"],
        row["attempted_at"],
        row["role_id"],
    )


def _held_record(row: aiosqlite.Row) -> HeldRecord:
    return HeldRecord(
        row["id"],
        row["dedupe_key"],
        row["kind"],
        row["channel_id"],
        row["entry_id"],
        row["subscription_id"],
        _payload(row["payload"]),
        row["moment"],
        row["source_key"],
        row["source_name"],
    )


class OutboxStore(Store):
    # ---- queueing and holding -------------------------------------------------------------

    async def hold_channel(self, channel_id: str, *kinds: str) -> None:
        """Hold the channel's queued posts of these kinds (inside the caller's transaction)."""
        await self.db.execute(
            "UPDATE outbox SET status = 'held' WHERE channel_id = ?"
            f" AND kind IN ({','.join('?' * len(kinds))}) AND status = 'pending'",
            (channel_id, *kinds),
        )

    async def enqueue(
        self,
        dedupe_key: str,
        kind: str,
        channel_id: str,
        now: str,
        *,
        entry_id: int | None = None,
        subscription_id: int | None = None,
        payload: Any = None,
        status: str = "pending",
        guild_id: str | None = None,
    ) -> bool:
        """Queue a post; False if one with the same dedupe key exists (exactly-once). Its
        guild (which process sends it) is `guild_id`, else found from its subscription or
        channel; a DM has none."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO outbox(dedupe_key, kind, entry_id, subscription_id, channel_id,"
            f" payload, status, created_at, guild_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {_ROW_GUILD})",
            (
                dedupe_key,
                kind,
                entry_id,
                subscription_id,
                channel_id,
                None if payload is None else json.dumps(payload),
                status,
                now,
                guild_id,
                subscription_id,
                channel_id,
                channel_id,
            ),
        )
        return cursor.rowcount == 1

    async def enqueue_notice(
        self,
        dedupe_key: str,
        channel_id: str,
        now: str,
        title: str,
        text: str,
        parts: Sequence[str] = (),
    ) -> bool:
        """Queue a notice (a titled message from the bot itself) under `dedupe_key`; `parts`
        are the untrusted values that fill the `{}` in `text` when it is rendered."""
        payload = {"title": title, "text": text, "parts": list(parts)}
        return await self.enqueue(dedupe_key, "notice", channel_id, now, payload=payload)

    async def claim(
        self,
        claimer: str,
        now: str,
        until: str,
        limit: int = 500,
        shards: tuple[int, frozenset[int]] | None = None,
    ) -> int:
        """Claim for `claimer` until `until` up to `limit` due rows, oldest first, of channels
        no other process holds a running claim on (renewing its own); `shards` (shard count,
        shard ids): only rows of guilds on those shards. A claim that ran out (its process
        died) is claimable again. How many rows are `claimer`'s now."""
        scope, scope_params = "", cast(tuple[int, ...], ())
        if shards is not None:
            count, ids = shards
            scope = f" AND {ROW_SHARD} IN ({','.join('?' * len(ids))})"
            scope_params = (count, *sorted(ids))
        params = (claimer, until, now, *scope_params, claimer, now, limit)
        if self.db.dialect == "postgresql":
            async with self.db.transaction():
                await self.db.execute(PG_CLAIM_LOCK, (PG_CLAIM_LOCK_KEY,))
                sql = CLAIM.format(claimable=PG_CLAIMABLE.format(scope=scope))
                return (await self.db.execute(sql, params)).rowcount
        sql = CLAIM.format(claimable=CLAIMABLE.format(scope=scope))
        return (await self.db.execute(sql, params)).rowcount

    async def pending(
        self, now: str, limit: int = 500, claimed_by: str | None = None
    ) -> list[OutboxRecord]:
        """Committed rows due now, oldest first (a row another task is still writing is not
        seen); with `claimed_by`, only the rows that process claimed. A row waits while an
        earlier row of its channel waits for a retry, so a channel's posts keep their order."""
        mine = "" if claimed_by is None else " AND o.claimed_by = ?"
        rows = await self.db.fetchall_committed(
            # Only alerts ping the subscription's role; a flood summary never does.
            "SELECT o.*, CASE WHEN o.kind = 'alert' THEN s.role_id END AS role_id"
            " FROM outbox o LEFT JOIN subscriptions s ON s.id = o.subscription_id"
            " WHERE o.status = 'pending' AND (o.not_before IS NULL OR o.not_before <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM outbox b WHERE b.channel_id = o.channel_id"
            f"  AND b.status = 'pending' AND b.id < o.id AND b.not_before > ?){mine}"
            " ORDER BY o.id LIMIT ?",
            (now, now, limit) if claimed_by is None else (now, now, claimed_by, limit),
        )
        return [_outbox_record(r) for r in rows]

    async def mark_attempted(self, row: OutboxRecord, now: str) -> bool:
        """Record, before posting `row` (as `pending` read it), that its outcome is unknown
        until it is marked. False, changing nothing, if the row has changed since it was read
        (dropped, held, sent or attempted meanwhile): it must not be posted."""
        cursor = await self.db.execute(
            "UPDATE outbox SET attempted_at = ? WHERE id = ? AND status = 'pending'"
            " AND attempted_at IS NOT DISTINCT FROM ?",
            (now, row.id, row.attempted_at),
        )
        return cursor.rowcount == 1

    async def mark_sent(self, outbox_id: int, message_id: str, now: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1,"
            " attempted_at = NULL WHERE id = ?",
            (message_id, now, outbox_id),
        )

    async def mark_retry(
        self, outbox_id: int, error: str, not_before: str, *, outcome_unknown: bool = False
    ) -> None:
        """Try again at `not_before`; `outcome_unknown` keeps the row marked as possibly posted
        (a 5xx or a network error), so it is looked up in its channel before the next post."""
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?,"
            " attempted_at = CASE WHEN ? THEN attempted_at END WHERE id = ?",
            (error[:500], not_before, outcome_unknown, outbox_id),
        )

    async def mark_refused(
        self, outbox_id: int, error: str, *, outcome_unknown: bool = False
    ) -> None:
        """Discord refused the row's channel; what happens next is the caller's. Without
        `outcome_unknown` (the refusal answered the post itself) the row is known not posted."""
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?,"
            " attempted_at = CASE WHEN ? THEN attempted_at END WHERE id = ?",
            (error[:500], outcome_unknown, outbox_id),
        )

    async def mark_failed(self, outbox_id: int, error: str) -> None:
        """Discord refused the row for good: it is never sent and blocks nothing behind it."""
        await self.db.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " attempted_at = NULL WHERE id = ?",
            (error[:500], outbox_id),
        )

    async def mark_dropped(self, outbox_id: int, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'dropped', last_error = ? WHERE id = ?",
            (error[:500], outbox_id),
        )

    async def prune(self, done_before: str, notices_before: str) -> int:
        """Delete posts that are over with (retention, in the caller's transaction): sent,
        dropped or failed before `done_before`, or notices queued before `notices_before`
        once over. Pending and held rows are never touched. How many went."""
        gone = 0
        for sql, moment in (
            ("status = 'sent' AND sent_at < ? AND kind != 'notice'", done_before),
            (
                "status IN ('dropped', 'failed') AND created_at < ? AND kind != 'notice'",
                done_before,
            ),
            (
                "status IN ('sent', 'dropped', 'failed') AND created_at < ? AND kind = 'notice'",
                notices_before,
            ),
        ):  # one statement each, so each finds its rows through outbox_pending (status, id)
            cursor = await self.db.execute(f"DELETE FROM outbox WHERE {sql}", (moment,))
            gone += cursor.rowcount
        return gone

    # ---- edits of posted alerts (bot/watch/edits.py) -----------------------------------------

    async def posted_alerts(self, entry_id: int) -> list[PostedAlert]:
        """The entry's alerts that were posted, or may have been (an outcome still unknown);
        an alert not attempted yet renders the entry's current text anyway."""
        rows = await self.db.fetchall(
            "SELECT o.id, o.channel_id, o.subscription_id, COALESCE(s.paused, 0) AS paused"
            " FROM outbox o LEFT JOIN subscriptions s ON s.id = o.subscription_id"
            " WHERE o.entry_id = ? AND o.kind = 'alert'"
            " AND ((o.status = 'sent' AND o.message_id IS NOT NULL)"
            "  OR (o.status IN ('pending', 'held') AND o.attempted_at IS NOT NULL))"
            " ORDER BY o.id",
            (entry_id,),
        )
        return [PostedAlert(r[0], r[1], r[2], bool(r[3])) for r in rows]

    async def drop_superseded_edits(self, kind: str, keys: Sequence[str], reason: str) -> int:
        """Drop queued edits (of `kind`) whose dedupe key starts with one of `keys` and that
        were never attempted: a later edit of the same message replaces them. How many."""
        dropped = 0
        for key in keys:
            cursor = await self.db.execute(
                "UPDATE outbox SET status = 'dropped', last_error = ? WHERE kind = ?"
                " AND status IN ('pending', 'held') AND attempted_at IS NULL"
                " AND substr(dedupe_key, 1, ?) = ?",
                (reason[:500], kind, len(key), key),
            )
            dropped += cursor.rowcount
        return dropped

    async def posted_message(self, outbox_id: int) -> str | None:
        """The message a sent row posted; None if it was not (or not yet) posted."""
        row = await self.db.fetchone(
            "SELECT message_id FROM outbox WHERE id = ? AND status = 'sent'", (outbox_id,)
        )
        return None if row is None else row[0]

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {r[0]: r[1] for r in rows}

    # ---- a subscription's posts (inside the caller's transaction) --------------------------

    async def drop_of_subscription(self, guild_id: str, subscription_id: int) -> None:
        """Drop the guild's subscription's queued and held alerts; an id from another guild
        matches no row at all."""
        await self.db.execute(
            "UPDATE outbox SET status = 'dropped' WHERE status IN ('pending', 'held')"
            f" AND subscription_id = {_GUILDS_SUBSCRIPTION}",
            (subscription_id, guild_id),
        )

    async def held_of_subscription(self, guild_id: str, subscription_id: int) -> list[HeldRecord]:
        """The guild's subscription's held alerts and summaries, oldest first, each with its
        entry's moment and first source."""
        first_source = (
            "(SELECT {} FROM entry_sources s WHERE s.entry_id = o.entry_id"
            " ORDER BY s.seen_at, s.source_name LIMIT 1)"
        )
        rows = await self.db.fetchall(
            "SELECT o.id, o.kind, o.entry_id, o.channel_id, o.subscription_id, o.dedupe_key,"
            " o.payload, COALESCE(e.published, e.first_seen) AS moment,"
            f" {first_source.format('s.source_key')} AS source_key,"
            f" {first_source.format('s.source_name')} AS source_name"
            " FROM outbox o LEFT JOIN entries e ON e.id = o.entry_id WHERE o.status = 'held'"
            f" AND o.subscription_id = {_GUILDS_SUBSCRIPTION} ORDER BY o.id",
            (subscription_id, guild_id),
        )
        return [_held_record(r) for r in rows]

    async def release_of_subscription(
        self, guild_id: str, subscription_id: int, drop: Sequence[int] = (), reason: str = ""
    ) -> int:
        """The guild's subscription's held rows go back to the queue, except those in `drop`,
        which are dropped with `reason`. How many were queued."""
        for chunk in chunks(drop):
            await self.db.execute(
                "UPDATE outbox SET status = 'dropped', last_error = ? WHERE status = 'held'"
                f" AND subscription_id = {_GUILDS_SUBSCRIPTION}"
                f" AND id IN ({','.join('?' * len(chunk))})",
                (reason[:500], subscription_id, guild_id, *chunk),
            )
        released = await self.db.execute(
            "UPDATE outbox SET status = 'pending', not_before = NULL WHERE status = 'held'"
            f" AND subscription_id = {_GUILDS_SUBSCRIPTION}",
            (subscription_id, guild_id),
        )
        return released.rowcount
