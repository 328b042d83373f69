"""Release-watch storage: feed sources and health, entries, subscriptions (the outbox is in
bot/store/outbox.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.names import normalize
from bot.store.backends import AnyDatabase
from bot.store.db import Store, chunks
from bot.store.outbox import OutboxStore
from bot.watch.filters import Filters
from bot.watch.records import (
    EntrySource,
    EntryText,
    EntryUpdate,
    FeedSource,
    ReportedEntry,
    StoredEntry,
    StoryCandidate,
    Subscription,
)

# What retention keeps of an old entry's summary: the opening the pipeline reads for the type,
# the models and re-issued stories (SUMMARY_SCAN in bot/watch/items.py).
BODY_KEPT = 200
DEFAULT_POLL_MINUTES = 30  # a feed source's interval when none is given (YAML or /feeds add)


@dataclass(frozen=True)
class UnchangedPoll:
    """A good poll that found nothing to parse, as `record_unchanged_many` writes it."""

    key: str
    now: str
    next_poll: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class SourceDef:
    key: str
    name: str
    url: str
    kind: str
    org: str | None = None
    poll_minutes: int = DEFAULT_POLL_MINUTES


def subscription_of(row: Any) -> Subscription:
    """A subscriptions row as a record (the filters column is JSON)."""
    return Subscription(
        row["id"],
        row["channel_id"],
        Filters.from_json(json.loads(row["filters"])),
        row["role_id"] or None,
        bool(row["paused"]),
        row["pause_reason"],
        row["guild_id"],
        row["notify_channel_id"] or None,
        row["created_at"],
    )


def feed_source_of(row: Any) -> FeedSource:
    """A feed_sources row as a record."""
    return FeedSource(
        row["key"],
        row["name"],
        row["url"],
        row["kind"],
        row["org"],
        row["poll_minutes"],
        row["added_by"],
        row["etag"],
        row["last_modified"],
        row["last_success"],
        row["consecutive_failures"] or 0,
        row["last_error"],
        bool(row["paused"]),
        row["body_hash"],
        row["last_parsed"],
        row["next_poll"],
        row["entries_seen"],
        row["reguids_since"],
    )


def stored_entry_of(row: Any) -> StoredEntry:
    """An entries row as a record."""
    return StoredEntry(
        row["id"],
        row["title"],
        row["link"],
        row["summary"],
        row["published"],
        row["type"],
        row["org"],
        row["first_seen"],
        bool(row["backlog"]),
        row["updated_at"],
    )


def _candidate(row: Any) -> StoryCandidate:
    models = frozenset(int(m) for m in (row[6] or "").split(",") if m)
    return StoryCandidate(row[0], row[1], row[2], row[3], row[4], row[5], models)


class WatchStore(Store):
    def __init__(self, db: AnyDatabase) -> None:
        super().__init__(db)
        # A subscription's queued and held posts change with it (their SQL is the outbox store's).
        self._outbox = OutboxStore(db)

    # ---- feed sources ---------------------------------------------------------------------

    async def sync_bundled_sources(self, sources: Iterable[SourceDef]) -> None:
        """Insert or update the bundled sources; health and curator-added sources are kept."""
        async with self.db.transaction():
            for s in sources:
                await self.db.execute(
                    "INSERT INTO feed_sources(key, name, url, kind, org, poll_minutes, added_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'bundled') ON CONFLICT(key) DO UPDATE SET"
                    " name = excluded.name, url = excluded.url, kind = excluded.kind,"
                    " org = excluded.org, poll_minutes = excluded.poll_minutes"
                    " WHERE feed_sources.added_by = 'bundled'",
                    (s.key, s.name, s.url, s.kind, s.org, s.poll_minutes),
                )

    async def add_source(self, source: SourceDef, added_by: str) -> bool:
        """Add a source; False if the key is taken."""
        async with self.db.transaction():
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO feed_sources(key, name, url, kind, org, poll_minutes, added_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    source.key,
                    source.name,
                    source.url,
                    source.kind,
                    source.org,
                    source.poll_minutes,
                    added_by,
                ),
            )
        return cursor.rowcount == 1

    async def remove_source(self, key: str) -> bool:
        async with self.db.transaction():
            cursor = await self.db.execute("DELETE FROM feed_sources WHERE key = ?", (key,))
        return cursor.rowcount == 1

    async def sources(self) -> list[FeedSource]:
        rows = await self.db.fetchall("SELECT * FROM feed_sources ORDER BY name, key")
        return [feed_source_of(r) for r in rows]

    async def source(self, key: str) -> FeedSource | None:
        row = await self.db.fetchone("SELECT * FROM feed_sources WHERE key = ?", (key,))
        return None if row is None else feed_source_of(row)

    async def due_sources(self, now: str) -> list[FeedSource]:
        rows = await self.db.fetchall(
            "SELECT * FROM feed_sources WHERE kind != 'curated'"
            " AND (next_poll IS NULL OR next_poll <= ?)"
            " ORDER BY next_poll IS NOT NULL, next_poll, key",
            (now,),
        )
        return [feed_source_of(r) for r in rows]

    async def record_success(
        self,
        key: str,
        now: str,
        next_poll: str,
        etag: str | None,
        last_modified: str | None,
        seen: int,
        body_hash: str | None = None,
    ) -> bool:
        """Record a good poll (inside the caller's transaction): `body_hash` is the hash of
        the body it parsed and ingested, None if it parsed none (unchanged or not modified).
        True if the source had been paused (it has now resumed)."""
        row = await self.db.fetchone("SELECT paused FROM feed_sources WHERE key = ?", (key,))
        await self.db.execute(
            "UPDATE feed_sources SET last_attempt = ?, last_success = ?, next_poll = ?,"
            " etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),"
            " consecutive_failures = 0, last_error = NULL, paused = 0, pause_notified = 0,"
            " entries_seen = entries_seen + ?, body_hash = COALESCE(?, body_hash),"
            " last_parsed = CASE WHEN CAST(? AS TEXT) IS NULL THEN last_parsed ELSE ? END"
            " WHERE key = ?",
            (now, now, next_poll, etag, last_modified, seen, body_hash, body_hash, now, key),
        )
        return bool(row and row["paused"])

    async def record_unchanged_many(self, polls: Sequence[UnchangedPoll]) -> set[str]:
        """Record good polls that found nothing to parse, in one unit of work (one commit, not
        one per source). A paused source is not written (`record_success` resumes it);
        returns the keys written."""
        keys = [p.key for p in polls]
        async with self.db.transaction():
            await self.db.executemany(
                "UPDATE feed_sources SET last_attempt = ?, last_success = ?, next_poll = ?,"
                " etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),"
                " consecutive_failures = 0, last_error = NULL WHERE key = ? AND paused = 0",
                [(p.now, p.now, p.next_poll, p.etag, p.last_modified, p.key) for p in polls],
            )
            paused: set[str] = set()
            for chunk in chunks(keys):
                marks = ",".join("?" * len(chunk))
                rows = await self.db.fetchall(
                    f"SELECT key FROM feed_sources WHERE paused = 1 AND key IN ({marks})", chunk
                )
                paused.update(r["key"] for r in rows)
        return set(keys) - paused

    async def record_failure(
        self, key: str, now: str, next_poll: str, error: str, threshold: int
    ) -> bool:
        """Record a failed poll (inside the caller's transaction); True exactly when this
        failure pauses the source."""
        await self.db.execute(
            "UPDATE feed_sources SET last_attempt = ?, next_poll = ?, last_error = ?,"
            " consecutive_failures = consecutive_failures + 1 WHERE key = ?",
            (now, next_poll, error[:500], key),
        )
        cursor = await self.db.execute(
            "UPDATE feed_sources SET paused = 1 WHERE key = ? AND paused = 0"
            " AND consecutive_failures >= ?",
            (key, threshold),
        )
        return cursor.rowcount == 1

    # ---- entries (inside an ingest transaction) -------------------------------------------

    async def lookup_identities(self, identities: Sequence[str]) -> dict[str, int]:
        """Which of these identities are known, and to which entry."""
        found: dict[str, int] = {}
        for chunk in chunks(list(dict.fromkeys(identities))):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT identity, entry_id FROM entry_identities WHERE identity IN ({marks})",
                chunk,
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    async def sources_of(self, entry_ids: Iterable[int]) -> set[tuple[int, str]]:
        """(entry id, source key) pairs already recorded for these entries."""
        pairs: set[tuple[int, str]] = set()
        for chunk in chunks(list(set(entry_ids))):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                f"SELECT entry_id, source_key FROM entry_sources WHERE entry_id IN ({marks})", chunk
            )
            pairs.update((r[0], r[1]) for r in rows)
        return pairs

    async def story_candidates(
        self,
        by_title: Sequence[tuple[int, str, str, str, int, int]],
        by_models: Sequence[tuple[int, int, str, str]],
    ) -> list[StoryCandidate]:
        """Entries that may be the same story as a new item, found through the indexes, not by
        reading every entry of the dedup window. `by_title`: (item, title numbers, from, to,
        shortest and longest title key) — entries of a moment in [from, to] whose titles name
        the same numbers and whose keys are of a length a near-identical title can have;
        `by_models`: (item, model id, from, to) — releases of that moment linked to the
        model. Each candidate carries the item it was found for; undated history is left out."""
        found: list[StoryCandidate] = []
        for titles in chunks(by_title, 400):
            # Typed: PostgreSQL would take VALUES parameters for text.
            values = ",".join(
                "(CAST(? AS INTEGER), ?, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER))"
                for _ in titles
            )
            rows = await self.db.fetchall(
                f"WITH wanted(i, numbers, lo, hi, short, long) AS (VALUES {values})"
                " SELECT w.i, e.id, e.title_key, e.title_numbers, e.type,"
                " COALESCE(e.published, e.first_seen) AS moment, NULL AS models"
                " FROM wanted w JOIN entries e ON e.title_numbers = w.numbers"
                " AND COALESCE(e.published, e.first_seen) BETWEEN w.lo AND w.hi"
                " WHERE length(e.title_key) BETWEEN w.short AND w.long"
                " AND NOT (e.backlog = 1 AND e.published IS NULL)",
                [value for probe in titles for value in probe],
            )
            found += [_candidate(r) for r in rows]
        for chunk in chunks(by_models, 400):
            values = ",".join("(CAST(? AS INTEGER), CAST(? AS INTEGER), ?, ?)" for _ in chunk)
            by_model = await self.db.fetchall(
                f"WITH wanted(i, model, lo, hi) AS (VALUES {values})"
                " SELECT DISTINCT w.i, e.id, e.title_key, e.title_numbers, e.type,"
                " COALESCE(e.published, e.first_seen) AS moment,"
                " (SELECT group_concat(model_id) FROM entry_models m2 WHERE m2.entry_id = e.id)"
                " AS models FROM wanted w JOIN entry_models m ON m.model_id = w.model"
                " JOIN entries e ON e.id = m.entry_id AND e.type = 'release'"
                " AND COALESCE(e.published, e.first_seen) BETWEEN w.lo AND w.hi"
                " WHERE NOT (e.backlog = 1 AND e.published IS NULL)",
                [value for probe in chunk for value in probe],
            )
            found += [_candidate(r) for r in by_model]
        return found

    async def reported_since(self, source_key: str, since: str) -> list[ReportedEntry]:
        """Entries `source_key` first reported at or after `since`."""
        rows = await self.db.fetchall(
            "SELECT e.id, e.title_key, e.summary, e.published, s.seen_at FROM entry_sources s"
            " JOIN entries e ON e.id = s.entry_id WHERE s.source_key = ? AND s.seen_at >= ?",
            (source_key, since),
        )
        return [ReportedEntry(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def reguiding_sources(self, keys: Iterable[str], seen_since: str) -> set[str]:
        """Which of these sources are flagged as re-guiding their items and were last seen doing
        it at or after `seen_since` (an older flag has lapsed)."""
        wanted = list(set(keys))
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = await self.db.fetchall(
            "SELECT key FROM feed_sources WHERE reguids_since IS NOT NULL AND reguid_last >= ?"
            f" AND key IN ({marks})",
            [seen_since, *wanted],
        )
        return {r[0] for r in rows}

    async def note_reguiding(self, key: str, now: str, lapsed_before: str, evidence: int) -> bool:
        """Count a fetch of `key` that re-issued a story under a new guid and link (inside the
        caller's transaction). A count last raised before `lapsed_before` starts over, and its
        flag goes; at `evidence` fetches the source is flagged. True when this fetch flags it."""
        await self.db.execute(
            "UPDATE feed_sources SET"
            " reguid_sightings = CASE WHEN reguid_last >= ? THEN reguid_sightings + 1 ELSE 1 END,"
            " reguids_since = CASE WHEN reguid_last >= ? THEN reguids_since END,"
            " reguid_last = ? WHERE key = ?",
            (lapsed_before, lapsed_before, now, key),
        )
        cursor = await self.db.execute(
            "UPDATE feed_sources SET reguids_since = ? WHERE key = ? AND reguids_since IS NULL"
            " AND reguid_sightings >= ?",
            (now, key, evidence),
        )
        return cursor.rowcount == 1

    async def max_entry_id(self) -> int:
        row = await self.db.fetchrow("SELECT COALESCE(MAX(id), 0) FROM entries")
        return int(row[0])

    async def insert_entries(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """(id, title, title key, title numbers, link, summary, published, type, org,
        first_seen, backlog) rows, in one statement (see `bot.core.names.title_key`)."""
        await self.db.executemany(
            "INSERT INTO entries(id, title, title_key, title_numbers, link, summary, published,"
            " type, org, first_seen, backlog) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    async def entry_texts(self, entry_ids: Iterable[int]) -> dict[int, EntryText]:
        """Where each of these entries' text came from, and its hash (bot/watch/edits.py)."""
        found: dict[int, EntryText] = {}
        for chunk in chunks(sorted(set(entry_ids))):
            rows = await self.db.fetchall(
                "SELECT id, text_source, text_hash FROM entries"
                f" WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update({r[0]: EntryText(r[1], r[2]) for r in rows})
        return found

    async def note_entry_texts(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """(source key, text hash, entry id): where entries' text came from, and its hash."""
        await self.db.executemany(
            "UPDATE entries SET text_source = ?, text_hash = ? WHERE id = ?", rows
        )

    async def update_entry_text(self, update: EntryUpdate, now: str) -> None:
        """Give an entry the new text its source changed it to (inside the caller's
        transaction); its first-seen moment, date and links stay."""
        await self.db.execute(
            "UPDATE entries SET title = ?, title_key = ?, title_numbers = ?, summary = ?,"
            " text_hash = ?, updated_at = ? WHERE id = ?",
            (
                update.title,
                update.title_key,
                update.title_numbers,
                update.summary,
                update.text_hash,
                now,
                update.entry_id,
            ),
        )

    async def add_links(
        self,
        identities: Iterable[tuple[str, int]],
        sources: Iterable[tuple[int, str, str, str | None, str]],
        models: Iterable[tuple[int, int]],
    ) -> None:
        """Record identities (identity, entry), sources (entry, key, name, link, seen) and
        linked models (entry, model) in three statements."""
        await self.db.executemany(
            "INSERT OR IGNORE INTO entry_identities(identity, entry_id) VALUES (?, ?)", identities
        )
        await self.db.executemany(
            "INSERT OR IGNORE INTO entry_sources(entry_id, source_key, source_name, link, seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            sources,
        )
        await self.db.executemany(
            "INSERT OR IGNORE INTO entry_models(entry_id, model_id) VALUES (?, ?)", models
        )

    # ---- retention (inside the caller's transaction) ---------------------------------------

    async def trim_bodies(self, seen_before: str) -> int:
        """Cut the summaries of entries first seen before `seen_before` to their opening,
        the first BODY_KEPT characters; how many were cut."""
        # The length is spelled out: the partial index entries_long_body (migration 0012)
        # serves only this very condition.
        cursor = await self.db.execute(
            "UPDATE entries SET summary = substr(summary, 1, 200)"
            " WHERE first_seen < ? AND length(summary) > 200",
            (seen_before,),
        )
        return cursor.rowcount

    async def forget_identities(self, seen_before: str) -> int:
        """Delete the identities of entries first seen before `seen_before`, except curated
        ones (the curated files are ingested again at every start); how many went."""
        cursor = await self.db.execute(
            "DELETE FROM entry_identities WHERE entry_id IN (SELECT id FROM entries"
            " WHERE first_seen < ?) AND entry_id NOT IN"
            " (SELECT entry_id FROM entry_sources WHERE source_key = 'curated')",
            (seen_before,),
        )
        return cursor.rowcount

    async def canonical_org(self, name: str) -> str:
        norm = normalize(name)
        row = await self.db.fetchone(
            "SELECT name FROM organisations WHERE norm = ? UNION ALL SELECT o.name FROM"
            " organisation_aliases a JOIN organisations o ON o.id = a.org_id WHERE a.norm = ? LIMIT 1",
            (norm, norm),
        )
        return row[0] if row else name

    async def model_facts(self, model_ids: Sequence[int]) -> tuple[set[str], set[str], set[str]]:
        """Organisations, openness classes and modality claims of the given models."""
        if not model_ids:
            return set(), set(), set()
        marks = ",".join("?" * len(model_ids))
        orgs = await self.db.fetchall(
            f"SELECT DISTINCT o.name FROM models m JOIN organisations o ON o.id = m.org_id WHERE m.id IN ({marks})",
            model_ids,
        )
        openness = await self.db.fetchall(
            f"SELECT DISTINCT openness FROM license_claims WHERE model_id IN ({marks})", model_ids
        )
        modality = await self.db.fetchall(
            f"SELECT DISTINCT value FROM model_claims WHERE field = 'modality' AND model_id IN ({marks})",
            model_ids,
        )
        return {r[0] for r in orgs}, {r[0] for r in openness}, {r[0] for r in modality}

    # ---- subscriptions --------------------------------------------------------------------

    async def subscriptions(self, guild_id: str | None = None) -> list[Subscription]:
        if guild_id is None:
            rows = await self.db.fetchall("SELECT * FROM subscriptions ORDER BY id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM subscriptions WHERE guild_id = ? ORDER BY id", (guild_id,)
            )
        return [subscription_of(r) for r in rows]

    async def add_subscription(
        self,
        guild_id: str,
        channel_id: str,
        filters: dict[str, Any],
        role_id: str | None,
        notify_channel_id: str | None,
        created_by: str,
        now: str,
    ) -> int:
        return await self.db.insert(
            "INSERT INTO subscriptions(guild_id, channel_id, filters, role_id, notify_channel_id,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                channel_id,
                json.dumps(filters, sort_keys=True),
                role_id,
                notify_channel_id,
                created_by,
                now,
            ),
        )

    async def remove_subscription(self, guild_id: str, subscription_id: int) -> bool:
        """Delete the guild's subscription and drop its queued and held alerts (inside the
        caller's transaction); False, changing nothing, if the guild has no such subscription."""
        # Every statement names the guild: an id from another guild matches no row at all.
        await self._outbox.drop_of_subscription(guild_id, subscription_id)
        cursor = await self.db.execute(
            "DELETE FROM subscriptions WHERE id = ? AND guild_id = ?",
            (subscription_id, guild_id),
        )
        return cursor.rowcount == 1

    async def pause_subscriptions_of_channel(
        self, channel_id: str, reason: str
    ) -> list[Subscription]:
        """Pause every active subscription posting to `channel_id` and hold its queued alerts
        (inside the caller's transaction); return the newly paused."""
        rows = await self.db.fetchall(
            "SELECT * FROM subscriptions WHERE channel_id = ? AND paused = 0", (channel_id,)
        )
        await self.db.execute(
            "UPDATE subscriptions SET paused = 1, pause_reason = ? WHERE channel_id = ? AND paused = 0",
            (reason, channel_id),
        )
        # Alerts, their "N more" summaries and the edits of alerts already posted.
        await self._outbox.hold_channel(channel_id, "alert", "alert_summary", "alert_edit")
        return [subscription_of(r) for r in rows]

    async def resume_subscription(
        self,
        guild_id: str,
        subscription_id: int,
        drop: Sequence[int] = (),
        reason: str = "",
    ) -> int | None:
        """Unpause the guild's subscription; its held rows go back to the queue, except those in
        `drop`, which are dropped with `reason` (inside the caller's transaction). How many were
        queued; None, changing nothing, if the guild has no such subscription."""
        cursor = await self.db.execute(
            "UPDATE subscriptions SET paused = 0, pause_reason = NULL WHERE id = ? AND guild_id = ?",
            (subscription_id, guild_id),
        )
        if cursor.rowcount != 1:
            return None
        return await self._outbox.release_of_subscription(guild_id, subscription_id, drop, reason)

    async def latest_entries(self, limit: int) -> list[int]:
        """The ids of the `limit` newest entries, newest first."""
        rows = await self.db.fetchall(
            "SELECT id FROM entries ORDER BY COALESCE(published, first_seen) DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [r[0] for r in rows]

    # ---- reading entries back -------------------------------------------------------------

    async def entry(self, entry_id: int) -> StoredEntry | None:
        row = await self.db.fetchone("SELECT * FROM entries WHERE id = ?", (entry_id,))
        return None if row is None else stored_entry_of(row)

    async def entry_sources(self, entry_id: int) -> list[EntrySource]:
        rows = await self.db.fetchall(
            "SELECT source_key, source_name, link FROM entry_sources WHERE entry_id = ?"
            " ORDER BY seen_at, source_name",
            (entry_id,),
        )
        return [EntrySource(r[0], r[1], r[2]) for r in rows]

    async def add_entry_news(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Record what entries brought the catalog: (entry, model, line) rows."""
        await self.db.executemany(
            "INSERT OR IGNORE INTO entry_news(entry_id, model_id, line) VALUES (?, ?, ?)", rows
        )

    async def entry_news(self, entry_id: int) -> list[tuple[int | None, str]]:
        """What the entry brought the catalog: (model id, line), in the order recorded."""
        rows = await self.db.fetchall(
            "SELECT model_id, line FROM entry_news WHERE entry_id = ? ORDER BY rowid", (entry_id,)
        )
        return [(r[0], r[1]) for r in rows]

    async def entry_model_ids(self, entry_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT model_id FROM entry_models WHERE entry_id = ? ORDER BY rowid", (entry_id,)
        )
        return [r[0] for r in rows]

    async def news_between(self, since: str, until: str, published_after: str) -> list[StoredEntry]:
        """What a digest of [since, until) covers, oldest first: entries first seen in it that
        are news (not backlog, not published before `published_after`), and entries published
        in it that were not already news of an earlier window."""
        rows = await self.db.fetchall(
            "SELECT * FROM entries WHERE"
            " (first_seen >= ? AND first_seen < ? AND backlog = 0"
            "  AND (published IS NULL OR published >= ?))"
            " OR (published >= ? AND published < ? AND (first_seen >= ? OR backlog = 1))"
            " ORDER BY COALESCE(published, first_seen), id",
            (since, until, published_after, since, until, since),
        )
        return [stored_entry_of(r) for r in rows]
