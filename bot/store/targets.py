"""Post targets (how a channel takes alerts or digests): the SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from bot.core.delivery import Delivery
from bot.store.backends import AnyDatabase


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        row["channel_id"],
        row["kind"],
        bool(row["publish"]),
        bool(row["thread_per_alert"]),
        json.loads(row["tag_map"] or "{}"),
        row["guild_id"],
        row["purpose"],
    )


class TargetStore:
    def __init__(self, db: AnyDatabase) -> None:
        self.db = db

    async def save(self, target: Delivery, now: str) -> None:
        """Set a channel's way of taking one purpose's posts (inside the caller's
        transaction): the latest setting wins."""
        await self.db.execute(
            "INSERT INTO post_targets(channel_id, purpose, guild_id, kind, publish,"
            " thread_per_alert, tag_map, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(channel_id, purpose) DO UPDATE SET guild_id = excluded.guild_id,"
            " kind = excluded.kind, publish = excluded.publish,"
            " thread_per_alert = excluded.thread_per_alert, tag_map = excluded.tag_map,"
            " updated_at = excluded.updated_at",
            (
                target.channel_id,
                target.purpose,
                target.guild_id,
                target.kind,
                int(target.publish),
                int(target.thread_per_alert),
                json.dumps(dict(target.tag_map), sort_keys=True),
                now,
            ),
        )

    async def get(self, channel_id: str, purpose: str) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT * FROM post_targets WHERE channel_id = ? AND purpose = ?",
            (channel_id, purpose),
        )
        return None if row is None else _delivery(row)

    async def of_guild(self, guild_id: str, purpose: str) -> dict[str, Delivery]:
        """The guild's targets of one purpose, by channel id."""
        rows = await self.db.fetchall(
            "SELECT * FROM post_targets WHERE guild_id = ? AND purpose = ?", (guild_id, purpose)
        )
        return {row["channel_id"]: _delivery(row) for row in rows}

    async def message_of(self, dedupe_keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The status and message id (once sent) of outbox rows, by dedupe key."""
        marks = ",".join("?" * len(dedupe_keys))
        rows = await self.db.fetchall(
            f"SELECT dedupe_key, status, message_id FROM outbox WHERE dedupe_key IN ({marks})",
            tuple(dedupe_keys),
        )
        return {row["dedupe_key"]: (row["status"], row["message_id"]) for row in rows}
